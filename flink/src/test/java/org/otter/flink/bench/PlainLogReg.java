package org.otter.flink.bench;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.otter.flink.FeatureRow;

/**
 * The plain-Flink baseline's model: binary logistic regression written by hand in Java over
 * hashed features, its whole state one {@code double[]} (what a user keeps in a
 * {@code ValueState<double[]>}). It follows Otter's {@code logreg} with
 * {@code optimizer=adagrad} (the default) step for step, so that the benchmark compares the
 * same learning work: features hashed with MurmurHash3 x86_32 into {@code 2^bits} slots
 * (numeric: the hash of the name; categorical: the hash of the value seeded with the name's
 * hash), the margin summed in row order from the bias, logistic loss with the margin
 * clipped to [-35, 35], AdaGrad per coordinate ({@code lr} / sqrt of the summed squared
 * gradients, zero gradients skipped, the bias learned too), and optional standardization of
 * numeric inputs by each slot's running mean and variance (Welford; the map is 0 until two
 * values were seen and the identity for a constant input), updated after the step.
 * {@code PlainLogRegTest} holds it to {@code org.otter.Learner} prediction for prediction.
 *
 * <p>Layout of the state: {@code [0]} the weight seen, {@code [1..2]} the bias and its
 * squared-gradient sum, then per slot {@code w, g2} and, when standardizing, {@code n, mean,
 * m2, scale, offset}.
 */
public final class PlainLogReg {
    static final int HEAD = 3;
    static final int ST_N = 2;
    static final int ST_MEAN = 3;
    static final int ST_M2 = 4;
    static final int ST_SCALE = 5;
    static final int ST_OFFSET = 6;

    final int bits;
    final int mask;
    final double lr;
    final boolean standardize;
    final int slotSize;
    /** Hashes of feature names, as {@code Features} caches their UTF-8 bytes. */
    private final Map<String, Integer> nameHashes = new HashMap<>();

    /**
     * @param bits hash table size 2^bits (Otter's {@code bits})
     * @param lr AdaGrad's rate (Otter's {@code lr}, default 0.5)
     * @param standardize Otter's {@code standardize}
     */
    public PlainLogReg(int bits, double lr, boolean standardize) {
        if (bits < 1 || bits > 24) {
            throw new IllegalArgumentException("bits must be in 1..24, not " + bits);
        }
        this.bits = bits;
        this.mask = (1 << bits) - 1;
        this.lr = lr;
        this.standardize = standardize;
        this.slotSize = standardize ? 7 : 2;
    }

    /** @return the length of a fresh model's state */
    public int stateLength() {
        return HEAD + (mask + 1) * slotSize;
    }

    /** @return a model that has learned nothing */
    public double[] newState() {
        return new double[stateLength()];
    }

    /**
     * A row as the model reads it: the slot of each feature, its value (1 for a category)
     * and how many of them, from the first, are numeric.
     */
    public static final class Hashed {
        /** Slots (index into the table), numeric features first. */
        public int[] slots;
        /** Values. */
        public double[] values;
        /** Numeric features (the first {@code numeric} entries). */
        public int numeric;

        /** For Flink's POJO serializer. */
        public Hashed() {}
    }

    /**
     * Hashes a row (numeric features, then categorical, as {@code FeatureRow.writeTo}
     * writes them; no dense part).
     *
     * @param r the row
     * @return its slots and values
     */
    public Hashed hash(FeatureRow r) {
        int nn = r.numNames == null ? 0 : r.numNames.length;
        int nc = r.catNames == null ? 0 : r.catNames.length;
        Hashed h = new Hashed();
        h.slots = new int[nn + nc];
        h.values = new double[nn + nc];
        h.numeric = nn;
        for (int i = 0; i < nn; i++) {
            h.slots[i] = nameHash(r.numNames[i]) & mask;
            h.values[i] = r.numValues[i];
        }
        for (int i = 0; i < nc; i++) {
            byte[] v = r.catValues[i].getBytes(StandardCharsets.UTF_8);
            h.slots[nn + i] = murmur3(v, v.length, nameHash(r.catNames[i])) & mask;
            h.values[nn + i] = 1.0;
        }
        return h;
    }

    private int nameHash(String name) {
        Integer h = nameHashes.get(name);
        if (h == null) {
            byte[] b = name.getBytes(StandardCharsets.UTF_8);
            h = murmur3(b, b.length, 0);
            if (nameHashes.size() < 4096) {
                nameHashes.put(name, h);
            }
        }
        return h;
    }

    /** The model's input for feature i: standardized when numeric and enabled. */
    private double x(double[] s, Hashed h, int i) {
        if (!standardize || i >= h.numeric) {
            return h.values[i];
        }
        int at = HEAD + h.slots[i] * slotSize;
        return h.values[i] * s[at + ST_SCALE] - s[at + ST_OFFSET];
    }

    /**
     * @param s the state
     * @param h the row
     * @return the margin (log-odds)
     */
    public double margin(double[] s, Hashed h) {
        double m = s[1];
        for (int i = 0; i < h.slots.length; i++) {
            m += s[HEAD + h.slots[i] * slotSize] * x(s, h, i);
        }
        return m;
    }

    /**
     * @param margin a margin
     * @return the probability of the positive class
     */
    public static double sigmoid(double margin) {
        double m = Math.max(-35, Math.min(35, margin));
        return 1.0 / (1.0 + Math.exp(-m));
    }

    /**
     * One AdaGrad step on (row, label), then the running statistics.
     *
     * @param s the state (updated in place)
     * @param h the row
     * @param y the label, 0 or 1
     * @param weight the importance weight
     * @return the probability the model gave the row before learning
     */
    public double learn(double[] s, Hashed h, double y, double weight) {
        double p = sigmoid(margin(s, h));
        double g = (p - y) * weight;
        for (int i = 0; i < h.slots.length; i++) {
            double xi = x(s, h, i);
            if (xi != 0.0) {
                adagrad(s, HEAD + h.slots[i] * slotSize, g * xi);
            }
        }
        adagrad(s, 1, g);
        if (standardize) {
            for (int i = 0; i < h.numeric; i++) {
                welford(s, HEAD + h.slots[i] * slotSize, h.values[i]);
            }
        }
        s[0] += weight;
        return p;
    }

    private void adagrad(double[] s, int at, double g) {
        if (g == 0.0) {
            return;
        }
        s[at + 1] += g * g;
        s[at] -= lr * g / Math.sqrt(s[at + 1]);
    }

    private static void welford(double[] s, int at, double x) {
        double n = s[at + ST_N] += 1;
        double delta = x - s[at + ST_MEAN];
        double mean = s[at + ST_MEAN] += delta / n;
        double m2 = s[at + ST_M2] += delta * (x - mean);
        double var = m2 / n;
        if (n < 2) {
            s[at + ST_SCALE] = 0.0;
            s[at + ST_OFFSET] = 0.0;
        } else if (var <= 1e-12 * (1.0 + mean * mean)) {
            s[at + ST_SCALE] = 1.0;
            s[at + ST_OFFSET] = 0.0;
        } else {
            s[at + ST_SCALE] = 1.0 / Math.sqrt(var);
            s[at + ST_OFFSET] = mean * s[at + ST_SCALE];
        }
    }

    /**
     * MurmurHash3 x86_32 of the first {@code len} bytes, little-endian blocks (the hash
     * Otter's instances use).
     *
     * @param b bytes
     * @param len how many
     * @param seed the seed
     * @return the hash
     */
    @SuppressWarnings("fallthrough")
    public static int murmur3(byte[] b, int len, int seed) {
        final int c1 = 0xcc9e2d51;
        final int c2 = 0x1b873593;
        int h = seed;
        int blocks = len / 4;
        for (int i = 0; i < blocks; i++) {
            int j = 4 * i;
            int k = (b[j] & 0xff) | (b[j + 1] & 0xff) << 8 | (b[j + 2] & 0xff) << 16
                    | (b[j + 3] & 0xff) << 24;
            h ^= Integer.rotateLeft(k * c1, 15) * c2;
            h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
        }
        int k = 0;
        int t = blocks * 4;
        switch (len & 3) {
            case 3:
                k ^= (b[t + 2] & 0xff) << 16;
                // fall through
            case 2:
                k ^= (b[t + 1] & 0xff) << 8;
                // fall through
            case 1:
                k ^= b[t] & 0xff;
                h ^= Integer.rotateLeft(k * c1, 15) * c2;
                break;
            default:
                break;
        }
        h ^= len;
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
