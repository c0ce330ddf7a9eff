package org.otter;

/**
 * A snapshot of a {@link NativeStore} (its manifest).
 *
 * @param id the snapshot id (the Flink checkpoint id in the operators)
 * @param parent the snapshot the state descended from (0: none)
 * @param timeMs when it was taken, ms since the epoch
 * @param entities learners and bandits in it
 * @param events pending learner events in it
 * @param kgLo lowest key group holding entities (kgLo &gt; kgHi: none)
 * @param kgHi highest key group holding entities
 * @param bytes total size of its files
 * @param files number of files
 * @param seconds how long taking it took
 */
public record SnapshotInfo(long id, long parent, long timeMs, long entities, long events,
        int kgLo, int kgHi, long bytes, long files, double seconds) {
    static final int FIELDS = 10;

    static SnapshotInfo of(long[] a, int off) {
        return new SnapshotInfo(a[off], a[off + 1], a[off + 2], a[off + 3], a[off + 4],
                (int) a[off + 5], (int) a[off + 6], a[off + 7], a[off + 8],
                Double.longBitsToDouble(a[off + 9]));
    }
}
