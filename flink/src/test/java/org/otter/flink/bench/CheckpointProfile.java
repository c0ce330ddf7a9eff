package org.otter.flink.bench;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.otter.Features;
import org.otter.Generator;
import org.otter.NativeStore;
import org.otter.Prediction;
import org.otter.flink.FeatureRow;

/**
 * Where the Otter operator's checkpoint time goes, outside Flink: one subtask's store with
 * the models and pending events the benchmark leaves (keys {@code k0..k<keys-1>} of key
 * groups 0..63 of 128, logreg as in {@link FraudBench}, each with ROWS scored events (row i
 * of the fraud stream to key i mod KEYS, as the benchmark's source does), 90% of them learned
 * from, the rest still pending), then the two steps of {@code snapshotState}: the native snapshot
 * ({@code NativeStore.snapshot}: persist the dirty models, a RocksDB checkpoint) and the
 * export of every key group into a stream ({@code exportKeyGroups}), timed apart; first with
 * every model dirty, then after 10% of the models learned again, then unchanged.
 *
 * <p>{@code java ... CheckpointProfile KEYS BITS [ROWS]} ({@code bash bench/flink.sh --profile
 * KEYS:BITS[:ROWS]} runs it).
 */
public final class CheckpointProfile {
    private CheckpointProfile() {}

    /** Counts bytes; stands in for Flink's checkpoint stream without its I/O. */
    static final class Counting extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /**
     * @param argv keys and bits
     * @throws Exception on failure
     */
    public static void main(String[] argv) throws Exception {
        int keys = Integer.parseInt(argv[0]);
        int bits = Integer.parseInt(argv[1]);
        int rows = argv.length > 2 ? Integer.parseInt(argv[2]) : 1;
        String params = "bits=" + bits + ",optimizer=adagrad,standardize=true";
        Path dir = Files.createTempDirectory("otter-ckpt-profile");
        Features f = new Features();
        Prediction p = new Prediction();
        int mine = 0;
        long t0 = System.nanoTime();
        try (NativeStore store = NativeStore.open(dir.toString(), NativeStore.Durability.NONE,
                8 << 20); Generator gen = Generator.create("fraud", FraudBench.GEN_PARAMS, 1)) {
            for (long i = 0; i < (long) keys * rows; i++) {
                String key = "k" + (i % keys);
                int kg = KeyGroupRangeAssignment.assignToKeyGroup(key, FraudBench.MAX_PARALLELISM);
                Generator.Row r = gen.next();
                if (kg >= FraudBench.MAX_PARALLELISM / 2) {
                    continue; /* the other subtask's */
                }
                if (i < keys) {
                    mine++;
                    store.createLearner(kg, key, "logreg", params);
                }
                new FeatureRow(r.numNames(), r.numValues(), r.catNames(), r.catValues())
                        .writeTo(f);
                store.predictEvent(kg, key, f, "tx-" + i, Long.MAX_VALUE / 2, p);
                if (i % 10 != 0) { /* 90% labelled, 10% still pending */
                    store.feedback(kg, key, "tx-" + i, r.label(), 1.0, null);
                }
            }
            System.err.printf(Locale.ROOT, "%d of %d keys in this subtask's key groups, "
                    + "populated in %.1f s, %.1f MiB of decoded models%n", mine, keys,
                    (System.nanoTime() - t0) / 1e9, store.nativeBytes() / 1048576.0);
            /* the operator's processing-time expiry tick (every second by default) */
            long e0 = System.nanoTime();
            int expired = store.expire(System.currentTimeMillis()).size();
            System.out.printf(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":"
                    + "\"checkpoint_profile\",\"keys\":%d,\"bits\":%d,\"models\":%d,"
                    + "\"what\":\"expiry tick, nothing due\",\"expire_ms\":%.1f,"
                    + "\"expired\":%d}%n", keys, bits, mine, (System.nanoTime() - e0) / 1e6,
                    expired);
            step(store, 1, "every model dirty");
            for (int i = 0; i < keys; i += 10) {
                String key = "k" + i; /* every 10th key learns once more */
                int kg = KeyGroupRangeAssignment.assignToKeyGroup(key, FraudBench.MAX_PARALLELISM);
                if (kg < FraudBench.MAX_PARALLELISM / 2) {
                    Generator.Row r = gen.next();
                    new FeatureRow(r.numNames(), r.numValues(), r.catNames(), r.catValues())
                            .writeTo(f);
                    store.learn(kg, key, f, r.label(), 1.0, null);
                }
            }
            step(store, 2, "10% of the models changed");
            step(store, 3, "nothing changed");
        } finally {
            FraudBench.deleteTree(dir);
        }
    }

    static void step(NativeStore store, long id, String what) throws Exception {
        long a = System.nanoTime();
        store.snapshot(id);
        long b = System.nanoTime();
        Counting out = new Counting();
        int groups = store.exportKeyGroups(id, 0, FraudBench.MAX_PARALLELISM / 2 - 1, kg -> out);
        long c = System.nanoTime();
        store.pruneSnapshotsBefore(id);
        System.out.printf(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":\"checkpoint_profile\","
                + "\"models\":%d,\"snapshot\":%d,\"what\":\"%s\",\"native_snapshot_ms\":%.1f,"
                + "\"export_ms\":%.1f,\"export_bytes\":%d,\"key_groups\":%d}%n",
                store.stats().entities(), id, what,
                (b - a) / 1e6, (c - b) / 1e6, out.bytes, groups);
    }
}
