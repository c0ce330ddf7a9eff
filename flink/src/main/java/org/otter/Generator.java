package org.otter;

import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A synthetic stream generator of the C library ({@code include/otter/gen.h}): the rows of
 * {@code otter gen TYPE --seed S --param ...}, row for row, with the same numbers. The
 * examples' Flink sources use it, so a job sees exactly the stream the CLI writes.
 *
 * <p>Not thread-safe (a generator is a sequence); close it, or a Cleaner frees it.
 */
public final class Generator implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    /**
     * One generated row. The built-in generators use the default namespace only.
     *
     * @param label the label
     * @param meta the metadata columns (such as fraud's {@code _label_delay}), in
     *     {@link #metaNames()} order
     * @param numNames numeric feature names, in row order
     * @param numValues their values
     * @param catNames categorical feature names, in row order
     * @param catValues their values
     */
    public record Row(double label, double[] meta, String[] numNames, double[] numValues,
            String[] catNames, String[] catValues) {}

    private final Handle handle;
    private final String[] metaNames;

    private Generator(long address) {
        this.handle = new Handle(this, address, Handle.GENERATOR);
        this.metaNames = Native.genMetaNames(address);
    }

    /**
     * Creates a generator ({@code otter list} names the types and their params).
     *
     * @param type such as "fraud" or "hyperplane"
     * @param params {@code "k=v,..."} or null
     * @param seed the seed ({@code --seed})
     * @return the generator
     * @throws OtterException NOT_FOUND for an unknown type; INVALID for bad params
     */
    public static Generator create(String type, String params, long seed) {
        return new Generator(Native.genCreate(type, params, seed));
    }

    /**
     * Names of the metadata columns (written after the label by {@code otter gen}).
     *
     * @return the names
     */
    public String[] metaNames() {
        return metaNames.clone();
    }

    /**
     * The next row.
     *
     * @return the row
     * @throws OtterException STATE if closed
     */
    public Row next() {
        byte[] b;
        try {
            b = Native.genNext(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        double label = in.getDouble();
        double[] meta = new double[in.getInt()];
        for (int i = 0; i < meta.length; i++) {
            meta[i] = in.getDouble();
        }
        int n = in.getInt();
        List<String> nn = new ArrayList<>(n), cn = new ArrayList<>(n), cv = new ArrayList<>(n);
        double[] nv = new double[n];
        for (int i = 0; i < n; i++) {
            int kind = in.get();
            str(in); /* namespace: "" for every built-in generator */
            String name = str(in);
            if (kind == 0) {
                nv[nn.size()] = in.getDouble();
                nn.add(name);
            } else {
                cn.add(name);
                cv.add(str(in));
            }
        }
        return new Row(label, meta, nn.toArray(new String[0]),
                java.util.Arrays.copyOf(nv, nn.size()), cn.toArray(new String[0]),
                cv.toArray(new String[0]));
    }

    /**
     * Skips n rows.
     *
     * @param n how many
     */
    public void skip(long n) {
        for (long i = 0; i < n; i++) {
            Native.genNext(handle.get());
        }
        Reference.reachabilityFence(this);
    }

    @Override
    public void close() {
        handle.close();
    }

    private static String str(ByteBuffer in) {
        int len = in.getShort() & 0xFFFF;
        String s = new String(in.array(), in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }
}
