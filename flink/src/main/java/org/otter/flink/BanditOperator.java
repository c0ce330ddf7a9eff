package org.otter.flink;

import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The bandit operator: one bandit per key (a bandit, or a segment), decision requests on
 * input 1, rewards on input 2, joined to their decision by event id inside the native
 * store.
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Decided> decisions = requests.keyBy(r -> r.key)
 *         .connect(rewards.keyBy(r -> r.key))
 *         .transform("rank", TypeInformation.of(Decided.class),
 *                 new BanditOperator(BanditOptions.of("thompson", null, "a", "b", "c")));
 * }</pre>
 *
 * <p>A request is ranked by its key's bandit (created on first use from the options), the
 * decision (arm, propensity, event id) goes downstream and is recorded in the store; a
 * reward for it updates the bandit exactly once. Rewards for unknown, expired, already
 * rewarded or never activated decisions are counted and go to {@link #UNMATCHED_REWARDS}.
 * Randomized policies draw from an RNG seeded by (bandit seed, event id), and decision
 * times are the records' timestamps in {@link TimeMode#EVENT}, so a replay makes the same
 * decisions. State is checkpointed as described in {@link NativeStateOperator}; a reward
 * that overtakes its decision on the other input is unknown (feed both through
 * {@link MultiplexedBanditOperator} when their order matters).
 */
public class BanditOperator extends BanditOperatorBase
        implements TwoInputStreamOperator<DecisionRequest, Reward, Decided>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;

    /**
     * @param options the policy, arms and params
     */
    public BanditOperator(BanditOptions options) {
        super(options);
    }

    @Override
    public void processElement1(StreamRecord<DecisionRequest> element) {
        processRequest(element.getValue(), element);
    }

    @Override
    public void processElement2(StreamRecord<Reward> element) {
        processReward(element.getValue(), element);
    }

    @Override
    public void endInput(int inputId) {
        // the bandits are emitted in finish() when emitModelsAtEnd is on
    }
}
