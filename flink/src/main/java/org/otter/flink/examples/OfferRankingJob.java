package org.otter.flink.examples;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.PrintSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;
import org.otter.Bandit;
import org.otter.Decision;
import org.otter.flink.BanditInput;
import org.otter.flink.BanditOptions;
import org.otter.flink.Decided;
import org.otter.flink.DecisionRequest;
import org.otter.flink.MultiplexedBanditOperator;
import org.otter.flink.Reward;
import org.otter.flink.TimeMode;

/**
 * Ranking offers with a bandit per visitor segment: every visit asks
 * {@link MultiplexedBanditOperator} which offer to show; whether the visitor clicks comes
 * back a few visits later as the decision's reward, by event id. Each report line gives,
 * per segment, the share of each offer among the last window of decisions: Thompson
 * sampling moves to each segment's best offer (marked with *).
 *
 * <p>The visitors are simulated by the source, which has to know which offer the operator
 * showed to draw a click. It runs a twin of each segment's bandit (the same policy, seed,
 * decisions times and rewards in the same order), and since decisions are deterministic
 * given a bandit's state and the event id, the twin shows what the operator shows. In
 * production the clicks come from your own stream (a Kafka topic of rewards keyed by
 * segment), and {@link org.otter.flink.BanditOperator} takes them on its second input.
 *
 * <p>Options: {@code visits} (default 200000; 0: unbounded), {@code rate} (visits/s,
 * default 20000; 0: unlimited), {@code reward-delay} (visits, default 500), {@code window}
 * (decisions per report, default 30000), {@code policy} (default thompson), {@code params},
 * {@code parallelism} (default 2), {@code checkpoint-interval} (ms, default 5000),
 * {@code checkpoint-dir} (default: a directory under
 * {@code java.io.tmpdir}).
 */
public final class OfferRankingJob {
    /** Max parallelism, set explicitly: the key groups of checkpoints depend on it. */
    public static final int MAX_PARALLELISM = 128;

    static final String[] SEGMENTS = {"mobile", "desktop", "tablet"};
    static final String[] OFFERS = {"free-shipping", "ten-percent", "bundle", "none"};
    /** Click probability of each offer (columns) in each segment (rows). */
    static final double[][] CTR = {
        {0.08, 0.04, 0.03, 0.01},
        {0.03, 0.09, 0.04, 0.01},
        {0.04, 0.03, 0.10, 0.01},
    };

    private OfferRankingJob() {}

    /**
     * Runs the job.
     *
     * @param argv the options
     * @throws Exception when the job fails
     */
    public static void main(String[] argv) throws Exception {
        Args a = Args.parse(argv);
        Configuration conf = new Configuration();
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL,
                Duration.ofMillis(a.getLong("checkpoint-interval", 5000)));
        /* checkpoints go to files (the default, the JobManager's memory, takes 5 MB at most) */
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, a.get("checkpoint-dir",
                java.nio.file.Paths.get(System.getProperty("java.io.tmpdir"),
                        "otter-flink-checkpoints").toUri().toString()));
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism((int) a.getLong("parallelism", 2));
        env.setMaxParallelism(MAX_PARALLELISM);
        build(env, a).sinkTo(new PrintSink<>()).setParallelism(1).name("report");
        env.execute("otter offer ranking");
    }

    /**
     * Builds the pipeline and returns the report lines.
     *
     * @param env the environment
     * @param a the options
     * @return the report stream
     */
    static DataStream<String> build(StreamExecutionEnvironment env, Args a) {
        long visits = a.getLong("visits", 200_000);
        double rate = a.getDouble("rate", 20_000);
        String policy = a.get("policy", "thompson");
        String params = a.get("params", "seed=42");
        Visits gen = new Visits(policy, params, (int) a.getLong("reward-delay", 500));
        DataGeneratorSource<Visit> source = new DataGeneratorSource<>(gen,
                visits <= 0 ? Long.MAX_VALUE : 2 * visits,
                rate <= 0 ? RateLimiterStrategy.noOp() : RateLimiterStrategy.perSecond(2 * rate),
                TypeInformation.of(Visit.class));
        DataStream<BanditInput> in = env
                .fromSource(source, WatermarkStrategy.<Visit>noWatermarks()
                        .withTimestampAssigner((v, t) -> v.time), "visits")
                .setParallelism(1).uid("visits")
                .map(v -> v.input).returns(TypeInformation.of(BanditInput.class))
                .setParallelism(1).uid("unwrap");
        BanditOptions opts = BanditOptions.of(policy, params, OFFERS).timeMode(TimeMode.EVENT);
        DataStream<Decided> decisions = in.keyBy(BanditInput::key)
                .transform("rank offers", TypeInformation.of(Decided.class),
                        new MultiplexedBanditOperator(opts))
                .uid("otter-bandit").setMaxParallelism(MAX_PARALLELISM);
        return decisions.countWindowAll(a.getLong("window", 30_000)).process(new Report())
                .uid("report");
    }

    /** A record of the simulated site and its time. */
    public static class Visit {
        /** A request or a reward. */
        public BanditInput input;
        /** Its time (ms): the decision time the operator and the twin both use. */
        public long time;

        /** For Flink's POJO serializer. */
        public Visit() {}

        Visit(BanditInput input, long time) {
            this.input = input;
            this.time = time;
        }
    }

    /** A deterministic number in [0, 1) from two integers. */
    static double uniform(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b * 0xC2B2AE3D27D4EB4FL + 0x165667B19E3779F9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53;
    }

    /**
     * Record 2j is visit j's decision request; record 2j + 1 the reward of visit j - delay
     * (a click or not), drawn for the offer the twin bandit of its segment showed.
     */
    static final class Visits implements GeneratorFunction<Long, Visit> {
        private static final long serialVersionUID = 1L;
        final String policy;
        final String params;
        final int delay;
        transient Map<String, Bandit> twins;
        transient long next;
        transient String[] shown;

        Visits(String policy, String params, int delay) {
            this.policy = policy;
            this.params = params;
            this.delay = Math.max(1, delay);
        }

        @Override
        public void open(SourceReaderContext ctx) {
            shown = new String[delay];
            reset();
        }

        private void reset() {
            close();
            twins = new HashMap<>();
            for (String s : SEGMENTS) {
                twins.put(s, Bandit.create(policy, OFFERS, params));
            }
            next = 0;
        }

        static int segment(long j) {
            return (int) (uniform(j, 7) * SEGMENTS.length);
        }

        @Override
        public Visit map(Long index) {
            long i = index;
            if (i < next) {
                reset(); /* restored to an earlier point: replay the twins from the start */
            }
            Visit v = null;
            while (next <= i) {
                v = step(next++);
            }
            return v;
        }

        private Visit step(long i) {
            long j = i / 2;
            long time = 1_000_000L + i;
            if (i % 2 == 0) {
                String seg = SEGMENTS[segment(j)];
                Decision d = twins.get(seg).rank(null, "v-" + j, null, null, null, false, time);
                shown[(int) (j % delay)] = d.arm();
                return new Visit(BanditInput.of(new DecisionRequest(seg, "v-" + j, null, null)),
                        time);
            }
            long k = j - delay + 1;
            if (k < 0) {
                return new Visit(BanditInput.of(new Reward(SEGMENTS[0], "warm-up-" + j, 0)), time);
            }
            int seg = segment(k);
            String arm = shown[(int) (k % delay)];
            int offer = java.util.Arrays.asList(OFFERS).indexOf(arm);
            double click = uniform(k, 1000 + offer) < CTR[seg][offer] ? 1 : 0;
            twins.get(SEGMENTS[seg]).reward("v-" + k, click, time);
            return new Visit(BanditInput.of(new Reward(SEGMENTS[seg], "v-" + k, click)), time);
        }

        @Override
        public void close() {
            if (twins != null) {
                twins.values().forEach(Bandit::close);
            }
        }
    }

    /** Per segment, the share of each offer among a window of decisions. */
    static final class Report extends ProcessAllWindowFunction<Decided, String, GlobalWindow> {
        private static final long serialVersionUID = 1L;
        transient long windows;

        @Override
        public void process(Context ctx, Iterable<Decided> in, Collector<String> out) {
            Map<String, Map<String, Integer>> counts = new TreeMap<>();
            for (Decided d : in) {
                counts.computeIfAbsent(d.key, k -> new TreeMap<>()).merge(d.arm, 1, Integer::sum);
            }
            StringBuilder b = new StringBuilder("window " + ++windows + ":");
            for (int s = 0; s < SEGMENTS.length; s++) {
                Map<String, Integer> c = counts.getOrDefault(SEGMENTS[s], Map.of());
                int total = c.values().stream().mapToInt(Integer::intValue).sum();
                b.append("  ").append(SEGMENTS[s]);
                for (int o = 0; o < OFFERS.length; o++) {
                    boolean best = CTR[s][o] == java.util.Arrays.stream(CTR[s]).max().getAsDouble();
                    b.append(String.format(Locale.ROOT, " %s%s %.0f%%", OFFERS[o],
                            best ? "*" : "", 100.0 * c.getOrDefault(OFFERS[o], 0)
                                    / Math.max(1, total)));
                }
            }
            out.collect(b.toString());
        }
    }
}
