package org.otter;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * An incremental model (logistic or linear regression, FTRL, SVM, Hoeffding trees, ...)
 * held in native memory: the Java side of {@code otter_learner} (include/otter/learner.h).
 *
 * <pre>{@code
 * try (Learner lr = Learner.create("logreg", "bits=20,optimizer=ftrl");
 *      Features f = new Features()) {
 *     f.num("amount", 12.5).cat("country", "FR");
 *     Prediction p = lr.predict(f);
 *     lr.learn(f, 1.0, 1.0);
 * }
 * }</pre>
 *
 * <p>Errors: every method throws {@link OtterException} with the C status and message for
 * bad arguments (null features, NaN/Inf values, labels or weights, labels outside the
 * task, batch arrays of the wrong length) and on a closed learner (STATE); the model is
 * unchanged then.
 *
 * <p>Memory: the model lives in native memory ({@link #bytes()}); {@link #close()} frees
 * it. A learner that is garbage collected without being closed is freed by a
 * {@link java.lang.ref.Cleaner}, but close it: the Java heap does not see native memory,
 * so the collector may run late.
 *
 * <p>Thread safety: confined to one thread at a time (it keeps a reusable native row);
 * closing while another thread uses it is not allowed. Learning is deterministic: the same
 * calls in the same order give bit-identical {@link #encode()} bytes.
 */
public final class Learner implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private final Handle handle;
    private ByteBuffer batch;
    private double[] scratch;

    private Learner(long address) {
        this.handle = new Handle(this, address, Handle.LEARNER);
    }

    /**
     * Creates a learner of a registered type.
     *
     * @param type the type name: logreg, linreg, svm, hoeffding, hat, hoeffding-reg (see
     *     {@link #types()})
     * @param params parameters as {@code "k=v,k=v"} (as {@code otter eval --param}); null or
     *     "" for the defaults
     * @return a new learner, owned by the caller
     * @throws OtterException NOT_FOUND for an unknown type; INVALID naming the parameter
     *     for an unknown key or a bad value
     */
    public static Learner create(String type, String params) {
        return new Learner(Native.learnerCreate(type, params));
    }

    /**
     * Creates a learner with parameters from a map (values rendered with
     * {@code String.valueOf}).
     *
     * @param type the type name
     * @param params parameters (null for the defaults)
     * @return a new learner
     * @throws OtterException as {@link #create(String, String)}
     */
    public static Learner create(String type, Map<String, ?> params) {
        return create(type, Params.text(params));
    }

    /**
     * Rebuilds a learner from {@link #encode()} bytes (or a state blob from otterd's
     * {@code GET /v1/models/{name}/state}, the CLI's {@code --save}, or
     * {@link NativeStore#getState}).
     *
     * @param blob the blob
     * @return a new learner whose predictions and further learning are bit-identical to
     *     the encoded one's
     * @throws OtterException CORRUPT for truncated, damaged or foreign bytes; VERSION for a
     *     newer format; NOT_FOUND for an unknown type; INVALID for null
     */
    public static Learner decode(byte[] blob) {
        return new Learner(Native.learnerDecode(blob));
    }

    /**
     * The registered learner types.
     *
     * @return their names
     */
    public static String[] types() {
        return Native.learnerTypes();
    }

    /**
     * Scores a row without changing the model.
     *
     * @param features the row
     * @return a new prediction
     * @throws OtterException INVALID for null features or a NaN/Inf value; STATE if closed
     */
    public Prediction predict(Features features) {
        return predict(features, new Prediction());
    }

    /**
     * Scores a row into a caller-owned prediction (no garbage).
     *
     * @param features the row
     * @param out filled with the prediction
     * @return out
     * @throws OtterException as {@link #predict(Features)}; INVALID for a null out
     */
    public Prediction predict(Features features, Prediction out) {
        try {
            Native.learnerPredict(handle.get(), buf(features), len(features), raw(out));
            return out;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Learns one labelled row.
     *
     * @param features the row
     * @param label the label: 0/1 for binary tasks (-1 reads as 0), 0..K-1 for multiclass,
     *     any finite number for regression
     * @param weight the importance weight, finite and &gt; 0 (1 for plain examples)
     * @throws OtterException INVALID for null features, a NaN/Inf value, label or weight, a
     *     label outside the task; STATE if closed
     */
    public void learn(Features features, double label, double weight) {
        learn(features, label, weight, null);
    }

    /**
     * Test, then train: fills {@code before} with what the model predicted for the row just
     * before learning from it (prequential evaluation), in one native call.
     *
     * @param features the row
     * @param label the label
     * @param weight the weight
     * @param before filled with the prediction before learning (null: not wanted)
     * @throws OtterException as {@link #learn(Features, double, double)}
     */
    public void learn(Features features, double label, double weight, Prediction before) {
        try {
            Native.learnerLearn(handle.get(), buf(features), len(features), label, weight,
                    before == null ? null : before.raw);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Scores n rows in one native call.
     *
     * @param rows the rows (the first n are used)
     * @param n how many
     * @param out the first n entries are filled (null entries are created)
     * @throws OtterException INVALID for a null row, n outside the arrays, a bad value
     *     (naming the row); STATE if closed
     */
    public void predictBatch(Features[] rows, int n, Prediction[] out) {
        if (out == null || n < 0 || n > out.length) {
            throw new OtterException("INVALID", "out must hold " + n + " predictions");
        }
        ByteBuffer b = packBatch(rows, n);
        double[] s = scratchFor(n);
        try {
            Native.learnerPredictBatch(handle.get(), b, b.position(), n, s);
        } finally {
            Reference.reachabilityFence(this);
        }
        unpack(s, n, out);
    }

    /**
     * Learns n labelled rows in one native call, in order. All or nothing for bad arguments:
     * every row, label and weight is checked before the first is learned.
     *
     * @param rows the rows (the first n are used)
     * @param n how many
     * @param labels n labels
     * @param weights n weights, or null for weight 1
     * @param before null, or n entries filled with the predictions before each update
     * @throws OtterException INVALID (naming the row) for a null row, a bad value, label or
     *     weight, arrays shorter than n; STATE if closed
     */
    public void learnBatch(Features[] rows, int n, double[] labels, double[] weights,
            Prediction[] before) {
        if (before != null && n > before.length) {
            throw new OtterException("INVALID", "before must hold " + n + " predictions");
        }
        ByteBuffer b = packBatch(rows, n);
        double[] s = before == null ? null : scratchFor(n);
        try {
            Native.learnerLearnBatch(handle.get(), b, b.position(), n, labels, weights, s);
        } finally {
            Reference.reachabilityFence(this);
        }
        if (before != null) {
            unpack(s, n, before);
        }
    }

    /**
     * The whole state as a blob (magic OTR1, format version, type, params, payload,
     * CRC32C): the same bytes otterd, the CLI and the store use.
     *
     * @return the blob
     * @throws OtterException STATE if closed; NOMEM
     */
    public byte[] encode() {
        try {
            return Native.learnerEncode(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The type name ("logreg", ...).
     *
     * @return the type
     * @throws OtterException STATE if closed
     */
    public String type() {
        try {
            return Native.learnerType(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The resolved parameters, canonical: one "name=value" per line in table order.
     *
     * @return the parameter text
     * @throws OtterException STATE if closed
     */
    public String params() {
        try {
            return Native.learnerParams(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The task the learner predicts.
     *
     * @return the task
     * @throws OtterException STATE if closed
     */
    public Prediction.Task task() {
        return Prediction.Task.values()[(int) info()[0]];
    }

    /**
     * Number of classes (2 binary, K multiclass, 0 regression).
     *
     * @return the count
     * @throws OtterException STATE if closed
     */
    public int classCount() {
        return (int) info()[1];
    }

    /**
     * Native memory held by the model, in bytes.
     *
     * @return the bytes
     * @throws OtterException STATE if closed
     */
    public long bytes() {
        return info()[2];
    }

    /**
     * Number of updates (learn calls) applied since creation.
     *
     * @return the count
     * @throws OtterException STATE if closed
     */
    public long updates() {
        return info()[3];
    }

    /**
     * A text view of the model for people (trees: one line per node). Not a way to save
     * it: use {@link #encode()}.
     *
     * @return the text
     * @throws OtterException UNSUPPORTED for types without one (the linear models); STATE
     *     if closed
     */
    public String dump() {
        try {
            return Native.learnerDump(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /** Frees the native model. Idempotent; later calls throw OtterException STATE. */
    @Override
    public void close() {
        handle.close();
    }

    private long[] info() {
        try {
            return Native.learnerInfo(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    private ByteBuffer packBatch(Features[] rows, int n) {
        batch = Features.batch(batch, rows, n);
        return batch;
    }

    private double[] scratchFor(int n) {
        int want = Math.max(1, n) * Prediction.STRIDE;
        if (scratch == null || scratch.length < want) {
            scratch = new double[want];
        }
        return scratch;
    }

    static void unpack(double[] s, int n, Prediction[] out) {
        for (int i = 0; i < n; i++) {
            if (out[i] == null) {
                out[i] = new Prediction();
            }
            System.arraycopy(s, i * Prediction.STRIDE, out[i].raw, 0, Prediction.STRIDE);
        }
    }

    static ByteBuffer buf(Features f) {
        return f == null ? null : f.buffer();
    }

    static int len(Features f) {
        return f == null ? 0 : f.seal();
    }

    static double[] raw(Prediction p) {
        return p == null ? null : p.raw;
    }
}
