package org.otter;

/**
 * Counters of a {@link NativeStore}.
 *
 * @param entities learners and bandits in the store
 * @param loaded entities decoded in memory
 * @param dirty entities changed since last persisted
 * @param pendingEvents pending learner events (bandit decisions are counted per bandit)
 * @param logRecords update-log records appended since open (durability sync)
 * @param syncs WAL syncs since open
 * @param replayed log records replayed at open
 * @param lastSnapshot the snapshot the live state descends from (0: none)
 * @param durability the store's durability
 */
public record StoreStats(long entities, long loaded, long dirty, long pendingEvents,
        long logRecords, long syncs, long replayed, long lastSnapshot,
        NativeStore.Durability durability) {}
