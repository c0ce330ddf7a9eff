package org.otter.flink;

import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * {@link BanditOperator} fed one stream of requests and rewards ({@link BanditInput}): every
 * key's requests and rewards keep their order, so a reward never overtakes its decision,
 * and a replay with one upstream channel per key ends bit-identical to an uninterrupted
 * run.
 */
public class MultiplexedBanditOperator extends BanditOperatorBase
        implements OneInputStreamOperator<BanditInput, Decided>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /**
     * @param options the policy, arms and params
     */
    public MultiplexedBanditOperator(BanditOptions options) {
        super(options);
    }

    @Override
    public void processElement(StreamRecord<BanditInput> element) {
        BanditInput in = element.getValue();
        if (in.request != null) {
            processRequest(in.request, element);
        } else if (in.reward != null) {
            processReward(in.reward, element);
        }
    }

    @Override
    public void endInput() {
        // the bandits are emitted in finish() when emitModelsAtEnd is on
    }
}
