package org.otter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once on a MiniCluster: a job that fails once mid-stream and restores from its
 * last checkpoint ends with every key's model byte-identical to a run without failure,
 * also when the task-local store directories are deleted before the restore.
 *
 * <p>Why the comparison is bit-exact by construction: events and labels travel in one
 * multiplexed stream ({@link MultiplexedLearningOperator}) from a source of parallelism
 * 1, so every key has one upstream channel and sees its records in the same order in
 * every run and every replay; learning is deterministic given that order; and the
 * operator's state after a restore is exactly that of the checkpoint, the source resuming
 * from the same position.
 */
class ExactlyOnceTest {
    static final long N = 6000; /* events and labels */
    static final int KEYS = 12;

    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4).build());

    @TempDir
    static Path tmp;

    static Map<String, byte[]> reference;

    static Map<String, byte[]> run(MiniCluster cluster, String run, long failAt, boolean wipe)
            throws Exception {
        Path base = tmp.resolve("stores-" + run);
        TestStreamEnvironment env = JobSupport.env(cluster,
                JobSupport.config(tmp.resolve("checkpoints-" + run)), 2);
        DataGeneratorSource<LearningInput> src = new DataGeneratorSource<>(
                new JobSupport.Inputs(KEYS, 40), N, RateLimiterStrategy.perSecond(3000),
                TypeInformation.of(LearningInput.class));
        DataStream<LearningInput> in = env
                .fromSource(src, WatermarkStrategy.noWatermarks(), "inputs").setParallelism(1)
                .uid("inputs")
                .map(new JobSupport.FailOnce<LearningInput>(run, failAt,
                        wipe ? base.toString() : null))
                .returns(TypeInformation.of(LearningInput.class)).setParallelism(1)
                .uid("fail-once");
        LearnerOptions opts = LearnerOptions.of("logreg", "bits=12").baseDirectory(
                base.toString()).emitModelsAtEnd(true);
        SingleOutputStreamOperator<Scored> scores = in.keyBy(LearningInput::key)
                .transform("learn", TypeInformation.of(Scored.class),
                        new MultiplexedLearningOperator(opts))
                .uid("learn").setParallelism(2).setMaxParallelism(JobSupport.MAX_PARALLELISM);
        scores.getSideOutput(NativeStateOperator.MODELS)
                .sinkTo(new JobSupport.Collect<>(run + "/models")).setParallelism(1);
        env.execute(run);
        List<ModelState> models = JobSupport.collected(run + "/models");
        Map<String, byte[]> byKey = new TreeMap<>();
        for (ModelState m : models) {
            assertTrue(byKey.put(m.key, m.state) == null, "model of " + m.key + " twice");
        }
        assertEquals(List.of(), JobSupport.stores(base), "store directories left behind");
        return byKey;
    }

    @BeforeAll
    static void referenceRun(@InjectMiniCluster MiniCluster cluster) throws Exception {
        reference = run(cluster, "reference", -1, false);
        assertEquals(KEYS, reference.size());
        assertTrue(JobSupport.PROBES.get("reference").seen[0].get() == N);
    }

    static void assertSameModels(Map<String, byte[]> got) {
        assertEquals(reference.keySet(), got.keySet());
        for (Map.Entry<String, byte[]> e : reference.entrySet()) {
            assertArrayEquals(e.getValue(), got.get(e.getKey()), "model of " + e.getKey());
        }
    }

    static JobSupport.Probe assertRestoredMidStream(String run) {
        JobSupport.Probe p = JobSupport.PROBES.get(run);
        assertTrue(p.failed, "the failure was injected");
        assertTrue(p.restoredCheckpoint > 0, "restored from a checkpoint, not from scratch");
        long first = p.seen[0].get(), second = p.seen[1].get();
        assertTrue(second < N, "the restored source resumed mid-stream: " + second);
        assertTrue(first + second > N, "records after the checkpoint were replayed");
        return p;
    }

    @Test
    void failureAndRestoreGiveTheSameModelsByteForByte(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Map<String, byte[]> got = run(cluster, "failure", N / 2, false);
        assertRestoredMidStream("failure");
        assertSameModels(got);
    }

    @Test
    void lostLocalDisksLoseNothingCheckpointed(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        Map<String, byte[]> got = run(cluster, "lost-disk", N / 2, true);
        JobSupport.Probe p = assertRestoredMidStream("lost-disk");
        assertEquals(2, p.deletedDirectories, "both subtasks' store directories were deleted");
        assertSameModels(got);
    }
}
