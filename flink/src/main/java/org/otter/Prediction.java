package org.otter;

/**
 * What a learner predicts for one row: the Java side of {@code otter_prediction}.
 *
 * <p>A {@code Prediction} is a reusable holder: the overloads that take one fill it in
 * place, so scoring a stream makes no garbage. The native code writes it as one array of
 * doubles: {@code [task, score, probability, hasProbability, label, classCount,
 * p(0) .. p(classCount - 1)]} ({@link #STRIDE} doubles per prediction in batches).
 *
 * <p>Thread safety: a plain mutable holder; not thread-safe.
 */
public final class Prediction {
    /** The kind of label a learner predicts. */
    public enum Task {
        /** Labels 0/1 (-1 is read as 0); {@link #probability()} is P(label = 1). */
        BINARY,
        /** Labels 0..K-1; {@link #probability(int)} gives each class. */
        MULTICLASS,
        /** Real-valued labels; {@link #score()} is the predicted value. */
        REGRESSION
    }

    /** Most classes a learner has (OTTER_MAX_CLASSES). */
    public static final int MAX_CLASSES = 64;
    /** Doubles per prediction in the native layout. */
    public static final int STRIDE = 6 + MAX_CLASSES;

    private static final Task[] TASKS = Task.values();

    final double[] raw;

    /** Creates an empty prediction (regression, score 0) to be filled by a call. */
    public Prediction() {
        raw = new double[STRIDE];
        raw[0] = Task.REGRESSION.ordinal();
        raw[2] = Double.NaN;
    }

    /** Copies prediction i out of a batch array. */
    static Prediction of(double[] batch, int i) {
        Prediction p = new Prediction();
        System.arraycopy(batch, i * STRIDE, p.raw, 0, STRIDE);
        return p;
    }

    /**
     * The task of the learner that made it.
     *
     * @return the task
     */
    public Task task() {
        return TASKS[(int) raw[0]];
    }

    /**
     * The raw margin (binary linear models: the log-odds) or the predicted value
     * (regression).
     *
     * @return the score
     */
    public double score() {
        return raw[1];
    }

    /**
     * P(label = 1) for a binary task with calibrated probabilities; NaN otherwise.
     *
     * @return the probability or NaN
     */
    public double probability() {
        return raw[2];
    }

    /**
     * Whether {@link #probability()} and {@link #probability(int)} are calibrated
     * probabilities.
     *
     * @return true when they are
     */
    public boolean hasProbability() {
        return raw[3] != 0;
    }

    /**
     * The predicted class (binary and multiclass); 0 for regression.
     *
     * @return the class
     */
    public int label() {
        return (int) raw[4];
    }

    /**
     * Number of classes: 2 for binary, K for multiclass, 0 for regression.
     *
     * @return the count
     */
    public int classCount() {
        return (int) raw[5];
    }

    /**
     * The probability of class c when {@link #hasProbability()}.
     *
     * @param c the class, 0..classCount()-1
     * @return its probability (NaN without probabilities)
     * @throws OtterException INVALID for a class out of range
     */
    public double probability(int c) {
        if (c < 0 || c >= classCount()) {
            throw new OtterException("INVALID", "class " + c + " is outside 0.."
                    + (classCount() - 1));
        }
        return hasProbability() ? raw[6 + c] : Double.NaN;
    }

    /**
     * Copies another prediction into this one.
     *
     * @param other the source
     * @return this
     */
    public Prediction set(Prediction other) {
        System.arraycopy(other.raw, 0, raw, 0, STRIDE);
        return this;
    }

    @Override
    public String toString() {
        return "Prediction{" + task() + ", score=" + score() + ", p=" + probability()
                + ", label=" + label() + "}";
    }
}
