package org.otter.flink;

import java.io.Serializable;

/**
 * An event or a label in one stream, for {@link MultiplexedLearningOperator}: exactly one
 * of {@link #event} and {@link #label} is set. One stream keeps, for every key, the order
 * in which its events and labels were produced: with a single upstream channel per key,
 * a replay after a failure feeds the operator the same sequence, which is what makes a
 * restored run bit-identical to an uninterrupted one.
 */
public class LearningInput implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The event, or null. */
    public Event event;
    /** The label, or null. */
    public Label label;

    /** For Flink's POJO serializer. */
    public LearningInput() {}

    /**
     * An event to score.
     *
     * @param e the event
     * @return the tagged record
     */
    public static LearningInput of(Event e) {
        LearningInput in = new LearningInput();
        in.event = e;
        return in;
    }

    /**
     * A label.
     *
     * @param l the label
     * @return the tagged record
     */
    public static LearningInput of(Label l) {
        LearningInput in = new LearningInput();
        in.label = l;
        return in;
    }

    /**
     * The model's key of the event or label (for {@code keyBy}).
     *
     * @return the key
     */
    public String key() {
        return event != null ? event.key : label.key;
    }

    @Override
    public String toString() {
        return event != null ? event.toString() : String.valueOf(label);
    }
}
