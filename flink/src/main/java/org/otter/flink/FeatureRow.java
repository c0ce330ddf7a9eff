package org.otter.flink;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import org.otter.Features;

/**
 * The features of one record as plain arrays, so that Flink serializes them as a POJO
 * (no Kryo): numeric features ({@link #numNames}, {@link #numValues}), categorical
 * features ({@link #catNames}, {@link #catValues}) and an optional dense array. The
 * operators copy a row into a reused {@link Features} builder ({@link #writeTo}), which
 * crosses JNI as one buffer: no call per feature.
 *
 * <p>Null arrays mean none. The name and value arrays of a kind must have the same
 * length; {@link #writeTo} refuses a row whose lengths differ.
 */
public class FeatureRow implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Names of the numeric features. */
    public String[] numNames;
    /** Values of the numeric features (finite). */
    public double[] numValues;
    /** Names of the categorical features. */
    public String[] catNames;
    /** Values of the categorical features. */
    public String[] catValues;
    /** A dense array (contextual bandits read it as dimensions 0..), or null. */
    public double[] dense;

    /** An empty row (for Flink's POJO serializer). */
    public FeatureRow() {}

    /**
     * A row of numeric and categorical features.
     *
     * @param numNames numeric feature names (or null)
     * @param numValues their values (or null)
     * @param catNames categorical feature names (or null)
     * @param catValues their values (or null)
     */
    public FeatureRow(String[] numNames, double[] numValues, String[] catNames,
            String[] catValues) {
        this.numNames = numNames;
        this.numValues = numValues;
        this.catNames = catNames;
        this.catValues = catValues;
    }

    /**
     * A row with only a dense array.
     *
     * @param x the values
     * @return the row
     */
    public static FeatureRow dense(double... x) {
        FeatureRow r = new FeatureRow();
        r.dense = x;
        return r;
    }

    /**
     * Clears {@code f} and fills it with this row.
     *
     * @param f the reused builder
     * @return f
     * @throws IllegalArgumentException when a name array and its value array differ in
     *     length
     */
    public Features writeTo(Features f) {
        f.clear();
        int nn = numNames == null ? 0 : numNames.length;
        int nv = numValues == null ? 0 : numValues.length;
        int cn = catNames == null ? 0 : catNames.length;
        int cv = catValues == null ? 0 : catValues.length;
        if (nn != nv || cn != cv) {
            throw new IllegalArgumentException("feature row has " + nn + " numeric names and "
                    + nv + " values, " + cn + " categorical names and " + cv + " values");
        }
        for (int i = 0; i < nn; i++) {
            f.num(numNames[i], numValues[i]);
        }
        for (int i = 0; i < cn; i++) {
            f.cat(catNames[i], catValues[i]);
        }
        if (dense != null) {
            f.dense(dense);
        }
        return f;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof FeatureRow)) {
            return false;
        }
        FeatureRow r = (FeatureRow) o;
        return Arrays.equals(numNames, r.numNames) && Arrays.equals(numValues, r.numValues)
                && Arrays.equals(catNames, r.catNames) && Arrays.equals(catValues, r.catValues)
                && Arrays.equals(dense, r.dense);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(numNames), Arrays.hashCode(numValues),
                Arrays.hashCode(catNames), Arrays.hashCode(catValues), Arrays.hashCode(dense));
    }

    @Override
    public String toString() {
        return "FeatureRow{num=" + Arrays.toString(numNames) + "=" + Arrays.toString(numValues)
                + ", cat=" + Arrays.toString(catNames) + "=" + Arrays.toString(catValues)
                + (dense != null ? ", dense=" + Arrays.toString(dense) : "") + "}";
    }
}
