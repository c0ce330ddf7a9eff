package org.otter.flink;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.checkpoint.CheckpointType;
import org.apache.flink.runtime.state.AbstractKeyedStateBackend;
import org.apache.flink.runtime.state.KeyGroupRange;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.runtime.state.KeyGroupStatePartitionStreamProvider;
import org.apache.flink.runtime.state.KeyedStateBackend;
import org.apache.flink.runtime.state.KeyedStateCheckpointOutputStream;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.otter.EntityInfo;
import org.otter.ExpiredEvent;
import org.otter.NativeStore;
import org.otter.OtterException;

/**
 * The checkpoint-aligned native state every Otter operator shares: each parallel subtask
 * owns an embedded {@link NativeStore} (RocksDB, models decoded in memory) in a unique
 * task-local directory, and Flink's raw keyed state carries it through checkpoints,
 * savepoints, restores and rescaling.
 *
 * <ul>
 *   <li><b>Keys.</b> A record's model is the entity named after its key
 *       ({@link #entityName}) in the key group Flink gives the key
 *       ({@link KeyGroupRangeAssignment#assignToKeyGroup}), created on first use.
 *   <li><b>Checkpoint.</b> {@link #snapshotState} takes the native snapshot numbered by the
 *       checkpoint id (hard links: cheap), then writes each non-empty key group of the
 *       subtask's range from that snapshot into Flink's raw keyed state stream, after
 *       {@code startNewKeyGroup(kg)}, as a checksummed export stream. Key groups without
 *       state are not written (Flink skips them on restore).
 *   <li><b>Restore.</b> {@link #initializeState} opens a fresh, empty store and imports
 *       every key group Flink hands over; it never reads local disk, so a restore on
 *       another machine, at another parallelism, or after the local disk is lost, gets
 *       exactly the checkpointed state of its key groups.
 *   <li><b>Pruning.</b> {@link #notifyCheckpointComplete} drops local snapshots older than
 *       the completed one; an aborted checkpoint's are kept until a later one completes.
 *       {@link #close} closes the store and deletes its directory.
 * </ul>
 *
 * <p>Timers: the operators use no keyed timers (deadlines live in the store; processing
 * time ticks are non-keyed {@code ProcessingTimeService} callbacks, event time follows
 * watermarks). A state backend that snapshots timers into raw keyed state (RocksDB with
 * {@code state.backend.rocksdb.timer-service.factory: HEAP}) cannot be combined with
 * custom raw keyed state; {@link #initializeState} refuses it with that explanation.
 *
 * @param <OUT> the main output type
 */
public abstract class NativeStateOperator<OUT> extends AbstractStreamOperator<OUT> {
    private static final long serialVersionUID = 1L;

    /** Every model of the subtask at the end of a bounded input (see {@link OperatorOptions#emitModelsAtEnd}). */
    public static final OutputTag<ModelState> MODELS =
            new OutputTag<>("otter-models", TypeInformation.of(ModelState.class));

    private final OperatorOptions<?> options;

    /** The subtask's store (open between initializeState and close). */
    protected transient NativeStore store;

    private transient Path dir;
    private transient int maxParallelism;
    private transient KeyGroupRange range;
    private transient ScheduledFuture<?> ticker;
    private transient long restoredKeyGroups;
    private transient long restoredCheckpoint;
    private transient volatile long lastSnapshotMs;
    private transient volatile long lastSnapshotKeyGroups;
    private transient Counter expiredEvents;
    private transient Map<String, Counter> counters;

    /**
     * @param options the operator's options (validated here)
     */
    protected NativeStateOperator(OperatorOptions<?> options) {
        options.validate();
        this.options = options;
    }

    @Override
    protected boolean isUsingCustomRawKeyedState() {
        return true;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        KeyedStateBackend<?> backend = getKeyedStateBackend();
        if (backend == null) {
            throw new IllegalStateException(getClass().getSimpleName()
                    + " runs on a keyed stream: keyBy the input(s) before transform()");
        }
        if (backend instanceof AbstractKeyedStateBackend
                && ((AbstractKeyedStateBackend<?>) backend)
                        .requiresLegacySynchronousTimerSnapshots(CheckpointType.CHECKPOINT)) {
            throw new IllegalStateException("the state backend writes timers into raw keyed "
                    + "state, which the Otter operators use for their native state: use the "
                    + "hashmap backend, or rocksdb with state.backend.rocksdb.timer-service."
                    + "factory: ROCKSDB (the default)");
        }
        TaskInfo task = getRuntimeContext().getTaskInfo();
        maxParallelism = task.getMaxNumberOfParallelSubtasks();
        range = KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex(maxParallelism,
                task.getNumberOfParallelSubtasks(), task.getIndexOfThisSubtask());
        dir = makeDirectory(task);
        store = NativeStore.open(dir.toString(), NativeStore.Durability.NONE,
                options.cacheBytes);
        restoredCheckpoint = context.getRestoredCheckpointId().orElse(0);
        for (KeyGroupStatePartitionStreamProvider p : context.getRawKeyedStateInputs()) {
            int kg = p.getKeyGroupId();
            if (!range.contains(kg)) {
                throw new IllegalStateException("restored key group " + kg
                        + " is outside this subtask's range " + range);
            }
            InputStream in = p.getStream();
            store.importNext(in);
            restoredKeyGroups++;
        }
        if (restoredKeyGroups > 0) {
            LOG.info("{}: restored {} key groups of checkpoint {} into {}", getOperatorName(),
                    restoredKeyGroups, restoredCheckpoint, dir);
        }
    }

    private Path makeDirectory(TaskInfo task) throws IOException {
        String base = options.baseDirectory;
        if (base == null) {
            String[] tmp = getContainingTask().getEnvironment().getTaskManagerInfo()
                    .getTmpDirectories();
            base = tmp.length > 0 ? tmp[0] : System.getProperty("java.io.tmpdir");
        }
        String name = String.format("otter-%s-%s-%d-%d-%08x",
                getRuntimeContext().getJobInfo().getJobId(), getOperatorID(),
                task.getIndexOfThisSubtask(), task.getAttemptNumber(),
                ThreadLocalRandom.current().nextInt());
        Path d = Paths.get(base, name);
        Files.createDirectories(d);
        return d;
    }

    @Override
    public void open() throws Exception {
        super.open();
        MetricGroup m = getMetricGroup();
        counters = new HashMap<>();
        expiredEvents = counter(m, "expiredEvents");
        m.gauge("nativeBytes", () -> guarded(() -> store.nativeBytes()));
        m.gauge("snapshotDurationMs", () -> lastSnapshotMs);
        m.gauge("snapshotKeyGroups", () -> lastSnapshotKeyGroups);
        m.gauge("restoredKeyGroups", () -> restoredKeyGroups);
        m.gauge("entities", () -> guarded(() -> store.stats().entities()));
        registerMetrics(m);
        if (options.timeMode == TimeMode.PROCESSING) {
            ticker = getProcessingTimeService().scheduleWithFixedDelay(this::tick,
                    options.expiryInterval, options.expiryInterval);
        }
    }

    /**
     * Registers a counter that {@link #count} can read.
     *
     * @param group the metric group
     * @param name its name
     * @return the counter
     */
    protected final Counter counter(MetricGroup group, String name) {
        Counter c = group.counter(name);
        counters.put(name, c);
        return c;
    }

    /**
     * The value of one of the operator's counters (for diagnostics and tests; the same
     * numbers go to Flink's metric reporters): predictions, learns, unknownLabels,
     * heldLabels, duplicateEvents, invalidRecords, expiredEvents (learning operators);
     * decisions, rewards, unmatchedRewards, expiredEvents (bandit operators).
     *
     * @param name the counter's name
     * @return its count, or -1 for an unknown name or before open()
     */
    public long count(String name) {
        Counter c = counters == null ? null : counters.get(name);
        return c == null ? -1 : c.getCount();
    }

    /** A gauge's reading, or -1 while the store is closed (gauges run on another thread). */
    static long guarded(java.util.function.LongSupplier f) {
        try {
            return f.getAsLong();
        } catch (OtterException | NullPointerException e) {
            return -1;
        }
    }

    /**
     * Registers the subclass's metrics.
     *
     * @param group the operator's metric group
     */
    protected abstract void registerMetrics(MetricGroup group);

    /**
     * Handles the events {@link NativeStore#expire} removed (learner and held-label events;
     * bandits apply their own default rewards inside expire).
     *
     * @param expired the expired events
     * @param timestamp the time they expired at (watermark or processing time)
     */
    protected abstract void onExpired(List<ExpiredEvent> expired, long timestamp);

    private void tick(long time) {
        expire(time);
    }

    private void expire(long now) {
        if (store == null || now <= 0) {
            return;
        }
        List<ExpiredEvent> gone = store.expire(now);
        if (!gone.isEmpty()) {
            onExpired(gone, now);
        }
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (options.timeMode == TimeMode.EVENT) {
            expire(mark.getTimestamp());
        }
        super.processWatermark(mark);
    }

    // ---- keys -------------------------------------------------------------------

    /**
     * Flink's key group of a key (the one its state lives in).
     *
     * @param key the key
     * @return the key group
     */
    protected final int keyGroupOf(Object key) {
        return KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
    }

    /**
     * The store entity name of a key: its string form with '%', '/' and '#' escaped as
     * %25, %2F and %23 ("%" for the empty string), so every key has a valid, distinct name
     * and suffixes after '#' are free for the operators' own entities.
     *
     * @param key the key
     * @return the entity name
     */
    public static String entityName(Object key) {
        String s = String.valueOf(key);
        if (s.isEmpty()) {
            return "%";
        }
        if (s.indexOf('%') < 0 && s.indexOf('/') < 0 && s.indexOf('#') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%':
                    b.append("%25");
                    break;
                case '/':
                    b.append("%2F");
                    break;
                case '#':
                    b.append("%23");
                    break;
                default:
                    b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * The key (string form) of an entity name: the inverse of {@link #entityName}.
     *
     * @param name the entity name
     * @return the key's string form
     */
    public static String keyOf(String name) {
        if (name.equals("%")) {
            return "";
        }
        if (name.indexOf('%') < 0) {
            return name;
        }
        return name.replace("%2F", "/").replace("%23", "#").replace("%25", "%");
    }

    /**
     * The deadline of a record: its time plus a TTL, saturating.
     *
     * @param record the record (its timestamp in event time)
     * @param ttl the TTL in ms
     * @return the deadline in ms
     */
    protected final long deadline(StreamRecord<?> record, long ttl) {
        long t = now(record);
        return t > Long.MAX_VALUE - ttl ? Long.MAX_VALUE : t + ttl;
    }

    /**
     * The time of a record on the operator's clock.
     *
     * @param record the record
     * @return its timestamp (event time) or the processing time
     * @throws IllegalStateException in event time for a record without timestamp
     */
    protected final long now(StreamRecord<?> record) {
        if (options.timeMode == TimeMode.EVENT) {
            if (!record.hasTimestamp()) {
                throw new IllegalStateException("TimeMode.EVENT needs records with timestamps"
                        + " (assign them with a WatermarkStrategy)");
            }
            return record.getTimestamp();
        }
        return getProcessingTimeService().getCurrentProcessingTime();
    }

    /** Counts an expired pending event. */
    protected final void countExpired() {
        expiredEvents.inc();
    }

    // ---- checkpoints -------------------------------------------------------------

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        long t0 = System.nanoTime();
        long id = context.getCheckpointId();
        store.snapshot(id);
        KeyedStateCheckpointOutputStream out = context.getRawKeyedOperatorStateOutput();
        int n = store.exportKeyGroups(id, range.getStartKeyGroup(), range.getEndKeyGroup(),
                kg -> {
                    out.startNewKeyGroup(kg);
                    return out;
                });
        lastSnapshotKeyGroups = n;
        lastSnapshotMs = (System.nanoTime() - t0) / 1_000_000;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        if (store != null && !store.isClosed()) {
            store.pruneSnapshotsBefore(checkpointId);
        }
    }

    // notifyCheckpointAborted: the aborted checkpoint's snapshot stays until a later
    // checkpoint completes (the design keeps it: a retried restore may still want it).

    // ---- end of input and shutdown --------------------------------------------

    @Override
    public void finish() throws Exception {
        if (options.emitModelsAtEnd) {
            emitModels();
        }
        super.finish();
    }

    private void emitModels() {
        List<EntityInfo> all = store.list(range.getStartKeyGroup(), range.getEndKeyGroup());
        for (EntityInfo e : all) {
            byte[] blob = store.getState(e.keyGroup(), e.name());
            output.collect(MODELS, new StreamRecord<>(new ModelState(keyOf(e.name()),
                    e.keyGroup(), e.type(), e.version(), blob)));
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (ticker != null) {
                ticker.cancel(false);
            }
            super.close();
        } finally {
            closeStore();
        }
    }

    private void closeStore() {
        NativeStore s = store;
        store = null;
        if (s != null) {
            try {
                s.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the Otter store in {} failed (deleting it anyway)", dir, e);
            }
        }
        if (dir != null) {
            deleteTree(dir);
            dir = null;
        }
    }

    static void deleteTree(Path d) {
        if (!Files.exists(d)) {
            return;
        }
        try (Stream<Path> all = Files.walk(d)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete the Otter store directory {}", d, e);
        }
    }

    /**
     * The directory of this subtask's store (for diagnostics and tests).
     *
     * @return the directory, or null when closed
     */
    public Path storeDirectory() {
        return dir;
    }

}
