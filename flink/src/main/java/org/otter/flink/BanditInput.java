package org.otter.flink;

import java.io.Serializable;

/** A decision request or a reward in one stream, for {@link MultiplexedBanditOperator}. */
public class BanditInput implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The request, or null. */
    public DecisionRequest request;
    /** The reward, or null. */
    public Reward reward;

    /** For Flink's POJO serializer. */
    public BanditInput() {}

    /**
     * A request.
     *
     * @param r the request
     * @return the tagged record
     */
    public static BanditInput of(DecisionRequest r) {
        BanditInput in = new BanditInput();
        in.request = r;
        return in;
    }

    /**
     * A reward.
     *
     * @param w the reward
     * @return the tagged record
     */
    public static BanditInput of(Reward w) {
        BanditInput in = new BanditInput();
        in.reward = w;
        return in;
    }

    /**
     * The bandit's key (for {@code keyBy}).
     *
     * @return the key
     */
    public String key() {
        return request != null ? request.key : reward.key;
    }
}
