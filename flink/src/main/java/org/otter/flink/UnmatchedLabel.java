package org.otter.flink;

import java.io.Serializable;

/**
 * A label the learning operator could not learn from (its side output
 * {@link OnlineLearningOperator#UNMATCHED_LABELS}).
 */
public class UnmatchedLabel implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Why the label was not learned. */
    public enum Reason {
        /**
         * No pending event with that id: never scored (with early labels off), labelled
         * already, or expired before the label came.
         */
        UNKNOWN_EVENT,
        /** An early label held for its event, whose event did not come before the TTL. */
        HELD_LABEL_EXPIRED
    }

    /** The model's key. */
    public String key;
    /** The event id the label named. */
    public String eventId;
    /** The label (NaN for {@link Reason#HELD_LABEL_EXPIRED}: the store keeps only ids). */
    public double label;
    /** Why. */
    public Reason reason;

    /** For Flink's POJO serializer. */
    public UnmatchedLabel() {}

    /**
     * An unmatched label.
     *
     * @param key the model's key
     * @param eventId the event id
     * @param label the label or NaN
     * @param reason why
     */
    public UnmatchedLabel(String key, String eventId, double label, Reason reason) {
        this.key = key;
        this.eventId = eventId;
        this.label = label;
        this.reason = reason;
    }

    @Override
    public String toString() {
        return "UnmatchedLabel{" + key + ", " + eventId + ", " + label + ", " + reason + "}";
    }
}
