package org.otter.flink;

import java.io.Serializable;

/** The label of an earlier event (input 2 of the learning operators), by event id. */
public class Label implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model's key (the same key as the event's). */
    public String key;
    /** The id of the event it labels. */
    public String eventId;
    /** The label: 0/1 (binary), a class 0..K-1, or a value (regression). */
    public double label;
    /** Its weight (finite, &gt; 0). */
    public double weight = 1.0;

    /** For Flink's POJO serializer. */
    public Label() {}

    /**
     * A label of weight 1.
     *
     * @param key the model's key
     * @param eventId the id of the event it labels
     * @param label the label
     */
    public Label(String key, String eventId, double label) {
        this(key, eventId, label, 1.0);
    }

    /**
     * A weighted label.
     *
     * @param key the model's key
     * @param eventId the id of the event it labels
     * @param label the label
     * @param weight the weight
     */
    public Label(String key, String eventId, double label, double weight) {
        this.key = key;
        this.eventId = eventId;
        this.label = label;
        this.weight = weight;
    }

    @Override
    public String toString() {
        return "Label{" + key + ", " + eventId + ", " + label + " x" + weight + "}";
    }
}
