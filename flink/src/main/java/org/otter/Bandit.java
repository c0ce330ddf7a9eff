package org.otter;

import java.lang.ref.Reference;
import java.util.Map;

/**
 * A bandit policy (epsilon-greedy, UCB1, Thompson sampling, softmax, EXP3, A/B, LinUCB,
 * linear Thompson sampling, ...) held in native memory: the Java side of
 * {@code otter_bandit} (include/otter/bandit.h).
 *
 * <p>{@link #rank} chooses an arm for a context and records the decision as pending under
 * an event id; {@link #reward} with that id makes the policy learn. A decision that gets no
 * reward within the {@code reward_wait} parameter (seconds) expires and the
 * {@code default_reward} is learned instead (see {@link #expire}). Randomized policies draw
 * from an RNG seeded by (seed, event id), so a decision is reproducible from its id.
 *
 * <p>Times are milliseconds since the epoch; 0 means "read the system clock". Pass your own
 * (event time) for reproducible replays.
 *
 * <p>Errors: {@link OtterException} for bad arguments (null or unknown arms, NaN/Inf
 * context values or rewards, bad event ids: printable ASCII, 1..63 bytes) and a closed
 * bandit (STATE). A reward for an unknown, expired or already rewarded event is not an
 * error: it is an {@link EventResult}.
 *
 * <p>Memory and threading: as {@link Learner} (native memory freed by {@link #close()} or,
 * as a safety net, a Cleaner; confined to one thread at a time).
 */
public final class Bandit implements AutoCloseable {
    static {
        NativeLibrary.load();
    }

    private final Handle handle;

    private Bandit(long address) {
        this.handle = new Handle(this, address, Handle.BANDIT);
    }

    /**
     * Creates a bandit.
     *
     * @param policy the policy type (see {@link #types()})
     * @param arms the arm names (unique, 1..255 bytes, at least one)
     * @param params {@code "k=v,..."} for the policy and the common parameters (seed, dim,
     *     features, reward_wait, default_reward, remember); null for the defaults
     * @return a new bandit, owned by the caller
     * @throws OtterException NOT_FOUND for an unknown policy; INVALID for bad params or arms
     */
    public static Bandit create(String policy, String[] arms, String params) {
        return new Bandit(Native.banditCreate(policy, arms, params));
    }

    /**
     * Creates a bandit with parameters from a map.
     *
     * @param policy the policy type
     * @param arms the arm names
     * @param params the parameters (null for the defaults)
     * @return a new bandit
     * @throws OtterException as {@link #create(String, String[], String)}
     */
    public static Bandit create(String policy, String[] arms, Map<String, ?> params) {
        return create(policy, arms, Params.text(params));
    }

    /**
     * Rebuilds a bandit from {@link #encode()} bytes (pending decisions included).
     *
     * @param blob the blob
     * @return a new bandit
     * @throws OtterException CORRUPT, VERSION, NOT_FOUND or INVALID as
     *     {@link Learner#decode(byte[])}
     */
    public static Bandit decode(byte[] blob) {
        return new Bandit(Native.banditDecode(blob));
    }

    /**
     * The registered bandit policies.
     *
     * @return their names
     */
    public static String[] types() {
        return Native.banditTypes();
    }

    /**
     * Chooses an arm among all arms, at the system clock.
     *
     * @param context the context (null or empty for non-contextual policies)
     * @param eventId the event id (printable ASCII, 1..63 bytes) or null to have one made
     * @return the decision
     * @throws OtterException EXISTS when the id is pending or was used recently; INVALID
     *     for a bad id or a NaN/Inf context value; STATE if closed
     */
    public Decision rank(Features context, String eventId) {
        return rank(context, eventId, null, null, null, false, 0);
    }

    /**
     * Chooses an arm, with every option of {@code otter_rank_request}. Applies the
     * expiries due at {@code nowMs} first.
     *
     * @param context the context (may be null)
     * @param eventId the event id or null
     * @param candidates the arms to choose from (null: every arm)
     * @param exclude arms not to rank (may be null)
     * @param unit sticky assignment key for the {@code ab} policy (null: the event id)
     * @param defer true: learn from it only after {@link #activate}
     * @param nowMs decision time in ms since the epoch (0: the clock)
     * @return the decision
     * @throws OtterException as {@link #rank(Features, String)}; INVALID for unknown
     *     candidates or an empty candidate set
     */
    public Decision rank(Features context, String eventId, String[] candidates,
            String[] exclude, String unit, boolean defer, long nowMs) {
        try {
            return Decision.decode(Native.banditRank(handle.get(), Learner.buf(context),
                    Learner.len(context), eventId, candidates, exclude, unit, defer, nowMs));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Learns a reward for a pending decision.
     *
     * @param eventId the decision's event id
     * @param reward the reward (finite; some policies need [0, 1])
     * @param nowMs the time in ms since the epoch (0: the clock)
     * @return OK, or UNKNOWN / EXPIRED / DUPLICATE / NOT_ACTIVE (nothing learned)
     * @throws OtterException INVALID for a NaN/Inf reward, one the policy refuses, or a bad
     *     id; STATE if closed
     */
    public EventResult reward(String eventId, double reward, long nowMs) {
        try {
            return EventResult.of(Native.banditReward(handle.get(), eventId, reward, nowMs));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Marks a deferred decision as shown, so that it can be rewarded.
     *
     * @param eventId the decision's event id
     * @param nowMs the time (0: the clock)
     * @return OK, UNKNOWN, EXPIRED, or DUPLICATE when it is active already
     * @throws OtterException INVALID for a bad id; STATE if closed
     */
    public EventResult activate(String eventId, long nowMs) {
        try {
            return EventResult.of(Native.banditActivate(handle.get(), eventId, nowMs));
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Expires the decisions whose wait ended by nowMs (their default rewards are learned;
     * deferred ones are dropped).
     *
     * @param nowMs the time in ms since the epoch (0: the clock)
     * @return how many expired
     * @throws OtterException STATE if closed
     */
    public long expire(long nowMs) {
        try {
            return Native.banditExpire(handle.get(), nowMs);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Adds an arm.
     *
     * @param arm the name
     * @throws OtterException EXISTS if present; INVALID for a bad name; STATE if closed
     */
    public void addArm(String arm) {
        try {
            Native.banditAddArm(handle.get(), arm);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Removes an arm (its pending decisions are dropped when they resolve).
     *
     * @param arm the name
     * @throws OtterException NOT_FOUND if absent; STATE for the last arm or if closed
     */
    public void removeArm(String arm) {
        try {
            Native.banditRemoveArm(handle.get(), arm);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The arms in creation order.
     *
     * @return their names
     * @throws OtterException STATE if closed
     */
    public String[] arms() {
        try {
            return Native.banditArms(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Statistics of the i-th arm (creation order).
     *
     * @param i the arm index
     * @return its statistics
     * @throws OtterException INVALID for an index out of range; STATE if closed
     */
    public ArmStats armStats(int i) {
        try {
            String[] arms = Native.banditArms(handle.get());
            double[] s = Native.banditArmStats(handle.get(), i);
            return new ArmStats(arms[i], (long) s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Pending decisions (waiting for a reward or an activation).
     *
     * @return the count
     * @throws OtterException STATE if closed
     */
    public long pending() {
        return info()[0];
    }

    /**
     * Native memory held, in bytes.
     *
     * @return the bytes
     * @throws OtterException STATE if closed
     */
    public long bytes() {
        return info()[1];
    }

    /**
     * The whole state (arms, counters, pending decisions, the policy's model) as a blob.
     *
     * @return the blob
     * @throws OtterException STATE if closed
     */
    public byte[] encode() {
        try {
            return Native.banditEncode(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The policy name.
     *
     * @return the type
     * @throws OtterException STATE if closed
     */
    public String type() {
        try {
            return Native.banditType(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * The resolved parameters, one "name=value" per line.
     *
     * @return the text
     * @throws OtterException STATE if closed
     */
    public String params() {
        try {
            return Native.banditParams(handle.get());
        } finally {
            Reference.reachabilityFence(this);
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

    /** Frees the native bandit. Idempotent; later calls throw OtterException STATE. */
    @Override
    public void close() {
        handle.close();
    }

    private long[] info() {
        try {
            return Native.banditInfo(handle.get());
        } finally {
            Reference.reachabilityFence(this);
        }
    }
}
