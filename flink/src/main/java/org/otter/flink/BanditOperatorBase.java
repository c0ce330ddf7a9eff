package org.otter.flink;

import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.otter.Decision;
import org.otter.EventResult;
import org.otter.ExpiredEvent;
import org.otter.Features;
import org.otter.OtterException;

/**
 * What the bandit operators share ({@link BanditOperator} with requests and rewards on two
 * inputs, {@link MultiplexedBanditOperator} with both in one stream): rank a request with
 * the key's bandit and record the decision in the native store, reward it by event id.
 */
abstract class BanditOperatorBase extends NativeStateOperator<Decided> {
    private static final long serialVersionUID = 1L;

    /** Rewards not learned from, with the reason. */
    public static final OutputTag<UnmatchedReward> UNMATCHED_REWARDS =
            new OutputTag<>("otter-unmatched-rewards", TypeInformation.of(UnmatchedReward.class));

    private final BanditOptions opts;

    private transient Features context;
    private transient Counter decisions;
    private transient Counter rewards;
    private transient Counter unmatchedRewards;

    BanditOperatorBase(BanditOptions options) {
        super(options);
        this.opts = options;
    }

    @Override
    protected void registerMetrics(MetricGroup m) {
        context = new Features();
        decisions = counter(m, "decisions");
        rewards = counter(m, "rewards");
        unmatchedRewards = counter(m, "unmatchedRewards");
    }

    /**
     * Ranks a request with its key's bandit and emits the decision.
     *
     * @param r the request
     * @param element the record carrying it (its timestamp in event time; reused for output)
     */
    final void processRequest(DecisionRequest r, StreamRecord<?> element) {
        Object key = getCurrentKey();
        int kg = keyGroupOf(key);
        String name = entityName(key);
        Features ctx = r.context == null ? null : r.context.writeTo(context);
        long now = now(element);
        Decision d;
        try {
            d = store.rank(kg, name, ctx, r.eventId, r.candidates, null, null, false, now);
        } catch (OtterException x) {
            if (!"NOT_FOUND".equals(x.status())) {
                throw x;
            }
            store.createBandit(kg, name, opts.policy, opts.arms, opts.params);
            d = store.rank(kg, name, ctx, r.eventId, r.candidates, null, null, false, now);
        }
        decisions.inc();
        output.collect(element.replace(new Decided(r.key, d.eventId(), d.arm(),
                d.probability())));
    }

    /**
     * Rewards a decision, or sends the reward to {@link #UNMATCHED_REWARDS}.
     *
     * @param w the reward
     * @param element the record carrying it
     */
    final void processReward(Reward w, StreamRecord<?> element) {
        Object key = getCurrentKey();
        int kg = keyGroupOf(key);
        String name = entityName(key);
        EventResult res;
        try {
            res = store.reward(kg, name, w.eventId, w.reward, now(element));
        } catch (OtterException x) {
            if (!"NOT_FOUND".equals(x.status())) {
                throw x;
            }
            res = EventResult.UNKNOWN; /* no bandit for this key yet */
        }
        if (res == EventResult.OK) {
            rewards.inc();
            return;
        }
        unmatchedRewards.inc();
        output.collect(UNMATCHED_REWARDS,
                new StreamRecord<>(new UnmatchedReward(w, res), element.getTimestamp()));
    }

    @Override
    protected void onExpired(List<ExpiredEvent> expired, long timestamp) {
        for (int i = 0; i < expired.size(); i++) {
            countExpired();
        }
    }
}
