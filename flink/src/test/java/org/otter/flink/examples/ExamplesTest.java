package org.otter.flink.examples;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.otter.ArmStats;
import org.otter.Bandit;
import org.otter.flink.BanditInput;
import org.otter.flink.BanditOptions;
import org.otter.flink.Decided;
import org.otter.flink.JobSupport;
import org.otter.flink.ModelState;
import org.otter.flink.MultiplexedBanditOperator;
import org.otter.flink.NativeStateOperator;
import org.otter.flink.TimeMode;

/**
 * The example jobs on a MiniCluster (their pipelines, smaller), and the bandit operator
 * through a failure: decisions and rewards joined by event id, the best offer of each
 * segment found, and the bandits after a restore byte-identical to a run without failure.
 */
class ExamplesTest {
    @RegisterExtension
    static final MiniClusterExtension MINI = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1)
                    .setNumberSlotsPerTaskManager(4).build());

    @TempDir
    static Path tmp;

    @Test
    void fraudJobReportsALearningModel(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        TestStreamEnvironment env = JobSupport.env(cluster,
                JobSupport.config(tmp.resolve("fraud")), 2);
        Args a = Args.parse(new String[] {"--records", "60000", "--rate", "0", "--window",
            "20000", "--label-delay", "500", "--fraud-rate", "0.05"});
        FraudDetectionJob.build(env, a).sinkTo(new JobSupport.Collect<>("fraud"))
                .setParallelism(1);
        env.execute("fraud");
        List<String> lines = JobSupport.collected("fraud");
        assertEquals(2, lines.size(), String.valueOf(lines)); /* 59500 labels: 2 full windows */
        String last = lines.get(1);
        double auc = Double.parseDouble(last.replaceAll(".*AUC ([0-9.]+).*", "$1"));
        assertTrue(auc > 0.85, last);
    }

    static Map<String, byte[]> bandits(MiniCluster cluster, String run, long failAt)
            throws Exception {
        TestStreamEnvironment env = JobSupport.env(cluster,
                JobSupport.config(tmp.resolve("checkpoints-" + run)), 2);
        long visits = 4000;
        DataGeneratorSource<OfferRankingJob.Visit> src = new DataGeneratorSource<>(
                new OfferRankingJob.Visits("thompson", "seed=42", 50), 2 * visits,
                RateLimiterStrategy.perSecond(4000), TypeInformation.of(OfferRankingJob.Visit.class));
        DataStream<BanditInput> in = env
                .fromSource(src, WatermarkStrategy.<OfferRankingJob.Visit>noWatermarks()
                        .withTimestampAssigner((v, t) -> v.time), "visits")
                .setParallelism(1).uid("visits")
                .map(v -> v.input).returns(TypeInformation.of(BanditInput.class))
                .setParallelism(1).uid("unwrap")
                .map(new JobSupport.FailOnce<BanditInput>(run, failAt, null))
                .returns(TypeInformation.of(BanditInput.class)).setParallelism(1).uid("fail");
        BanditOptions opts = BanditOptions.of("thompson", "seed=42", OfferRankingJob.OFFERS)
                .timeMode(TimeMode.EVENT).baseDirectory(tmp.resolve("stores").toString())
                .emitModelsAtEnd(true);
        SingleOutputStreamOperator<Decided> decisions = in.keyBy(BanditInput::key)
                .transform("rank", TypeInformation.of(Decided.class),
                        new MultiplexedBanditOperator(opts))
                .uid("bandit").setParallelism(2).setMaxParallelism(JobSupport.MAX_PARALLELISM);
        decisions.getSideOutput(NativeStateOperator.MODELS)
                .sinkTo(new JobSupport.Collect<>(run + "/models")).setParallelism(1);
        env.execute(run);
        Map<String, byte[]> out = new TreeMap<>();
        for (Object o : JobSupport.collected(run + "/models")) {
            ModelState m = (ModelState) o;
            assertTrue(out.put(m.key, m.state) == null);
        }
        return out;
    }

    @Test
    void banditsSurviveAFailureAndFindEachSegmentsBestOffer(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Map<String, byte[]> ref = bandits(cluster, "bandit-ref", -1);
        Map<String, byte[]> got = bandits(cluster, "bandit-fail", 4000);
        JobSupport.Probe p = JobSupport.PROBES.get("bandit-fail");
        assertTrue(p.failed && p.restoredCheckpoint > 0, "failed, then restored a checkpoint");
        assertEquals(ref.keySet(), got.keySet());
        String[] best = {"free-shipping", "ten-percent", "bundle"};
        long rewarded = 0;
        for (int s = 0; s < 3; s++) {
            String seg = OfferRankingJob.SEGMENTS[s];
            assertArrayEquals(ref.get(seg), got.get(seg), "bandit of " + seg);
            try (Bandit b = Bandit.decode(got.get(seg))) {
                long top = -1;
                String topArm = null;
                for (int a = 0; a < OfferRankingJob.OFFERS.length; a++) {
                    ArmStats st = b.armStats(a);
                    rewarded += st.pulls();
                    if (st.pulls() > top) {
                        top = st.pulls();
                        topArm = st.arm();
                    }
                }
                assertEquals(best[s], topArm, seg + "'s most shown offer");
            }
        }
        /* every visit learned once: 3951 rewards joined by event id, and the last 49
         * decisions, still waiting at the end of input, their default reward when the final
         * watermark expired them (event time) */
        assertEquals(4000, rewarded);
    }
}
