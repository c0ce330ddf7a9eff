package org.otter.flink.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.configuration.WebOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.AbstractCheckpointStats;
import org.apache.flink.runtime.checkpoint.CheckpointStatsStatus;
import org.apache.flink.runtime.checkpoint.SubtaskStateStats;
import org.apache.flink.runtime.checkpoint.TaskStateStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.ArchivedExecutionGraph;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.streaming.util.TestStreamEnvironment;
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
 * The Flink figures of docs/benchmarks.md: the fraud job (score + learn per event) with
 * Otter's {@link OnlineLearningOperator} against the same job in plain Flink
 * ({@link PlainFraudFunction}: a hand-written logistic regression in {@code ValueState}) on
 * one MiniCluster, same input, parallelism, max parallelism, state backend, checkpoint
 * storage and interval, in interleaved rounds. Usually run by {@code bash bench/run.sh flink}
 * (bench/flink.sh), which builds the classes and passes the options.
 *
 * <p>Each job: a {@code DataGeneratorSource} (parallelism 1, unlimited rate) of rows of
 * {@code otter gen fraud} through JNI, row i keyed {@code k<i mod keys>} (every key gets
 * records when records >= keys) and carrying the label of row i - delay; split into events
 * and labels; keyed by the key; scored and learned; the scores into a sink that notes the
 * time of each and keeps each probability for the prequential AUC and log loss. Records/s
 * are the rows over the time from the source's first row to the sink's last score (cluster
 * start, job deployment and the final checkpoint are not in it). A third job, the floor,
 * has the same pipeline with a stateless pass-through instead of the model: what the
 * source, the split and the shuffle alone cost on this machine.
 *
 * <p>Checkpoints come from the job's own statistics ({@code CheckpointStatsSnapshot} of the
 * archived execution graph, as the REST API serves them): every completed checkpoint's
 * end-to-end duration and size, the learning operator's share (its subtasks' synchronous
 * and asynchronous parts), and the last one, which with checkpoints after tasks finish is
 * taken after the end of input: the state of every key.
 *
 * <p>Options: {@code --scenarios KEYS:BITS:RECORDS[:ROUNDS][,...]} (default
 * {@code 10000:8:300000:3,1000000:4:1000000:1}), {@code --rounds R} (every scenario's rounds;
 * default each its own, else 3), {@code --sides otter,plain,floor}, {@code --parallelism P}
 * (2), {@code --checkpoint-interval MS} (5000, the example job's),
 * {@code --label-delay N} (2000), {@code --warmup N} (records of one uncounted job per side
 * over 1000 keys before the rounds, default 100000; 0: none), {@code --incremental
 * true|false} (false: RocksDB's full
 * snapshots, Flink's default), {@code --out FILE} (JSON lines, appended), {@code --dir DIR}
 * (checkpoints and stores; default a new directory under java.io.tmpdir, removed after).
 */
public final class FraudBench {
    static final int MAX_PARALLELISM = 128;
    static final long LABEL_TTL_MS = Duration.ofMinutes(10).toMillis();
    static final String GEN_PARAMS = "fraud_rate=0.01";
    static final String OPERATOR = "score and learn";

    private FraudBench() {}

    // ---- what the jobs report to the driver (same JVM as the MiniCluster) ----------

    /** Times and scores of the running job; reset before each job. */
    static final class Probe {
        static final AtomicLong FIRST_NS = new AtomicLong();
        static final AtomicLong LAST_NS = new AtomicLong();
        static final AtomicLong OUTPUTS = new AtomicLong();
        static volatile double[] scores = new double[0];
        static volatile double[] labels = new double[0];

        static void reset(int records) {
            FIRST_NS.set(0);
            LAST_NS.set(0);
            OUTPUTS.set(0);
            scores = new double[records];
            labels = new double[records];
            Arrays.fill(scores, Double.NaN);
        }
    }

    // ---- the pipeline ---------------------------------------------------------

    /** A transaction and, riding along, the label of the one {@code delay} earlier. */
    public static class Txn {
        /** The transaction to score. */
        public Event event;
        /** The label of an earlier transaction, or null. */
        public Label label;

        /** For Flink's POJO serializer. */
        public Txn() {}
    }

    /** Row i of {@code otter gen fraud --seed 1}, keyed {@code k<i mod keys>}. */
    static final class Rows implements GeneratorFunction<Long, Txn> {
        private static final long serialVersionUID = 1L;
        final int keys;
        final int delay;
        transient Generator gen;
        transient long next;
        transient double[] ring;

        Rows(int keys, int delay) {
            this.keys = keys;
            this.delay = delay;
        }

        @Override
        public void open(SourceReaderContext ctx) {
            gen = Generator.create("fraud", GEN_PARAMS, 1);
            ring = new double[delay];
        }

        String key(long i) {
            return "k" + (i % keys);
        }

        @Override
        public Txn map(Long index) {
            long i = index;
            if (i != next) {
                throw new IllegalStateException("the benchmark's source reads in order (row "
                        + i + ", expected " + next + ")");
            }
            if (i == 0) {
                Probe.FIRST_NS.set(System.nanoTime());
            }
            Generator.Row r = gen.next();
            next = i + 1;
            int slot = (int) (i % delay);
            Txn t = new Txn();
            if (i >= delay) {
                t.label = new Label(key(i - delay), "tx-" + (i - delay), ring[slot]);
            }
            ring[slot] = r.label();
            Probe.labels[(int) i] = r.label();
            t.event = new Event(key(i), "tx-" + i,
                    new FeatureRow(r.numNames(), r.numValues(), r.catNames(), r.catValues()));
            return t;
        }

        @Override
        public void close() {
            if (gen != null) {
                gen.close();
            }
        }
    }

    /** Transactions downstream, labels to a side output. */
    static final class Split extends ProcessFunction<Txn, Event> {
        private static final long serialVersionUID = 1L;
        final OutputTag<Label> labels;

        Split(OutputTag<Label> labels) {
            this.labels = labels;
        }

        @Override
        public void processElement(Txn t, Context ctx, Collector<Event> out) {
            out.collect(t.event);
            if (t.label != null) {
                ctx.output(labels, t.label);
            }
        }
    }

    /** The floor: the same records through a stateless keyed function. */
    static final class PassThrough extends KeyedCoProcessFunction<String, Event, Label, Scored> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement1(Event e, Context ctx, Collector<Scored> out) {
            out.collect(new Scored(e.key, e.eventId, 0, 0.5, 0));
        }

        @Override
        public void processElement2(Label l, Context ctx, Collector<Scored> out) {}
    }

    /** Notes each score's time and probability. */
    static final class Meter implements Sink<Scored> {
        private static final long serialVersionUID = 1L;

        @Override
        public SinkWriter<Scored> createWriter(WriterInitContext context) {
            return new SinkWriter<Scored>() {
                @Override
                public void write(Scored s, Context ctx) {
                    int i = Integer.parseInt(s.eventId, 3, s.eventId.length(), 10);
                    Probe.scores[i] = s.probability;
                    Probe.OUTPUTS.incrementAndGet();
                    Probe.LAST_NS.accumulateAndGet(System.nanoTime(), Math::max);
                }

                @Override
                public void flush(boolean endOfInput) {}

                @Override
                public void close() {}
            };
        }
    }

    static void build(TestStreamEnvironment env, String side, Scenario sc, int delay) {
        DataGeneratorSource<Txn> source = new DataGeneratorSource<>(new Rows(sc.keys, delay),
                sc.records, RateLimiterStrategy.noOp(), TypeInformation.of(Txn.class));
        OutputTag<Label> labelTag = new OutputTag<>("labels", TypeInformation.of(Label.class));
        SingleOutputStreamOperator<Event> events = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "fraud rows")
                .setParallelism(1).uid("rows")
                .process(new Split(labelTag)).setParallelism(1).uid("split");
        KeyedStream<Event, String> ev = events.keyBy(e -> e.key);
        KeyedStream<Label, String> lb = events.getSideOutput(labelTag).keyBy(l -> l.key);
        DataStream<Scored> scores;
        switch (side) {
            case "otter":
                scores = ev.connect(lb).transform(OPERATOR, TypeInformation.of(Scored.class),
                        new OnlineLearningOperator(LearnerOptions.of("logreg", sc.params())
                                .labelTtl(LABEL_TTL_MS)));
                break;
            case "plain":
                scores = ev.connect(lb)
                        .process(new PlainFraudFunction(sc.bits, true, LABEL_TTL_MS),
                                TypeInformation.of(Scored.class))
                        .name(OPERATOR);
                break;
            case "floor":
                scores = ev.connect(lb).process(new PassThrough(), TypeInformation.of(Scored.class))
                        .name(OPERATOR);
                break;
            default:
                throw new IllegalArgumentException("unknown side " + side);
        }
        ((SingleOutputStreamOperator<Scored>) scores).uid("learn")
                .setMaxParallelism(MAX_PARALLELISM);
        scores.sinkTo(new Meter()).name("meter");
    }

    // ---- the driver -----------------------------------------------------------

    /** Keys, model size and records of one configuration. */
    record Scenario(int keys, int bits, int records, int rounds) {
        static Scenario parse(String s, int rounds) {
            String[] p = s.split(":");
            if (p.length != 3 && p.length != 4) {
                throw new IllegalArgumentException("a scenario is KEYS:BITS:RECORDS[:ROUNDS], not "
                        + s);
            }
            Scenario sc = new Scenario(Integer.parseInt(p[0]), Integer.parseInt(p[1]),
                    Integer.parseInt(p[2]), p.length == 4 ? Integer.parseInt(p[3]) : rounds);
            if (sc.keys < 1 || sc.records < sc.keys || sc.bits < 1 || sc.bits > 24
                    || sc.rounds < 1) {
                throw new IllegalArgumentException(s + ": want keys >= 1, records >= keys "
                        + "(every key gets state), bits in 1..24, rounds >= 1");
            }
            return sc;
        }

        String params() {
            return "bits=" + bits + ",optimizer=adagrad,standardize=true";
        }

        String name() {
            return keys + " keys";
        }
    }

    /** One job's figures. */
    record Result(String side, Scenario sc, int round, double seconds, double recordsPerS,
            double auc, double logLoss, long outputs, List<Ckpt> checkpoints) {}

    /** One completed checkpoint: whole job and the learning operator's part. */
    record Ckpt(long id, long durationMs, long stateBytes, long checkpointedBytes,
            long opStateBytes, long opSyncMs, long opAsyncMs) {}

    static final class Opts {
        List<Scenario> scenarios = new ArrayList<>();
        List<String> sides = List.of("otter", "plain", "floor");
        int rounds = 0;
        int parallelism = 2;
        long checkpointInterval = 5000;
        int delay = 2000;
        boolean incremental;
        int warmup = 100_000;
        Path out;
        Path dir;

        static Opts parse(String[] argv) {
            Opts o = new Opts();
            String scenarios = "10000:8:300000:3,1000000:4:1000000:1";
            for (int i = 0; i < argv.length; i += 2) {
                if (!argv[i].startsWith("--") || i + 1 >= argv.length) {
                    throw new IllegalArgumentException("expected --name value, got " + argv[i]);
                }
                String v = argv[i + 1];
                switch (argv[i].substring(2)) {
                    case "scenarios" -> scenarios = v;
                    case "sides" -> o.sides = List.of(v.split(","));
                    case "rounds" -> o.rounds = Integer.parseInt(v);
                    case "parallelism" -> o.parallelism = Integer.parseInt(v);
                    case "checkpoint-interval" -> o.checkpointInterval = Long.parseLong(v);
                    case "label-delay" -> o.delay = Integer.parseInt(v);
                    case "incremental" -> o.incremental = Boolean.parseBoolean(v);
                    case "warmup" -> o.warmup = Integer.parseInt(v);
                    case "out" -> o.out = Paths.get(v);
                    case "dir" -> o.dir = Paths.get(v);
                    default -> throw new IllegalArgumentException("unknown option " + argv[i]);
                }
            }
            for (String s : scenarios.split(",")) {
                o.scenarios.add(Scenario.parse(s, o.rounds > 0 ? o.rounds : 3));
                if (o.rounds > 0) { /* --rounds overrides every scenario's own */
                    Scenario last = o.scenarios.remove(o.scenarios.size() - 1);
                    o.scenarios.add(new Scenario(last.keys, last.bits, last.records, o.rounds));
                }
            }
            for (Scenario sc : o.scenarios) {
                if (sc.records <= o.delay) {
                    throw new IllegalArgumentException("a scenario's records must exceed the "
                            + "label delay (" + o.delay + "), not " + sc.records);
                }
            }
            if (o.warmup != 0 && o.warmup <= o.delay) {
                throw new IllegalArgumentException("--warmup must be 0 or above the label delay");
            }
            if (o.rounds < 0 || o.parallelism < 1 || o.delay < 1 || o.checkpointInterval < 10) {
                throw new IllegalArgumentException("rounds, parallelism, label-delay >= 1, "
                        + "checkpoint-interval >= 10 ms");
            }
            return o;
        }
    }

    /**
     * Runs the benchmark.
     *
     * @param argv the options
     * @throws Exception when a job fails
     */
    public static void main(String[] argv) throws Exception {
        Opts o = Opts.parse(argv);
        boolean ownDir = o.dir == null;
        Path dir = ownDir ? Files.createTempDirectory("otter-fbench") : o.dir;
        PrintStream out = o.out == null ? System.out
                : new PrintStream(Files.newOutputStream(o.out,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND), true, "UTF-8");
        Configuration clusterConf = new Configuration();
        clusterConf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("512m"));
        clusterConf.set(WebOptions.CHECKPOINTS_HISTORY_SIZE, 10_000);
        MiniClusterConfiguration mc = new MiniClusterConfiguration.Builder()
                .setConfiguration(clusterConf).setNumTaskManagers(1)
                .setNumSlotsPerTaskManager(o.parallelism).build();
        out.println(runLine(o));
        List<Result> all = new ArrayList<>();
        MiniCluster cluster = new MiniCluster(mc);
        try {
            cluster.start();
            /* a fresh JVM runs its first jobs slower (class loading, JIT): one small job of
               each side first, not counted */
            if (o.warmup > 0) {
                Scenario w = new Scenario(Math.min(o.warmup, 1000), 8, o.warmup, 1);
                for (String side : o.sides) {
                    Result r = runJob(cluster, o, dir, side, w, 0);
                    System.err.printf(Locale.ROOT, "warm-up %-6s %10.0f records/s (not counted)%n",
                            side, r.recordsPerS);
                }
            }
            for (Scenario sc : o.scenarios) {
                for (int round = 1; round <= sc.rounds; round++) {
                    /* alternate the order, so that neither side always runs first */
                    List<String> order = new ArrayList<>(o.sides);
                    if (round % 2 == 0) {
                        java.util.Collections.reverse(order);
                    }
                    for (String side : order) {
                        Result r = runJob(cluster, o, dir, side, sc, round);
                        all.add(r);
                        out.println(jobLine(r));
                        System.err.printf(Locale.ROOT,
                                "%-12s round %d %-6s %10.0f records/s  AUC %.4f  log loss %.4f"
                                        + "  %d checkpoints, last %d ms %s%n",
                                sc.name(), round, side, r.recordsPerS, r.auc, r.logLoss,
                                r.checkpoints.size(), last(r).durationMs,
                                mib(last(r).stateBytes));
                    }
                }
            }
        } finally {
            cluster.close();
            if (ownDir) {
                deleteTree(dir);
            }
        }
        summarize(o, all, out);
        if (out != System.out) {
            out.close();
        }
    }

    static Result runJob(MiniCluster cluster, Opts o, Path dir, String side, Scenario sc,
            int round) throws Exception {
        Path ckpt = dir.resolve(side + "-" + sc.keys + "-" + round);
        Files.createDirectories(ckpt.resolve("tmp"));
        Configuration c = new Configuration();
        c.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(o.checkpointInterval));
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, ckpt.resolve("checkpoints").toUri().toString());
        c.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, o.incremental);
        c.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        TestStreamEnvironment env = new TestStreamEnvironment(cluster, c, o.parallelism,
                List.of(), List.of());
        env.setMaxParallelism(MAX_PARALLELISM);
        build(env, side, sc, o.delay);
        Probe.reset(sc.records);
        JobClient job = env.executeAsync("fraud " + side + " " + sc.name());
        job.getJobExecutionResult().get();
        ArchivedExecutionGraph g = cluster.getArchivedExecutionGraph(job.getJobID()).get();
        long outputs = Probe.OUTPUTS.get();
        if (outputs != sc.records) {
            throw new IllegalStateException(side + ": " + outputs + " scores for " + sc.records
                    + " records");
        }
        double seconds = (Probe.LAST_NS.get() - Probe.FIRST_NS.get()) / 1e9;
        double[] q = quality(Probe.scores, Probe.labels, sc.records - o.delay);
        List<Ckpt> cps = checkpoints(g);
        deleteTree(ckpt);
        return new Result(side, sc, round, seconds, sc.records / seconds, q[0], q[1], outputs,
                cps);
    }

    static List<Ckpt> checkpoints(ArchivedExecutionGraph g) {
        JobVertexID op = null;
        for (Map.Entry<JobVertexID, ? extends AccessExecutionJobVertex> e
                : g.getAllVertices().entrySet()) {
            if (e.getValue().getName().contains(OPERATOR)) {
                op = e.getKey();
            }
        }
        List<Ckpt> l = new ArrayList<>();
        for (AbstractCheckpointStats s : g.getCheckpointStatsSnapshot().getHistory()
                .getCheckpoints()) {
            if (s.getStatus() != CheckpointStatsStatus.COMPLETED
                    || s.getProperties().isSavepoint()) {
                continue;
            }
            long opSize = 0;
            long sync = 0;
            long async = 0;
            TaskStateStats t = op == null ? null : s.getTaskStateStats(op);
            if (t != null) {
                opSize = t.getStateSize();
                for (SubtaskStateStats st : t.getSubtaskStats()) {
                    if (st != null) {
                        sync = Math.max(sync, st.getSyncCheckpointDuration());
                        async = Math.max(async, st.getAsyncCheckpointDuration());
                    }
                }
            }
            l.add(new Ckpt(s.getCheckpointId(), s.getEndToEndDuration(), s.getStateSize(),
                    s.getCheckpointedSize(), opSize, sync, async));
        }
        l.sort(Comparator.comparingLong(Ckpt::id));
        return l;
    }

    /** AUC (Mann-Whitney, ties averaged) and log loss of the first n scores. */
    static double[] quality(double[] scores, double[] labels, int n) {
        Integer[] idx = new Integer[n];
        double loss = 0;
        double pos = 0;
        for (int i = 0; i < n; i++) {
            idx[i] = i;
            double p = Math.min(1 - 1e-15, Math.max(1e-15, scores[i]));
            boolean y = labels[i] > 0.5;
            loss -= y ? Math.log(p) : Math.log(1 - p);
            pos += y ? 1 : 0;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> scores[i]));
        double rankSum = 0;
        for (int i = 0; i < n;) {
            int j = i;
            while (j < n && scores[idx[j]] == scores[idx[i]]) {
                j++;
            }
            double rank = (i + j + 1) / 2.0;
            for (int k = i; k < j; k++) {
                rankSum += labels[idx[k]] > 0.5 ? rank : 0;
            }
            i = j;
        }
        double neg = n - pos;
        double auc = pos == 0 || neg == 0 ? Double.NaN
                : (rankSum - pos * (pos + 1) / 2) / (pos * neg);
        return new double[] {auc, loss / Math.max(1, n)};
    }

    // ---- output -----------------------------------------------------------------

    static Ckpt last(Result r) {
        return r.checkpoints.isEmpty() ? new Ckpt(-1, -1, -1, -1, -1, -1, -1)
                : r.checkpoints.get(r.checkpoints.size() - 1);
    }

    static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                b.append('\\').append(ch);
            } else if (ch < 0x20) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                b.append(ch);
            }
        }
        return b.append('"').toString();
    }

    static String num(double d) {
        return Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "null";
    }

    static String runLine(Opts o) throws IOException {
        String cpu = "unknown";
        try (Stream<String> lines = Files.lines(Paths.get("/proc/cpuinfo"))) {
            cpu = lines.filter(l -> l.startsWith("model name")).map(l -> l.split(":\\s*", 2)[1])
                    .findFirst().orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            /* not Linux: leave it unknown */
        }
        String load = Files.readString(Paths.get("/proc/loadavg")).split(" ")[0];
        StringBuilder sc = new StringBuilder();
        for (Scenario s : o.scenarios) {
            sc.append(sc.length() == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"keys\":%d,\"bits\":%d,\"records\":%d,\"rounds\":%d,\"params\":%s}",
                    s.keys, s.bits, s.records, s.rounds, str(s.params())));
        }
        return String.format(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":\"run\",\"date\":%s,"
                + "\"commit\":%s,\"cpus\":%d,\"cpu_model\":%s,\"loadavg_1m\":%s,\"java\":%s,"
                + "\"flink\":%s,\"parallelism\":%d,\"max_parallelism\":%d,\"state_backend\":"
                + "\"rocksdb\",\"incremental\":%b,\"checkpoint_interval_ms\":%d,"
                + "\"label_delay\":%d,\"label_ttl_ms\":%d,\"generator\":%s,"
                + "\"sides\":%s,\"warmup_records\":%d,\"max_heap_mib\":%d,\"scenarios\":[%s]}",
                str(Instant.now().toString()), str(System.getProperty("otter.commit", "unknown")),
                Runtime.getRuntime().availableProcessors(), str(cpu), load,
                str(System.getProperty("java.version")), str(EnvironmentInformation.getVersion()),
                o.parallelism, MAX_PARALLELISM, o.incremental, o.checkpointInterval, o.delay,
                LABEL_TTL_MS, str("fraud " + GEN_PARAMS + " seed 1"),
                str(String.join(",", o.sides)), o.warmup, Runtime.getRuntime().maxMemory() >> 20,
                sc);
    }

    static String ckptJson(Ckpt c) {
        return String.format(Locale.ROOT, "{\"id\":%d,\"duration_ms\":%d,\"state_bytes\":%d,"
                + "\"checkpointed_bytes\":%d,\"operator_state_bytes\":%d,"
                + "\"operator_sync_ms\":%d,\"operator_async_ms\":%d}", c.id, c.durationMs,
                c.stateBytes, c.checkpointedBytes, c.opStateBytes, c.opSyncMs, c.opAsyncMs);
    }

    static String jobLine(Result r) {
        StringBuilder cps = new StringBuilder();
        for (Ckpt c : r.checkpoints) {
            cps.append(cps.length() == 0 ? "" : ",").append(ckptJson(c));
        }
        return String.format(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":\"job\",\"keys\":%d,"
                + "\"bits\":%d,\"records\":%d,\"round\":%d,\"side\":%s,\"seconds\":%s,"
                + "\"records_per_s\":%s,\"auc\":%s,\"log_loss\":%s,\"checkpoints\":[%s]}",
                r.sc.keys, r.sc.bits, r.sc.records, r.round, str(r.side), num(r.seconds),
                num(r.recordsPerS), num(r.auc), num(r.logLoss), cps);
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }

    /** Medians per scenario and side, ratios of the medians, the targets; a table on stderr. */
    static void summarize(Opts o, List<Result> all, PrintStream out) {
        System.err.printf(Locale.ROOT, "%-14s %-6s %12s %8s %8s %12s %12s %12s%n", "scenario",
                "side", "records/s", "AUC", "logloss", "ckpt ms", "ckpt size", "op sync ms");
        boolean met = true;
        StringBuilder targets = new StringBuilder();
        for (Scenario sc : o.scenarios) {
            Map<String, double[]> med = new LinkedHashMap<>();
            for (String side : o.sides) {
                List<Result> rs = all.stream().filter(r -> r.sc == sc && r.side.equals(side))
                        .toList();
                double rps = median(rs.stream().map(r -> r.recordsPerS).toList());
                double auc = median(rs.stream().map(r -> r.auc).toList());
                double ll = median(rs.stream().map(r -> r.logLoss).toList());
                double dur = median(rs.stream().map(r -> (double) last(r).durationMs).toList());
                double size = median(rs.stream().map(r -> (double) last(r).stateBytes).toList());
                double opSize = median(rs.stream().map(r -> (double) last(r).opStateBytes)
                        .toList());
                double sync = median(rs.stream().map(r -> (double) last(r).opSyncMs).toList());
                double async = median(rs.stream().map(r -> (double) last(r).opAsyncMs)
                        .toList());
                double allDur = median(rs.stream().flatMap(r -> r.checkpoints.stream())
                        .map(c -> (double) c.durationMs).toList());
                double lo = rs.stream().mapToDouble(Result::recordsPerS).min().orElse(Double.NaN);
                double hi = rs.stream().mapToDouble(Result::recordsPerS).max().orElse(Double.NaN);
                med.put(side, new double[] {rps, dur, size});
                out.println(String.format(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":\"summary\","
                        + "\"keys\":%d,\"bits\":%d,\"records\":%d,\"side\":%s,\"rounds\":%d,"
                        + "\"records_per_s\":%s,\"records_per_s_range\":[%s,%s],\"auc\":%s,"
                        + "\"log_loss\":%s,\"final_checkpoint_ms\":%s,"
                        + "\"final_checkpoint_bytes\":%s,\"final_operator_bytes\":%s,"
                        + "\"final_operator_sync_ms\":%s,\"final_operator_async_ms\":%s,"
                        + "\"all_checkpoints_median_ms\":%s}",
                        sc.keys, sc.bits, sc.records, str(side), rs.size(), num(rps), num(lo),
                        num(hi), num(auc), num(ll), num(dur), num(size), num(opSize), num(sync),
                        num(async), num(allDur)));
                System.err.printf(Locale.ROOT, "%-14s %-6s %12.0f %8.4f %8.4f %12.0f %12s %12.0f%n",
                        sc.name(), side, rps, auc, ll, dur, mib((long) size), sync);
            }
            double[] ot = med.get("otter");
            double[] pl = med.get("plain");
            if (ot != null && pl != null) {
                List<Double> ratios = new ArrayList<>();
                for (int round = 1; round <= sc.rounds; round++) {
                    final int rd = round;
                    Result a = all.stream().filter(r -> r.sc == sc && r.round == rd
                            && r.side.equals("otter")).findFirst().orElseThrow();
                    Result b = all.stream().filter(r -> r.sc == sc && r.round == rd
                            && r.side.equals("plain")).findFirst().orElseThrow();
                    ratios.add(a.recordsPerS / b.recordsPerS);
                }
                double ratio = ot[0] / pl[0];
                boolean speed = ratio >= 2.0;
                boolean ckpt = ot[1] <= pl[1];
                met &= speed && ckpt;
                String line = String.format(Locale.ROOT, "{\"bench\":\"flink\",\"kind\":\"targets\","
                        + "\"keys\":%d,\"records_per_s_ratio\":%s,\"round_ratios\":%s,"
                        + "\"ratio_target\":2.0,\"ratio_met\":%b,\"final_checkpoint_ms\":"
                        + "{\"otter\":%s,\"plain\":%s},\"checkpoint_met\":%b,"
                        + "\"checkpoint_size_ratio\":%s,\"met\":%b}",
                        sc.keys, num(ratio), ratios.stream().map(FraudBench::num).toList(),
                        speed, num(ot[1]), num(pl[1]), ckpt, num(ot[2] / pl[2]), speed && ckpt);
                out.println(line);
                targets.append(line).append('\n');
            }
        }
        System.err.print(targets);
        System.err.println(met ? "targets: met" : "targets: missed (see the targets lines)");
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }
}
