package org.otter.flink;

import java.io.Serializable;

/**
 * An event to score (input 1 of the learning operators): the model's key, the event id its
 * label will refer to, and its features.
 */
public class Event implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model's key (the stream is keyed by it). */
    public String key;
    /** The event id (printable ASCII, 1..63 bytes) its label will carry; null: score only. */
    public String eventId;
    /** The features. */
    public FeatureRow features;

    /** For Flink's POJO serializer. */
    public Event() {}

    /**
     * An event.
     *
     * @param key the model's key
     * @param eventId the event id (null: score only, nothing kept)
     * @param features the features
     */
    public Event(String key, String eventId, FeatureRow features) {
        this.key = key;
        this.eventId = eventId;
        this.features = features;
    }

    @Override
    public String toString() {
        return "Event{" + key + ", " + eventId + ", " + features + "}";
    }
}
