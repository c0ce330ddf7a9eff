package org.otter.flink;

import java.io.Serializable;

/** The reward of an earlier decision (input 2 of {@link BanditOperator}), by event id. */
public class Reward implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The bandit's key. */
    public String key;
    /** The decision's id. */
    public String eventId;
    /** The reward (in [0, 1] for Bernoulli policies). */
    public double reward;

    /** For Flink's POJO serializer. */
    public Reward() {}

    /**
     * A reward.
     *
     * @param key the bandit's key
     * @param eventId the decision's id
     * @param reward the reward
     */
    public Reward(String key, String eventId, double reward) {
        this.key = key;
        this.eventId = eventId;
        this.reward = reward;
    }

    @Override
    public String toString() {
        return "Reward{" + key + ", " + eventId + ", " + reward + "}";
    }
}
