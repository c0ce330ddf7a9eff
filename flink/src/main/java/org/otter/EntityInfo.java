package org.otter;

/**
 * What a {@link NativeStore} knows of an entity (a learner or a bandit).
 *
 * @param kind LEARNER or BANDIT
 * @param keyGroup its key group
 * @param name its name
 * @param type its learner type or bandit policy
 * @param version updates applied since creation (learns, rewards, ...)
 * @param bytes native memory of the decoded model (0 when not loaded)
 * @param dirty whether it changed since it was last persisted
 */
public record EntityInfo(Kind kind, int keyGroup, String name, String type, long version,
        long bytes, boolean dirty) {
    /** The two kinds of entity. */
    public enum Kind {
        /** A learner ({@link Learner} blobs). */
        LEARNER,
        /** A bandit ({@link Bandit} blobs). */
        BANDIT
    }
}
