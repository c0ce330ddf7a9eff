package org.otter.flink;

import java.io.Serializable;
import org.otter.EventResult;

/** A reward the bandit did not learn from (side output {@link BanditOperator#UNMATCHED_REWARDS}). */
public class UnmatchedReward implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The reward as it came. */
    public Reward reward;
    /** Why: UNKNOWN (no such decision), EXPIRED, DUPLICATE or NOT_ACTIVE. */
    public EventResult result;

    /** For Flink's POJO serializer. */
    public UnmatchedReward() {}

    /**
     * An unmatched reward.
     *
     * @param reward the reward
     * @param result why it was not learned
     */
    public UnmatchedReward(Reward reward, EventResult result) {
        this.reward = reward;
        this.result = result;
    }

    @Override
    public String toString() {
        return "UnmatchedReward{" + reward + ", " + result + "}";
    }
}
