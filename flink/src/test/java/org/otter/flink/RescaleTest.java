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
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rescaling through savepoints: the learning operator runs at parallelism 2, is stopped
 * with a savepoint mid-stream, restored at 3, stopped with a savepoint again, restored at
 * 1 and run to the end. Every key's model is then present exactly once and byte-identical
 * to a single run at parallelism 1 without savepoints: each restore handed every subtask
 * exactly the key groups of its range, and nothing was lost or applied twice.
 */
class RescaleTest {
    static final long N = 6000;
    static final int KEYS = 24;

    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4).build());

    @TempDir
    static Path tmp;

    static TestStreamEnvironment job(MiniCluster cluster, String run, int parallelism,
            String restoreFrom, double rate) {
        Configuration c = JobSupport.config(tmp.resolve("checkpoints-" + run));
        if (restoreFrom != null) {
            JobSupport.restoreFrom(c, restoreFrom);
        }
        TestStreamEnvironment env = JobSupport.env(cluster, c, parallelism);
        DataGeneratorSource<LearningInput> src = new DataGeneratorSource<>(
                new JobSupport.Inputs(KEYS, 25), N, RateLimiterStrategy.perSecond(rate),
                TypeInformation.of(LearningInput.class));
        SingleOutputStreamOperator<Scored> scores = env
                .fromSource(src, WatermarkStrategy.noWatermarks(), "inputs").setParallelism(1)
                .uid("inputs")
                .map(new JobSupport.FailOnce<LearningInput>(run, -1, null))
                .returns(TypeInformation.of(LearningInput.class)).setParallelism(1)
                .uid("count")
                .keyBy(LearningInput::key)
                .transform("learn", TypeInformation.of(Scored.class),
                        new MultiplexedLearningOperator(LearnerOptions.of("logreg", "bits=12")
                                .baseDirectory(tmp.resolve("stores").toString())
                                .emitModelsAtEnd(true)))
                .uid("learn").setParallelism(parallelism)
                .setMaxParallelism(JobSupport.MAX_PARALLELISM);
        scores.getSideOutput(NativeStateOperator.MODELS)
                .sinkTo(new JobSupport.Collect<>(run + "/models")).setParallelism(1);
        return env;
    }

    /** Runs until the counter saw at least {@code records}, then stops with a savepoint. */
    static String stopAfter(TestStreamEnvironment env, String run, long records)
            throws Exception {
        JobClient client = env.executeAsync(run);
        JobSupport.Probe p = JobSupport.PROBES.computeIfAbsent(run, r -> new JobSupport.Probe());
        long deadline = System.currentTimeMillis() + 60_000;
        while (p.seen[0].get() < records) {
            assertTrue(System.currentTimeMillis() < deadline, run + " made no progress");
            Thread.sleep(20);
        }
        String path = client.stopWithSavepoint(false, tmp.resolve("savepoints").toUri()
                .toString(), SavepointFormatType.CANONICAL).get();
        client.getJobExecutionResult().get();
        return path;
    }

    static Map<String, byte[]> models(String run) {
        Map<String, byte[]> byKey = new TreeMap<>();
        for (Object o : JobSupport.collected(run + "/models")) {
            ModelState m = (ModelState) o;
            assertTrue(byKey.put(m.key, m.state) == null, "model of " + m.key + " twice");
        }
        return byKey;
    }

    @Test
    void savepointAt2RestoreAt3ThenAt1(@InjectMiniCluster MiniCluster cluster) throws Exception {
        job(cluster, "single", 1, null, 20_000).execute("single");
        Map<String, byte[]> reference = models("single");
        assertEquals(KEYS, reference.size());

        String s1 = stopAfter(job(cluster, "p2", 2, null, 2000), "p2", 1500);
        String s2 = stopAfter(job(cluster, "p3", 3, s1, 2000), "p3", 1500);
        job(cluster, "p1", 1, s2, 20_000).execute("p1");

        /* the stopped runs did not reach the end (no models), the last one did */
        assertEquals(List.of(), JobSupport.collected("p2/models"));
        assertEquals(List.of(), JobSupport.collected("p3/models"));
        long total = JobSupport.PROBES.get("p2").seen[0].get()
                + JobSupport.PROBES.get("p3").seen[0].get()
                + JobSupport.PROBES.get("p1").seen[0].get();
        assertEquals(N, total, "each record went through exactly one of the three runs");
        Map<String, byte[]> got = models("p1");
        assertEquals(reference.keySet(), got.keySet());
        for (Map.Entry<String, byte[]> e : reference.entrySet()) {
            assertArrayEquals(e.getValue(), got.get(e.getKey()), "model of " + e.getKey());
        }
        assertEquals(List.of(), JobSupport.stores(tmp.resolve("stores")));
    }
}
