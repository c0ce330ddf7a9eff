package org.otter.flink;

import java.io.Serializable;

/** The score of an event (the learning operators' output). */
public class Scored implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model's key. */
    public String key;
    /** The event's id (null if it had none). */
    public String eventId;
    /** The raw score: log-odds for binary linear models, the value for regression. */
    public double score;
    /** P(label = 1) for binary learners with probabilities; NaN otherwise. */
    public double probability;
    /** The predicted class (binary and multiclass); 0 for regression. */
    public int predictedClass;

    /** For Flink's POJO serializer. */
    public Scored() {}

    /**
     * A score.
     *
     * @param key the model's key
     * @param eventId the event id
     * @param score the raw score
     * @param probability the probability or NaN
     * @param predictedClass the predicted class
     */
    public Scored(String key, String eventId, double score, double probability,
            int predictedClass) {
        this.key = key;
        this.eventId = eventId;
        this.score = score;
        this.probability = probability;
        this.predictedClass = predictedClass;
    }

    @Override
    public String toString() {
        return "Scored{" + key + ", " + eventId + ", " + score + ", p=" + probability + "}";
    }
}
