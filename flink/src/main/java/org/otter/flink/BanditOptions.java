package org.otter.flink;

/**
 * Options of {@link BanditOperator}: the policy, arms and params every key's bandit is
 * created with on first use. How long a decision waits for its reward, and the reward it
 * gets when none comes, are the policy's own params ({@code reward_wait},
 * {@code default_reward}; see {@code otter list}).
 */
public final class BanditOptions extends OperatorOptions<BanditOptions> {
    private static final long serialVersionUID = 1L;

    String policy;
    String[] arms;
    String params;

    private BanditOptions() {}

    /**
     * Options for a policy and its arms.
     *
     * @param policy the policy, such as "thompson" or "linucb"
     * @param params {@code "k=v,..."} or null
     * @param arms the arms every bandit starts with
     * @return the options
     */
    public static BanditOptions of(String policy, String params, String... arms) {
        BanditOptions o = new BanditOptions();
        o.policy = policy;
        o.params = params;
        o.arms = arms == null ? null : arms.clone();
        return o;
    }

    @Override
    public void validate() {
        super.validate();
        if (policy == null || policy.isEmpty()) {
            throw new IllegalArgumentException("bandit policy is required");
        }
        if (arms == null || arms.length == 0) {
            throw new IllegalArgumentException("bandit arms are required");
        }
        for (String a : arms) {
            if (a == null || a.isEmpty()) {
                throw new IllegalArgumentException("bandit arm names must not be empty");
            }
        }
    }
}
