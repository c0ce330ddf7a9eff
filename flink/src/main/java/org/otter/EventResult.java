package org.otter;

/**
 * The outcome of a call that refers to an earlier event by id (a label for a scored event,
 * a reward for a decision). Outcomes other than {@link #OK} are normal in a stream (labels
 * arrive late, twice, or for events scored elsewhere), so they are returned, not thrown;
 * the call changed nothing for them.
 */
public enum EventResult {
    /** The event was found and the model learned from it. */
    OK,
    /** No such pending event: never recorded, resolved already, expired, or forgotten. */
    UNKNOWN,
    /** The event expired before this call (bandits remember expired ids for a while). */
    EXPIRED,
    /** The event was resolved already (a second reward or activation). */
    DUPLICATE,
    /** A deferred decision that was never activated cannot be rewarded. */
    NOT_ACTIVE;

    private static final EventResult[] VALUES = values();

    static EventResult of(int code) {
        return VALUES[code];
    }
}
