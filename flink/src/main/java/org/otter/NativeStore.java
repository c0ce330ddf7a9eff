package org.otter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The embedded state store of one Flink subtask (or any JVM process): named learners and
 * bandits, and pending events, in one RocksDB database under a directory, with numbered
 * snapshots that line up with Flink checkpoint ids. The Java side of {@code otter_store}
 * (include/otter/store.h); the same store otterd and {@code otter store} use.
 *
 * <p>Every entity has a name and a key group, 0..{@value #MAX_KEY_GROUP}, that the caller
 * chooses: the Flink operators pass Flink's key group of the record's key
 * ({@code KeyGroupRangeAssignment.assignToKeyGroup}); {@link #keyGroupOf(String)} gives
 * otterd's choice. Key groups are the unit of {@link #export export},
 * {@link #importFrom import} and {@link #dropKeyGroups dropping}, so a rescaled job moves
 * exactly the entities of each key-group range.
 *
 * <p>Pending events: {@link #predictEvent} scores a row and keeps it under an event id
 * until {@link #feedback} brings its label (the model then learns from the stored row,
 * exactly once) or its deadline passes ({@link #expire}). Unknown, repeated or late labels
 * are a normal stream condition: {@link EventResult#UNKNOWN}, not an exception.
 *
 * <p>Errors: {@link OtterException} with the C status: INVALID (bad names, key groups,
 * NaN/Inf values, labels, weights), NOT_FOUND (unknown entity or snapshot), EXISTS
 * (an entity with the same name but another type or params; an event id that is pending),
 * STATE (learning on a bandit, a closed store), CORRUPT, VERSION, IO (the file system or
 * RocksDB; the message names the file).
 *
 * <p>Thread safety: every method may be called from any thread, concurrently (the C store
 * locks per entity). {@link #close()} waits for running calls and must not be called from a
 * stream passed to {@link #export}/{@link #importFrom}. Memory: RocksDB and the decoded
 * models live in native memory; close the store (a Cleaner closes a forgotten one).
 */
public final class NativeStore implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    /** The highest key group (Flink's largest max parallelism is 32768). */
    public static final int MAX_KEY_GROUP = 32767;

    /** What survives a crash between snapshots. */
    public enum Durability {
        /** Every update is logged and synced before the call returns. */
        SYNC,
        /**
         * Nothing is logged: a crash loses the updates since the last snapshot, and the
         * store reopens at its latest snapshot. For Flink, whose sources replay.
         */
        NONE
    }

    private final Handle handle;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private NativeStore(long address) {
        this.handle = new Handle(this, address, Handle.STORE);
    }

    /**
     * Opens (creating if needed) a store in a directory.
     *
     * @param dir the data directory (created if missing)
     * @param durability SYNC or NONE
     * @return the open store, owned by the caller
     * @throws OtterException IO naming the file when the directory cannot be used (another
     *     process holds it, permissions); CORRUPT or VERSION for a damaged or newer one
     */
    public static NativeStore open(String dir, Durability durability) {
        return open(dir, durability, 0);
    }

    /**
     * Opens a store with a RocksDB block cache size.
     *
     * @param dir the data directory
     * @param durability SYNC or NONE
     * @param cacheBytes RocksDB block cache in bytes (0: 64 MiB)
     * @return the open store
     * @throws OtterException as {@link #open(String, Durability)}
     */
    public static NativeStore open(String dir, Durability durability, long cacheBytes) {
        if (durability == null) {
            throw new OtterException("INVALID", "durability is required");
        }
        return new NativeStore(Native.storeOpen(dir, durability.ordinal(), cacheBytes));
    }

    /**
     * The key group otterd and the CLI use for a name: MurmurHash3(name) mod 32768.
     *
     * @param name the entity name
     * @return its key group
     * @throws OtterException INVALID for null
     */
    public static int keyGroupOf(String name) {
        return Native.keyGroupOf(name);
    }

    // ---- entities ---------------------------------------------------------------

    /**
     * Creates a learner entity, idempotently (like otterd's PUT).
     *
     * @param keyGroup its key group
     * @param name its name (1..255 bytes, no '/')
     * @param type the learner type
     * @param params {@code "k=v,..."} or null for the defaults
     * @return true when created, false when it existed with the same type and params
     * @throws OtterException EXISTS when it exists with another type or params; NOT_FOUND
     *     for an unknown type; INVALID for bad params, name or key group
     */
    public boolean createLearner(int keyGroup, String name, String type, String params) {
        lock.readLock().lock();
        try {
            return Native.storeCreateLearner(handle.get(), keyGroup, name, type, params);
        } finally {
            release();
        }
    }

    /**
     * {@link #createLearner(int, String, String, String)} with a parameter map.
     *
     * @param keyGroup its key group
     * @param name its name
     * @param type the learner type
     * @param params the parameters (null for the defaults)
     * @return true when created
     * @throws OtterException as the text form
     */
    public boolean createLearner(int keyGroup, String name, String type, Map<String, ?> params) {
        return createLearner(keyGroup, name, type, Params.text(params));
    }

    /**
     * Creates a bandit entity, idempotently (same policy, params and arms: no-op).
     *
     * @param keyGroup its key group
     * @param name its name
     * @param policy the bandit policy
     * @param arms its arms
     * @param params {@code "k=v,..."} or null
     * @return true when created
     * @throws OtterException as {@link #createLearner(int, String, String, String)}
     */
    public boolean createBandit(int keyGroup, String name, String policy, String[] arms,
            String params) {
        lock.readLock().lock();
        try {
            return Native.storeCreateBandit(handle.get(), keyGroup, name, policy, arms, params);
        } finally {
            release();
        }
    }

    /**
     * Deletes an entity and its pending events.
     *
     * @param keyGroup its key group
     * @param name its name
     * @return false when there was no such entity
     * @throws OtterException INVALID for a bad name or key group; IO
     */
    public boolean delete(int keyGroup, String name) {
        lock.readLock().lock();
        try {
            return Native.storeDelete(handle.get(), keyGroup, name);
        } finally {
            release();
        }
    }

    /**
     * The encoded state of an entity (a {@link Learner} or {@link Bandit} blob; the same
     * bytes otterd's {@code GET .../state} serves).
     *
     * @param keyGroup its key group
     * @param name its name
     * @return the blob
     * @throws OtterException NOT_FOUND for an unknown entity
     */
    public byte[] getState(int keyGroup, String name) {
        lock.readLock().lock();
        try {
            return Native.storeGetState(handle.get(), keyGroup, name);
        } finally {
            release();
        }
    }

    /**
     * Replaces (or creates) an entity from a blob; validated first, persisted at once.
     *
     * @param keyGroup its key group
     * @param name its name
     * @param kind LEARNER or BANDIT (must match the blob)
     * @param blob the blob
     * @throws OtterException CORRUPT/VERSION for a bad blob; INVALID
     */
    public void putState(int keyGroup, String name, EntityInfo.Kind kind, byte[] blob) {
        if (kind == null) {
            throw new OtterException("INVALID", "entity kind is required");
        }
        lock.readLock().lock();
        try {
            Native.storePutState(handle.get(), keyGroup, name, kind.ordinal() + 1, blob);
        } finally {
            release();
        }
    }

    /**
     * What the store knows of one entity.
     *
     * @param keyGroup its key group
     * @param name its name
     * @return its info, or null when there is no such entity
     * @throws OtterException INVALID for a bad key group
     */
    public EntityInfo info(int keyGroup, String name) {
        for (EntityInfo e : list(keyGroup, keyGroup)) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }

    /**
     * Every entity in key groups [kgLo, kgHi], in key order. Reads that key range.
     *
     * @param kgLo first key group
     * @param kgHi last key group
     * @return the entities
     * @throws OtterException INVALID for a bad range
     */
    public List<EntityInfo> list(int kgLo, int kgHi) {
        byte[] b;
        lock.readLock().lock();
        try {
            b = Native.storeList(handle.get(), kgLo, kgHi);
        } finally {
            release();
        }
        /* u32 n, per entity: u8 kind, u16 kg, u16 name len, name, u16 type len, type,
         * u64 version, u64 bytes, u8 dirty */
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int n = in.getInt();
        List<EntityInfo> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            EntityInfo.Kind kind = EntityInfo.Kind.values()[(in.get() & 0xFF) - 1];
            int kg = in.getShort() & 0xFFFF;
            String name = str(in);
            String type = str(in);
            out.add(new EntityInfo(kind, kg, name, type, in.getLong(), in.getLong(),
                    in.get() != 0));
        }
        return out;
    }

    // ---- learners ---------------------------------------------------------------

    /**
     * Scores a row with a learner entity, without changing it.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param features the row
     * @param out filled with the prediction
     * @return out
     * @throws OtterException NOT_FOUND for an unknown entity; STATE for a bandit; INVALID
     *     for null features or out, a NaN/Inf value
     */
    public Prediction predict(int keyGroup, String name, Features features, Prediction out) {
        return predictEvent(keyGroup, name, features, null, 0, out);
    }

    /**
     * Scores a row and keeps it as a pending event under eventId until its label arrives
     * ({@link #feedback}) or deadlineMs passes ({@link #expire}).
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param features the row
     * @param eventId the event id (printable ASCII, 1..63 bytes); null: score only
     * @param deadlineMs when the event expires, ms since the epoch
     * @param out filled with the prediction
     * @return out
     * @throws OtterException EXISTS when eventId is pending already; otherwise as
     *     {@link #predict}
     */
    public Prediction predictEvent(int keyGroup, String name, Features features, String eventId,
            long deadlineMs, Prediction out) {
        lock.readLock().lock();
        try {
            Native.storePredict(handle.get(), keyGroup, name, Learner.buf(features),
                    Learner.len(features), eventId, deadlineMs, Learner.raw(out));
            return out;
        } finally {
            release();
        }
    }

    /**
     * Scores n rows with one learner entity in one native call.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param rows the rows (the first n)
     * @param n how many
     * @param out the first n entries are filled (null entries created)
     * @throws OtterException as {@link #predict}, naming the row
     */
    public void predictBatch(int keyGroup, String name, Features[] rows, int n,
            Prediction[] out) {
        if (out == null || n < 0 || n > out.length) {
            throw new OtterException("INVALID", "out must hold " + n + " predictions");
        }
        ByteBuffer b = Features.batch(null, rows, n);
        double[] s = new double[Math.max(1, n) * Prediction.STRIDE];
        lock.readLock().lock();
        try {
            Native.storePredictBatch(handle.get(), keyGroup, name, b, b.position(), n, s);
        } finally {
            release();
        }
        Learner.unpack(s, n, out);
    }

    /**
     * Learns one labelled row.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param features the row
     * @param label the label
     * @param weight the weight (finite, &gt; 0)
     * @param before null, or filled with the prediction just before learning
     * @throws OtterException as {@link Learner#learn}; NOT_FOUND for an unknown entity
     */
    public void learn(int keyGroup, String name, Features features, double label, double weight,
            Prediction before) {
        lock.readLock().lock();
        try {
            Native.storeLearn(handle.get(), keyGroup, name, Learner.buf(features),
                    Learner.len(features), label, weight, Learner.raw(before));
        } finally {
            release();
        }
    }

    /**
     * Learns n labelled rows in order, in one native call; all rows, labels and weights are
     * checked before the first is learned.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param rows the rows
     * @param n how many
     * @param labels n labels
     * @param weights n weights, or null for 1
     * @param before null, or n entries filled with the predictions before each update
     * @throws OtterException as {@link #learn}, naming the row
     */
    public void learnBatch(int keyGroup, String name, Features[] rows, int n, double[] labels,
            double[] weights, Prediction[] before) {
        if (before != null && n > before.length) {
            throw new OtterException("INVALID", "before must hold " + n + " predictions");
        }
        ByteBuffer b = Features.batch(null, rows, n);
        double[] s = before == null ? null : new double[Math.max(1, n) * Prediction.STRIDE];
        lock.readLock().lock();
        try {
            Native.storeLearnBatch(handle.get(), keyGroup, name, b, b.position(), n, labels,
                    weights, s);
        } finally {
            release();
        }
        if (before != null) {
            Learner.unpack(s, n, before);
        }
    }

    /**
     * The label of a pending event: takes the event (exactly once) and learns from its
     * stored row.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param eventId the event id given to {@link #predictEvent}
     * @param label the label
     * @param weight the weight
     * @param before null, or filled with the prediction for the stored row just before
     *     learning (the score the label is judged against: prequential metrics)
     * @return OK when learned; UNKNOWN when there is no such pending event (never scored,
     *     labelled already, or expired): nothing changed
     * @throws OtterException NOT_FOUND for an unknown entity; INVALID for a bad id, a
     *     NaN/Inf label or weight, a label outside the task
     */
    public EventResult feedback(int keyGroup, String name, String eventId, double label,
            double weight, Prediction before) {
        lock.readLock().lock();
        try {
            return EventResult.of(Native.storeFeedback(handle.get(), keyGroup, name, eventId,
                    label, weight, Learner.raw(before)));
        } finally {
            release();
        }
    }

    /**
     * Removes every pending learner event whose deadline is &lt;= nowMs, and applies due
     * expiries of loaded bandits (their default rewards).
     *
     * @param nowMs the time in ms since the epoch (0: the clock)
     * @return the expired learner events, in deadline order
     * @throws OtterException IO
     */
    public List<ExpiredEvent> expire(long nowMs) {
        byte[] b;
        lock.readLock().lock();
        try {
            b = Native.storeExpire(handle.get(), nowMs);
        } finally {
            release();
        }
        /* u32 n, per event: u16 kg, u16 entity len, entity, u16 id len, id, i64 deadline */
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int n = in.getInt();
        List<ExpiredEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int kg = in.getShort() & 0xFFFF;
            String ent = str(in);
            String id = str(in);
            out.add(new ExpiredEvent(kg, ent, id, in.getLong()));
        }
        return out;
    }

    /**
     * Keeps a payload of the caller's own as a pending event under (key group, entity,
     * eventId) until {@link #eventTake} takes it or deadlineMs passes ({@link #expire}
     * returns it then, without the payload). The entity need not exist; the payload moves
     * with its key group in {@link #export}/{@link #importFrom} like every pending event.
     * The Flink learning operator holds labels that arrive before their event this way.
     *
     * @param keyGroup the key group
     * @param entity the entity name the event belongs to (1..255 bytes, no '/')
     * @param eventId the event id (printable ASCII, 1..63 bytes)
     * @param payload the bytes to keep
     * @param deadlineMs when it expires, ms since the epoch
     * @return true when stored; false when that id is pending already (nothing changed)
     * @throws OtterException INVALID for a bad name, id, key group or a null payload; IO
     */
    public boolean eventPut(int keyGroup, String entity, String eventId, byte[] payload,
            long deadlineMs) {
        lock.readLock().lock();
        try {
            return Native.storeEventPut(handle.get(), keyGroup, entity, eventId, payload,
                    deadlineMs);
        } finally {
            release();
        }
    }

    /**
     * Takes a pending event put by {@link #eventPut} (exactly once).
     *
     * @param keyGroup the key group
     * @param entity the entity name
     * @param eventId the event id
     * @return its payload, or null when there is no such pending event (never put, taken
     *     already or expired)
     * @throws OtterException INVALID for a bad name, id or key group; IO
     */
    public byte[] eventTake(int keyGroup, String entity, String eventId) {
        lock.readLock().lock();
        try {
            return Native.storeEventTake(handle.get(), keyGroup, entity, eventId);
        } finally {
            release();
        }
    }

    // ---- bandits ----------------------------------------------------------------

    /**
     * Ranks with a bandit entity and records the decision (see {@link Bandit#rank}).
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param context the context (may be null)
     * @param eventId the event id, or null to have one made
     * @param nowMs the decision time (0: the clock, read once and logged)
     * @return the decision
     * @throws OtterException as {@link Bandit#rank}; NOT_FOUND for an unknown entity
     */
    public Decision rank(int keyGroup, String name, Features context, String eventId,
            long nowMs) {
        return rank(keyGroup, name, context, eventId, null, null, null, false, nowMs);
    }

    /**
     * Ranks with every option (see {@link Bandit#rank(Features, String, String[], String[],
     * String, boolean, long)}).
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param context the context
     * @param eventId the event id or null
     * @param candidates arms to choose from (null: all)
     * @param exclude arms not to rank (may be null)
     * @param unit sticky key for {@code ab} (null: the event id)
     * @param defer true: learn only after {@link #activate}
     * @param nowMs the time (0: the clock)
     * @return the decision
     * @throws OtterException as {@link Bandit#rank}
     */
    public Decision rank(int keyGroup, String name, Features context, String eventId,
            String[] candidates, String[] exclude, String unit, boolean defer, long nowMs) {
        byte[] b;
        lock.readLock().lock();
        try {
            b = Native.storeRank(handle.get(), keyGroup, name, Learner.buf(context),
                    Learner.len(context), eventId, candidates, exclude, unit, defer, nowMs);
        } finally {
            release();
        }
        return Decision.decode(b);
    }

    /**
     * Rewards a decision of a bandit entity.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param eventId the decision's event id
     * @param reward the reward
     * @param nowMs the time (0: the clock)
     * @return OK, or UNKNOWN / EXPIRED / DUPLICATE / NOT_ACTIVE (nothing learned)
     * @throws OtterException NOT_FOUND for an unknown entity; INVALID for a bad reward or id
     */
    public EventResult reward(int keyGroup, String name, String eventId, double reward,
            long nowMs) {
        lock.readLock().lock();
        try {
            return EventResult.of(Native.storeReward(handle.get(), keyGroup, name, eventId,
                    reward, nowMs));
        } finally {
            release();
        }
    }

    /**
     * Activates a deferred decision of a bandit entity.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param eventId the decision's event id
     * @param nowMs the time (0: the clock)
     * @return OK, UNKNOWN, EXPIRED or DUPLICATE
     * @throws OtterException NOT_FOUND for an unknown entity; INVALID for a bad id
     */
    public EventResult activate(int keyGroup, String name, String eventId, long nowMs) {
        lock.readLock().lock();
        try {
            return EventResult.of(Native.storeActivate(handle.get(), keyGroup, name, eventId,
                    nowMs));
        } finally {
            release();
        }
    }

    /**
     * Adds an arm to a bandit entity.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param arm the arm
     * @throws OtterException EXISTS if present; NOT_FOUND for an unknown entity
     */
    public void addArm(int keyGroup, String name, String arm) {
        lock.readLock().lock();
        try {
            Native.storeAddArm(handle.get(), keyGroup, name, arm);
        } finally {
            release();
        }
    }

    /**
     * Removes an arm from a bandit entity.
     *
     * @param keyGroup the entity's key group
     * @param name the entity's name
     * @param arm the arm
     * @throws OtterException NOT_FOUND if absent; STATE for the last arm
     */
    public void removeArm(int keyGroup, String name, String arm) {
        lock.readLock().lock();
        try {
            Native.storeRemoveArm(handle.get(), keyGroup, name, arm);
        } finally {
            release();
        }
    }

    // ---- snapshots --------------------------------------------------------------

    /**
     * Persists every dirty entity and takes snapshot id (a RocksDB checkpoint: unchanged
     * files are hard links and cost nothing) with its manifest written atomically.
     *
     * @param id the snapshot id, greater than the one the live state descends from (the
     *     Flink checkpoint id)
     * @return its manifest
     * @throws OtterException INVALID for an id not above the last one; IO
     */
    public SnapshotInfo snapshot(long id) {
        lock.readLock().lock();
        try {
            return SnapshotInfo.of(Native.storeSnapshot(handle.get(), id), 0);
        } finally {
            release();
        }
    }

    /**
     * The snapshots that have a manifest, ascending by id.
     *
     * @return their manifests
     * @throws OtterException IO
     */
    public List<SnapshotInfo> snapshots() {
        long[] a;
        lock.readLock().lock();
        try {
            a = Native.storeSnapshots(handle.get());
        } finally {
            release();
        }
        List<SnapshotInfo> out = new ArrayList<>(a.length / SnapshotInfo.FIELDS);
        for (int off = 0; off < a.length; off += SnapshotInfo.FIELDS) {
            out.add(SnapshotInfo.of(a, off));
        }
        return out;
    }

    /**
     * Makes the live state exactly snapshot id's (its files are checked first).
     *
     * @param id the snapshot
     * @throws OtterException NOT_FOUND for an unknown id; CORRUPT naming a damaged file
     */
    public void restore(long id) {
        lock.readLock().lock();
        try {
            Native.storeRestore(handle.get(), id);
        } finally {
            release();
        }
    }

    /**
     * Keeps the newest n snapshots, deleting older ones.
     *
     * @param n how many to keep (&gt;= 1)
     * @throws OtterException INVALID for n &lt; 1; IO
     */
    public void retain(int n) {
        lock.readLock().lock();
        try {
            Native.storeRetain(handle.get(), n);
        } finally {
            release();
        }
    }

    /**
     * Deletes snapshot id.
     *
     * @param id the snapshot
     * @throws OtterException NOT_FOUND if absent
     */
    public void dropSnapshot(long id) {
        lock.readLock().lock();
        try {
            Native.storeDropSnapshot(handle.get(), id);
        } finally {
            release();
        }
    }

    /**
     * Deletes every snapshot whose id is below {@code id} (what an operator does when
     * checkpoint {@code id} completes: its snapshot and newer ones stay).
     *
     * @param id the oldest snapshot id to keep
     * @return how many were deleted
     * @throws OtterException IO
     */
    public int pruneSnapshotsBefore(long id) {
        int n = 0;
        for (SnapshotInfo s : snapshots()) {
            if (Long.compareUnsigned(s.id(), id) < 0) {
                dropSnapshot(s.id());
                n++;
            }
        }
        return n;
    }

    // ---- export / import -------------------------------------------------------

    /**
     * Writes the entities and pending events of key groups [kgLo, kgHi] of snapshot id (0:
     * the live state, persisted first) to out as a framed, checksummed stream (magic OTRX;
     * the format of {@code otter store export}). The stream is not closed.
     *
     * @param snapshotId the snapshot, or 0 for the live state
     * @param kgLo first key group
     * @param kgHi last key group
     * @param out where the stream goes
     * @throws IOException what out threw (the export stops)
     * @throws OtterException NOT_FOUND for an unknown snapshot; INVALID for a bad range or a
     *     null stream; IO
     */
    public void export(long snapshotId, int kgLo, int kgHi, OutputStream out)
            throws IOException {
        lock.readLock().lock();
        try {
            Native.storeExport(handle.get(), snapshotId, kgLo, kgHi, out, new byte[65536]);
        } finally {
            release();
        }
    }

    /**
     * Reads a whole export stream from in (until its end: the stream must hold exactly one
     * export), checks every record and the trailer, then applies it to the live state at
     * once; entities with the same key are replaced. Nothing is applied if a check fails.
     *
     * @param in the stream (not closed)
     * @return {entities, events} it held
     * @throws IOException what in threw
     * @throws OtterException CORRUPT (naming the record) for a damaged or truncated stream;
     *     VERSION; INVALID for null
     */
    public long[] importFrom(InputStream in) throws IOException {
        lock.readLock().lock();
        try {
            return Native.storeImport(handle.get(), in, new byte[65536]);
        } finally {
            release();
        }
    }

    /**
     * Where {@link #exportKeyGroups} writes each key group: Flink's raw keyed state stream,
     * which must be told where a key group starts.
     */
    @FunctionalInterface
    public interface KeyGroupSink {
        /**
         * Called before key group {@code keyGroup} is written, in ascending order, once per
         * non-empty key group.
         *
         * @param keyGroup the key group about to be written
         * @return the stream to write its export stream to (not closed by the store)
         * @throws IOException to stop the export
         */
        OutputStream startKeyGroup(int keyGroup) throws IOException;
    }

    /**
     * Writes every key group of [kgLo, kgHi] of snapshot {@code snapshotId} that holds an
     * entity or a pending event as its own export stream (the format of {@link #export}
     * for the range [kg, kg]), in ascending order, from one open snapshot: what an operator
     * does at a Flink checkpoint for its subtask's key-group range. Empty key groups are
     * skipped without being read or announced. Read each stream back with
     * {@link #importNext}.
     *
     * @param snapshotId the snapshot (&gt; 0)
     * @param kgLo first key group
     * @param kgHi last key group
     * @param sink gives the stream for each key group
     * @return how many key groups were written
     * @throws IOException what the sink or a stream threw (the export stops)
     * @throws OtterException NOT_FOUND for an unknown snapshot; INVALID for a bad range, id
     *     0 or a null sink or stream; IO
     */
    public int exportKeyGroups(long snapshotId, int kgLo, int kgHi, KeyGroupSink sink)
            throws IOException {
        lock.readLock().lock();
        try {
            return Native.storeExportKeyGroups(handle.get(), snapshotId, kgLo, kgHi, sink,
                    new byte[65536]);
        } finally {
            release();
        }
    }

    /**
     * Reads one export stream from {@code in}, up to and including its trailer, and leaves
     * whatever follows unread (the stream asks {@code in} for exactly the bytes it still
     * needs): for export streams laid end to end, such as the key groups of Flink's raw
     * keyed state. Checks and applies like {@link #importFrom}.
     *
     * @param in the stream (not closed)
     * @return {entities, events} it held
     * @throws IOException what in threw
     * @throws OtterException CORRUPT (naming the record) for a damaged or truncated stream;
     *     VERSION; INVALID for null
     */
    public long[] importNext(InputStream in) throws IOException {
        lock.readLock().lock();
        try {
            return Native.storeImportNext(handle.get(), in, new byte[65536]);
        } finally {
            release();
        }
    }

    /**
     * Deletes every entity and pending event in key groups [kgLo, kgHi] (range deletes,
     * persisted at once).
     *
     * @param kgLo first key group
     * @param kgHi last key group
     * @throws OtterException INVALID for a bad range; IO
     */
    public void dropKeyGroups(int kgLo, int kgHi) {
        lock.readLock().lock();
        try {
            Native.storeDropKeyGroups(handle.get(), kgLo, kgHi);
        } finally {
            release();
        }
    }

    // ---- bookkeeping ------------------------------------------------------------

    /**
     * The store's counters (cheap: no scan).
     *
     * @return the counters
     * @throws OtterException STATE if closed
     */
    public StoreStats stats() {
        long[] a;
        lock.readLock().lock();
        try {
            a = Native.storeStats(handle.get());
        } finally {
            release();
        }
        return new StoreStats(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
                Durability.values()[(int) a[8]]);
    }

    /**
     * Native memory of the decoded models (the sum of each loaded entity's bytes). Reads
     * the list of entities: O(entities), for metrics, not per record.
     *
     * @return bytes
     * @throws OtterException STATE if closed
     */
    public long nativeBytes() {
        lock.readLock().lock();
        try {
            return Native.storeNativeBytes(handle.get());
        } finally {
            release();
        }
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return handle.isClosed();
    }

    /**
     * Persists dirty entities (so the next open needs no replay) and closes. Waits for
     * calls running on other threads; idempotent; later calls throw OtterException STATE.
     */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            handle.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void release() {
        lock.readLock().unlock();
        Reference.reachabilityFence(this);
    }

    private static String str(ByteBuffer in) {
        int len = in.getShort() & 0xFFFF;
        String s = new String(in.array(), in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }
}
