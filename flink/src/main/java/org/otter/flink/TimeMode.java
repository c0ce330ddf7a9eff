package org.otter.flink;

/** Which clock the operators' deadlines (label TTL, bandit reward waits) follow. */
public enum TimeMode {
    /**
     * The task manager's wall clock: a deadline is the processing time of the event plus
     * the TTL, and expired events are collected by a processing-time callback every
     * {@link OperatorOptions#expiryInterval} ms (not checkpointed: the deadlines live in the
     * store, so a restored operator just starts ticking again).
     */
    PROCESSING,
    /**
     * Event time: a deadline is the record's timestamp plus the TTL, and events expire when
     * the operator's watermark passes their deadline. Deterministic given the input: a
     * replay expires exactly what the original run expired. Records must carry timestamps.
     */
    EVENT
}
