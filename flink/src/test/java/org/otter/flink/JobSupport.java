package org.otter.flink;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.util.TestStreamEnvironment;

/**
 * What the MiniCluster tests share: environments with Flink 2 configuration keys, a
 * deterministic multiplexed input, a failure injector, and a collecting Sink v2.
 */
public final class JobSupport {
    private JobSupport() {}

    /** The max parallelism of every test job (key groups 0..127). */
    public static final int MAX_PARALLELISM = 128;

    /**
     * A job's configuration: checkpoints every 100 ms to a directory, fixed-delay restarts.
     *
     * @param checkpoints the checkpoint directory
     * @return the configuration
     */
    public static Configuration config(Path checkpoints) {
        Configuration c = new Configuration();
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        c.set(StateBackendOptions.STATE_BACKEND, "hashmap");
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        return c;
    }

    /**
     * Restores the job from a savepoint or checkpoint.
     *
     * @param c the configuration
     * @param savepoint its path
     * @return c
     */
    public static Configuration restoreFrom(Configuration c, String savepoint) {
        c.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        return c;
    }

    /**
     * An environment on the test's MiniCluster with max parallelism 128.
     *
     * @param cluster the cluster
     * @param conf the job configuration
     * @param parallelism the default parallelism
     * @return the environment
     */
    public static TestStreamEnvironment env(MiniCluster cluster, Configuration conf, int parallelism) {
        TestStreamEnvironment env =
                new TestStreamEnvironment(cluster, conf, parallelism, List.of(), List.of());
        env.setMaxParallelism(MAX_PARALLELISM);
        return env;
    }

    // ---- the multiplexed learning input ---------------------------------------

    /**
     * Record i of a deterministic stream over {@code keys} keys: even i is event i/2, odd i
     * the label of event (i-1)/2 - lag (or, before that, a label of an id never scored).
     */
    static final class Inputs implements GeneratorFunction<Long, LearningInput> {
        private static final long serialVersionUID = 1L;
        final int keys;
        final int lag;

        Inputs(int keys, int lag) {
            this.keys = keys;
            this.lag = lag;
        }

        static double x(long j) {
            return ((j * 2654435761L) >>> 7) % 1000 / 100.0;
        }

        @Override
        public LearningInput map(Long index) {
            long i = index;
            if (i % 2 == 0) {
                long j = i / 2;
                FeatureRow f = new FeatureRow(new String[] {"x", "y"},
                        new double[] {x(j), x(j + 7)}, new String[] {"c"},
                        new String[] {"c" + (j % 5)});
                return LearningInput.of(new Event("k" + (j % keys), "e" + j, f));
            }
            long j = (i - 1) / 2 - lag;
            if (j < 0) {
                return LearningInput.of(new Label("k0", "never-" + i, 1));
            }
            double y = x(j) + (j % 5 == 0 ? 3 : 0) > 5 ? 1 : 0;
            return LearningInput.of(new Label("k" + (j % keys), "e" + j, y));
        }
    }

    // ---- failure injection ------------------------------------------------------

    /** What a {@link FailOnce} saw, per test run (same JVM as the MiniCluster). */
    public static final class Probe {
        /** An empty probe. */
        public Probe() {}

        /** Records seen by attempt 0, 1 and later ones. */
        public final AtomicLong[] seen = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
        final AtomicLong checkpointsBeforeFailure = new AtomicLong();
        /** The checkpoint a later attempt restored, or -1. */
        public volatile long restoredCheckpoint = -1;
        /** Whether the failure was injected. */
        public volatile boolean failed;
        volatile long deletedDirectories = -1;
    }

    /** Probes by run name. */
    public static final Map<String, Probe> PROBES = new ConcurrentHashMap<>();

    /**
     * Passes records through; on attempt 0, at record {@code failAt} or later once a
     * checkpoint has completed, optionally deletes every Otter store directory under
     * {@code wipe} (a lost local disk), then throws.
     */
    public static final class FailOnce<T> extends RichMapFunction<T, T>
            implements CheckpointedFunction, CheckpointListener {
        private static final long serialVersionUID = 1L;
        final String run;
        final long failAt;
        final String wipe;
        transient Probe probe;
        transient int attempt;
        transient long n;

        /**
         * @param run the run's name (its probe)
         * @param failAt the record to fail at (-1: never)
         * @param wipe a directory whose store directories to delete before failing, or null
         */
        public FailOnce(String run, long failAt, String wipe) {
            this.run = run;
            this.failAt = failAt;
            this.wipe = wipe;
        }

        @Override
        public void open(OpenContext ctx) {
            probe = PROBES.computeIfAbsent(run, r -> new Probe());
            attempt = getRuntimeContext().getTaskInfo().getAttemptNumber();
        }

        @Override
        public T map(T value) throws Exception {
            n++;
            probe.seen[Math.min(attempt, 2)].incrementAndGet();
            if (attempt == 0 && failAt >= 0 && n >= failAt
                    && probe.checkpointsBeforeFailure.get() > 0) {
                if (wipe != null) {
                    probe.deletedDirectories = wipeStores(Path.of(wipe));
                }
                probe.failed = true;
                throw new RuntimeException("injected failure at record " + n);
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long id) {
            if (attempt == 0 && probe != null) {
                probe.checkpointsBeforeFailure.incrementAndGet();
            }
        }

        @Override
        public void snapshotState(FunctionSnapshotContext ctx) {}

        @Override
        public void initializeState(FunctionInitializationContext ctx) {
            Probe p = PROBES.computeIfAbsent(run, r -> new Probe());
            if (ctx.isRestored()) {
                p.restoredCheckpoint = ctx.getRestoredCheckpointId().getAsLong();
            }
        }
    }

    /** Deletes every otter-* directory under base; returns how many there were. */
    static long wipeStores(Path base) throws IOException {
        List<Path> dirs = stores(base);
        for (Path d : dirs) {
            NativeStateOperator.deleteTree(d);
        }
        return dirs.size();
    }

    /**
     * The Otter store directories under a base directory.
     *
     * @param base the base directory
     * @return the directories
     * @throws IOException when it cannot be listed
     */
    public static List<Path> stores(Path base) throws IOException {
        if (!Files.isDirectory(base)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.filter(p -> p.getFileName().toString().startsWith("otter-"))
                    .collect(java.util.stream.Collectors.toList());
        }
    }

    // ---- collecting sink ------------------------------------------------------

    static final Map<String, Collection<Object>> COLLECTED = new ConcurrentHashMap<>();

    /**
     * What a {@link Collect} sink of a run received.
     *
     * @param <T> the record type
     * @param run the run's name
     * @return the records
     */
    @SuppressWarnings("unchecked")
    public static <T> List<T> collected(String run) {
        return new ArrayList<>((Collection<T>) (Collection<?>) COLLECTED.getOrDefault(run,
                new ConcurrentLinkedQueue<>()));
    }

    /** A Sink v2 that appends every record to {@link #COLLECTED}{@code [run]}. */
    public static final class Collect<T> implements Sink<T> {
        private static final long serialVersionUID = 1L;
        final String run;

        /** @param run the run's name */
        public Collect(String run) {
            this.run = run;
        }

        @Override
        public SinkWriter<T> createWriter(WriterInitContext context) {
            Collection<Object> into = COLLECTED.computeIfAbsent(run,
                    r -> new ConcurrentLinkedQueue<>());
            return new SinkWriter<T>() {
                @Override
                public void write(T element, Context ctx) {
                    into.add(element);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }
}
