package org.otter.flink;

import java.io.Serializable;

/** A decision made (the output of {@link BanditOperator}). */
public class Decided implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The bandit's key. */
    public String key;
    /** The decision's id (the request's, or one the store made). */
    public String eventId;
    /** The chosen arm. */
    public String arm;
    /** The probability the policy had of choosing it (the propensity, for off-policy evaluation). */
    public double probability;

    /** For Flink's POJO serializer. */
    public Decided() {}

    /**
     * A decision.
     *
     * @param key the bandit's key
     * @param eventId the decision's id
     * @param arm the chosen arm
     * @param probability its propensity
     */
    public Decided(String key, String eventId, String arm, double probability) {
        this.key = key;
        this.eventId = eventId;
        this.arm = arm;
        this.probability = probability;
    }

    @Override
    public String toString() {
        return "Decided{" + key + ", " + eventId + ", " + arm + ", p=" + probability + "}";
    }
}
