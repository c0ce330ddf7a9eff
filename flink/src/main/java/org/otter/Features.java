package org.otter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;

/**
 * One example (a row): named numeric features, named categorical features, each optionally
 * in a namespace, and an optional dense array of numbers. The Java side of
 * {@code otter_instance} (include/otter/instance.h).
 *
 * <p>A {@code Features} is a reusable builder: {@link #clear()} drops the row and keeps
 * its buffers, and the UTF-8 bytes of names, namespaces and categories are cached, so
 * building a row with names seen before makes no garbage. The row is written straight into
 * a direct {@link ByteBuffer} that the native code reads in place: one JNI call per row (or
 * per batch), never one per feature.
 *
 * <p>Values are checked where the C library checks them: a NaN or infinite value, or a
 * name with a NUL character, makes the call that uses the row throw an
 * {@link OtterException} naming the feature. A feature absent from a row is missing, not
 * zero (trees tell the two apart). Names may repeat (linear models add the repeats).
 *
 * <p>Buffer layout (version 1, integers and doubles little-endian; "str16" is a u16 byte
 * length followed by that many UTF-8 bytes, no NUL):
 *
 * <pre>
 *   u32 feature count
 *   per feature: u8 kind, str16 namespace ("" for the default), str16 name, then
 *                kind 0 (numeric): f64 value | kind 1 (categorical): str16 category
 *   u32 dense length, then that many f64
 * </pre>
 *
 * A batch is records back to back (their count travels separately).
 *
 * <p>Thread safety: not thread-safe; one builder per thread. A row may be passed to many
 * calls (predict, then learn) without being rebuilt.
 */
public final class Features {
    static final int KIND_NUM = 0;
    static final int KIND_CAT = 1;
    private static final int MAX_STR = 0xFFFF;
    /** Cache at most this many distinct strings per builder (high-cardinality values pass). */
    private static final int CACHE_MAX = 4096;
    private static final byte[] EMPTY = new byte[0];

    private ByteBuffer buf;
    private int count;
    private int end;
    private double[] dense = new double[0];
    private int denseLen;
    private final HashMap<String, byte[]> utf8 = new HashMap<>();

    /** Creates an empty row. */
    public Features() {
        buf = ByteBuffer.allocateDirect(512).order(ByteOrder.LITTLE_ENDIAN);
        clear();
    }

    /**
     * Drops the row (features and dense array), keeping the buffers and the name cache.
     *
     * @return this builder
     */
    public Features clear() {
        count = 0;
        denseLen = 0;
        end = 4;
        buf.clear();
        buf.position(4);
        return this;
    }

    /**
     * Adds a numeric feature in the default namespace.
     *
     * @param name the feature name (non-empty)
     * @param value its value; NaN or infinite values are refused when the row is used
     * @return this builder
     * @throws OtterException INVALID for a null or empty name or one over 65535 UTF-8 bytes
     */
    public Features num(String name, double value) {
        return num(null, name, value);
    }

    /**
     * Adds a numeric feature in a namespace.
     *
     * @param namespace the namespace; null or "" for the default one
     * @param name the feature name (non-empty)
     * @param value its value; NaN or infinite values are refused when the row is used
     * @return this builder
     * @throws OtterException INVALID for a null or empty name or a string over 65535 bytes
     */
    public Features num(String namespace, String name, double value) {
        byte[] ns = bytes(namespace, "namespace", true);
        byte[] nm = bytes(name, "feature name", false);
        ensure(1 + 2 + ns.length + 2 + nm.length + 8);
        buf.put((byte) KIND_NUM);
        putStr(ns);
        putStr(nm);
        buf.putDouble(value);
        count++;
        end = buf.position();
        return this;
    }

    /**
     * Adds a categorical feature in the default namespace.
     *
     * @param name the feature name (non-empty)
     * @param category its value (may be empty, not null)
     * @return this builder
     * @throws OtterException INVALID for a null name or category, or a string over 65535
     *     bytes
     */
    public Features cat(String name, String category) {
        return cat(null, name, category);
    }

    /**
     * Adds a categorical feature in a namespace.
     *
     * @param namespace the namespace; null or "" for the default one
     * @param name the feature name (non-empty)
     * @param category its value (may be empty, not null)
     * @return this builder
     * @throws OtterException INVALID for a null name or category, or a string over 65535
     *     bytes
     */
    public Features cat(String namespace, String name, String category) {
        byte[] ns = bytes(namespace, "namespace", true);
        byte[] nm = bytes(name, "feature name", false);
        byte[] cv = bytes(category, "category of '" + name + "'", true);
        if (category == null) {
            throw new OtterException("INVALID", "category of feature '" + name + "' is null");
        }
        ensure(1 + 2 + ns.length + 2 + nm.length + 2 + cv.length);
        buf.put((byte) KIND_CAT);
        putStr(ns);
        putStr(nm);
        putStr(cv);
        count++;
        end = buf.position();
        return this;
    }

    /**
     * Sets the dense array (copied; replaces an earlier one). Contextual bandits read it as
     * dimensions 0.., learners as features of their own.
     *
     * @param x the values (null clears the dense array)
     * @return this builder
     */
    public Features dense(double[] x) {
        return x == null ? dense(null, 0, 0) : dense(x, 0, x.length);
    }

    /**
     * Sets the dense array from a slice (copied).
     *
     * @param x the values (null with len 0 clears it)
     * @param off first index
     * @param len how many
     * @return this builder
     * @throws OtterException INVALID for a slice outside x
     */
    public Features dense(double[] x, int off, int len) {
        if (len == 0) {
            denseLen = 0;
            return this;
        }
        if (x == null || off < 0 || len < 0 || off > x.length - len) {
            throw new OtterException("INVALID", "dense slice [" + off + ", " + off + " + " + len
                    + ") is outside the array");
        }
        if (dense.length < len) {
            dense = new double[Math.max(len, dense.length * 2)];
        }
        System.arraycopy(x, off, dense, 0, len);
        denseLen = len;
        return this;
    }

    /**
     * Number of named features in the row (the dense array not included).
     *
     * @return the count
     */
    public int size() {
        return count;
    }

    /**
     * Length of the dense array (0 when unset).
     *
     * @return the length
     */
    public int denseLength() {
        return denseLen;
    }

    /**
     * Finishes the record in the buffer (count and dense array) and returns its length in
     * bytes; the record is {@code buffer()[0, length)}. Idempotent.
     */
    int seal() {
        ensureAt(end, 4 + 8 * denseLen);
        buf.putInt(0, count);
        buf.position(end);
        buf.putInt(denseLen);
        for (int i = 0; i < denseLen; i++) {
            buf.putDouble(dense[i]);
        }
        return buf.position();
    }

    /** The direct buffer holding the record (valid after {@link #seal()}). */
    ByteBuffer buffer() {
        return buf;
    }

    private void putStr(byte[] b) {
        buf.putShort((short) b.length);
        buf.put(b);
    }

    private void ensure(int extra) {
        ensureAt(buf.position(), extra);
    }

    private void ensureAt(int pos, int extra) {
        if ((long) pos + extra <= buf.capacity()) {
            return;
        }
        long want = Math.max((long) buf.capacity() * 2, (long) pos + extra);
        if (want > Integer.MAX_VALUE - 8) {
            throw new OtterException("INVALID", "row is larger than 2 GiB");
        }
        ByteBuffer nb = ByteBuffer.allocateDirect((int) want).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer old = buf.duplicate();
        old.position(0).limit(pos);
        nb.put(old);
        buf = nb;
    }

    private byte[] bytes(String s, String what, boolean emptyOk) {
        if (s == null) {
            if (emptyOk) {
                return EMPTY;
            }
            throw new OtterException("INVALID", what + " is null");
        }
        if (s.isEmpty()) {
            if (emptyOk) {
                return EMPTY;
            }
            throw new OtterException("INVALID", what + " is empty");
        }
        byte[] b = utf8.get(s);
        if (b == null) {
            checkSurrogates(s, what);
            b = s.getBytes(StandardCharsets.UTF_8);
            if (b.length > MAX_STR) {
                throw new OtterException("INVALID", what + " is longer than 65535 UTF-8 bytes");
            }
            if (utf8.size() < CACHE_MAX) {
                utf8.put(s, b);
            }
        }
        return b;
    }

    /** String.getBytes would turn an unpaired surrogate into '?': refuse it instead. */
    private static void checkSurrogates(String s, String what) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isSurrogate(c)) {
                continue;
            }
            if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
                continue;
            }
            throw new OtterException("INVALID",
                    what + " contains an unpaired surrogate (not valid UTF-8)");
        }
    }

    /** Appends the sealed records of rows to a batch buffer; used by the batch calls. */
    static ByteBuffer batch(ByteBuffer into, Features[] rows, int n) {
        if (rows == null) {
            throw new OtterException("INVALID", "rows are required");
        }
        if (n < 0 || n > rows.length) {
            throw new OtterException("INVALID", "row count " + n + " is outside 0.."
                    + rows.length);
        }
        long total = 0;
        for (int i = 0; i < n; i++) {
            if (rows[i] == null) {
                throw new OtterException("INVALID", "row " + i + " is null");
            }
            total += rows[i].seal();
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new OtterException("INVALID", "batch is larger than 2 GiB");
        }
        if (into == null || into.capacity() < total) {
            into = ByteBuffer.allocateDirect((int) Math.max(total, 4096))
                    .order(ByteOrder.LITTLE_ENDIAN);
        }
        into.clear();
        for (int i = 0; i < n; i++) {
            ByteBuffer r = rows[i].buf.duplicate();
            r.position(0).limit(rows[i].seal());
            into.put(r);
        }
        return into;
    }

    @Override
    public String toString() {
        return "Features{" + count + " named, " + denseLen + " dense}";
    }
}
