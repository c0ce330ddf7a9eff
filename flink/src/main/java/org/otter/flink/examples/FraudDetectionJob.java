package org.otter.flink.examples;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.api.functions.sink.PrintSink;
import org.apache.flink.streaming.api.functions.windowing.ProcessAllWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.otter.Generator;
import org.otter.flink.Event;
import org.otter.flink.FeatureRow;
import org.otter.flink.Label;
import org.otter.flink.LearnerOptions;
import org.otter.flink.OnlineLearningOperator;
import org.otter.flink.Scored;

/**
 * The fraud feedback loop: card transactions from the generator of {@code otter gen fraud}
 * (the same rows, through JNI), each scored by a model per merchant category (or one global
 * model) in {@link OnlineLearningOperator}; its label (fraud or not) comes back a
 * configurable number of transactions later, and the model learns from the stored
 * transaction. The scores, joined with their labels, give prequential AUC and log loss
 * per window of labelled transactions on standard output.
 *
 * <p>Options ({@code --name value}): {@code records} (default 300000; 0: unbounded),
 * {@code rate} (transactions/s, default 50000; 0: unlimited), {@code label-delay}
 * (transactions between a transaction and its label, default 2000), {@code window}
 * (labelled transactions per report, default 50000), {@code key} ({@code category} or
 * {@code global}), {@code learner} / {@code params} (default logreg with
 * {@code standardize=true}), {@code parallelism} (default 2), {@code checkpoint-interval}
 * (ms, default 5000), {@code checkpoint-dir} (default: a directory under
 * {@code java.io.tmpdir}), {@code seed}, {@code fraud-rate}.
 *
 * <p>Locally: {@code mvn -f flink/pom.xml -q exec:java -Dexec.mainClass=...}; on a cluster:
 * {@code flink run -c org.otter.flink.examples.FraudDetectionJob otter-flink-0.1.0.jar}.
 */
public final class FraudDetectionJob {
    /** Max parallelism, set explicitly: the key groups of checkpoints depend on it. */
    public static final int MAX_PARALLELISM = 128;

    private FraudDetectionJob() {}

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
        env.execute("otter fraud detection");
    }

    /**
     * Builds the pipeline and returns the per-window report lines.
     *
     * @param env the environment
     * @param a the options
     * @return the report stream
     */
    static DataStream<String> build(StreamExecutionEnvironment env, Args a) {
        long records = a.getLong("records", 300_000);
        double rate = a.getDouble("rate", 50_000);
        int delay = (int) a.getLong("label-delay", 2000);
        if (delay < 1) {
            throw new IllegalArgumentException("label-delay must be >= 1");
        }
        String params = "fraud_rate=" + a.getDouble("fraud-rate", 0.01);
        Transactions gen = new Transactions(a.getLong("seed", 1), params, delay,
                a.get("key", "category").equals("global"));
        DataGeneratorSource<Transaction> source = new DataGeneratorSource<>(gen,
                records <= 0 ? Long.MAX_VALUE : records,
                rate <= 0 ? RateLimiterStrategy.noOp() : RateLimiterStrategy.perSecond(rate),
                TypeInformation.of(Transaction.class));

        OutputTag<Label> labelTag = new OutputTag<>("labels", TypeInformation.of(Label.class));
        SingleOutputStreamOperator<Event> events = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "card transactions")
                .setParallelism(1).uid("transactions")
                .process(new Split(labelTag)).setParallelism(1).uid("split");
        DataStream<Label> labels = events.getSideOutput(labelTag);

        LearnerOptions opts = LearnerOptions
                .of(a.get("learner", "logreg"), a.get("params", "standardize=true"))
                .labelTtl(Duration.ofMinutes(10).toMillis());
        SingleOutputStreamOperator<Scored> scores = events.keyBy(e -> e.key)
                .connect(labels.keyBy(l -> l.key))
                .transform("score and learn", TypeInformation.of(Scored.class),
                        new OnlineLearningOperator(opts))
                .uid("otter-learn").setMaxParallelism(MAX_PARALLELISM);

        /* prequential evaluation: each score against the label that comes later */
        long window = a.getLong("window", 50_000);
        return scores.keyBy(s -> s.eventId).connect(labels.keyBy(l -> l.eventId))
                .process(new JoinLabel()).uid("join-labels")
                .setMaxParallelism(MAX_PARALLELISM)
                .countWindowAll(window).process(new WindowReport()).uid("report");
    }

    /** A transaction and, riding along, the label of the one {@code delay} earlier. */
    public static class Transaction {
        /** The transaction to score. */
        public Event event;
        /** The label of an earlier transaction, or null. */
        public Label label;

        /** For Flink's POJO serializer. */
        public Transaction() {}

        Transaction(Event event, Label label) {
            this.event = event;
            this.label = label;
        }
    }

    /**
     * Row i of {@code otter gen fraud --seed S}: a transaction, plus the label of row
     * i - delay. A generator is a sequence, so after a restore (a jump to another index) it
     * is recreated and advanced; the source runs at parallelism 1.
     */
    static final class Transactions implements GeneratorFunction<Long, Transaction> {
        private static final long serialVersionUID = 1L;
        final long seed;
        final String params;
        final int delay;
        final boolean global;
        transient Generator gen;
        transient long next;
        transient String[] ringKey;
        transient double[] ringLabel;

        Transactions(long seed, String params, int delay, boolean global) {
            this.seed = seed;
            this.params = params;
            this.delay = delay;
            this.global = global;
        }

        @Override
        public void open(SourceReaderContext ctx) {
            ringKey = new String[delay];
            ringLabel = new double[delay];
        }

        private String key(Generator.Row r) {
            return global ? "all" : r.catValues()[Arrays.asList(r.catNames())
                    .indexOf("merchant_category")];
        }

        private void seek(long i) {
            if (gen != null) {
                gen.close();
            }
            gen = Generator.create("fraud", params, seed);
            long start = Math.max(0, i - delay);
            gen.skip(start);
            for (long k = start; k < i; k++) {
                Generator.Row r = gen.next();
                ringKey[(int) (k % delay)] = key(r);
                ringLabel[(int) (k % delay)] = r.label();
            }
            next = i;
        }

        @Override
        public Transaction map(Long index) {
            long i = index;
            if (gen == null || i != next) {
                seek(i);
            }
            Generator.Row r = gen.next();
            next = i + 1;
            int slot = (int) (i % delay);
            Label label = i >= delay
                    ? new Label(ringKey[slot], "tx-" + (i - delay), ringLabel[slot]) : null;
            String key = key(r);
            ringKey[slot] = key;
            ringLabel[slot] = r.label();
            FeatureRow f = new FeatureRow(r.numNames(), r.numValues(), r.catNames(),
                    r.catValues());
            return new Transaction(new Event(key, "tx-" + i, f), label);
        }

        @Override
        public void close() {
            if (gen != null) {
                gen.close();
            }
        }
    }

    /** Transactions downstream, labels to a side output. */
    static final class Split extends ProcessFunction<Transaction, Event> {
        private static final long serialVersionUID = 1L;
        final OutputTag<Label> labels;

        Split(OutputTag<Label> labels) {
            this.labels = labels;
        }

        @Override
        public void processElement(Transaction t, Context ctx, Collector<Event> out) {
            out.collect(t.event);
            if (t.label != null) {
                ctx.output(labels, t.label);
            }
        }
    }

    /** (probability, label) once both the score and the label of a transaction are in. */
    static final class JoinLabel
            extends KeyedCoProcessFunction<String, Scored, Label, Tuple2<Double, Double>> {
        private static final long serialVersionUID = 1L;
        transient ValueState<Double> score;
        transient ValueState<Double> label;

        @Override
        public void open(OpenContext ctx) {
            score = getRuntimeContext().getState(new ValueStateDescriptor<>("score", Types.DOUBLE));
            label = getRuntimeContext().getState(new ValueStateDescriptor<>("label", Types.DOUBLE));
        }

        @Override
        public void processElement1(Scored s, Context ctx, Collector<Tuple2<Double, Double>> out)
                throws Exception {
            Double y = label.value();
            if (y == null) {
                score.update(s.probability);
            } else {
                label.clear();
                out.collect(Tuple2.of(s.probability, y));
            }
        }

        @Override
        public void processElement2(Label l, Context ctx, Collector<Tuple2<Double, Double>> out)
                throws Exception {
            Double p = score.value();
            if (p == null) {
                label.update(l.label);
            } else {
                score.clear();
                out.collect(Tuple2.of(p, l.label));
            }
        }
    }

    /** AUC and log loss of one window of (probability, label) pairs. */
    static final class WindowReport
            extends ProcessAllWindowFunction<Tuple2<Double, Double>, String, GlobalWindow> {
        private static final long serialVersionUID = 1L;
        transient long windows;

        @Override
        public void process(Context ctx, Iterable<Tuple2<Double, Double>> in,
                Collector<String> out) {
            double[][] v = new double[0][];
            java.util.List<double[]> l = new java.util.ArrayList<>();
            for (Tuple2<Double, Double> t : in) {
                l.add(new double[] {t.f0, t.f1});
            }
            v = l.toArray(v);
            out.collect(String.format(Locale.ROOT,
                    "window %d: %d labelled transactions, %.2f%% fraud, AUC %.4f, log loss %.4f",
                    ++windows, v.length, 100 * positives(v) / Math.max(1, v.length), auc(v),
                    logLoss(v)));
        }

        static double positives(double[][] v) {
            double n = 0;
            for (double[] x : v) {
                n += x[1] > 0.5 ? 1 : 0;
            }
            return n;
        }

        /** Mann-Whitney: the probability that a fraud scores above a legitimate row. */
        static double auc(double[][] v) {
            double[][] s = v.clone();
            Arrays.sort(s, (x, y) -> Double.compare(x[0], y[0]));
            double pos = positives(s), neg = s.length - pos, rankSum = 0;
            for (int i = 0; i < s.length;) {
                int j = i;
                while (j < s.length && s[j][0] == s[i][0]) {
                    j++;
                }
                double rank = (i + j + 1) / 2.0; /* ties share the average rank */
                for (int k = i; k < j; k++) {
                    rankSum += s[k][1] > 0.5 ? rank : 0;
                }
                i = j;
            }
            return pos == 0 || neg == 0 ? Double.NaN
                    : (rankSum - pos * (pos + 1) / 2) / (pos * neg);
        }

        static double logLoss(double[][] v) {
            double sum = 0;
            for (double[] x : v) {
                double p = Math.min(1 - 1e-15, Math.max(1e-15, x[0]));
                sum -= x[1] > 0.5 ? Math.log(p) : Math.log(1 - p);
            }
            return sum / Math.max(1, v.length);
        }
    }
}
