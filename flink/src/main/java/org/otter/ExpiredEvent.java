package org.otter;

/**
 * A pending learner event that expired without its label (see
 * {@link NativeStore#expire(long)}).
 *
 * @param keyGroup the entity's key group
 * @param entity the entity name
 * @param eventId the event id given to {@link NativeStore#predictEvent}
 * @param deadlineMs its deadline, ms since the epoch
 */
public record ExpiredEvent(int keyGroup, String entity, String eventId, long deadlineMs) {}
