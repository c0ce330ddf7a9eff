package org.otter.flink;

import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * The online learning operator: one model per key, scoring events on input 1 and learning
 * from their labels on input 2. Use it on connected keyed streams:
 *
 * <pre>{@code
 * SingleOutputStreamOperator<Scored> scores = events.keyBy(e -> e.key)
 *         .connect(labels.keyBy(l -> l.key))
 *         .transform("learn", TypeInformation.of(Scored.class),
 *                 new OnlineLearningOperator(LearnerOptions.of("logreg")));
 * DataStream<UnmatchedLabel> unmatched =
 *         scores.getSideOutput(OnlineLearningOperator.UNMATCHED_LABELS);
 * }</pre>
 *
 * <p>An event is scored by its key's model (created on first use from the options' learner
 * type and params), the score goes downstream with the event id, and the event stays
 * pending in the subtask's native store until its label arrives (the model then learns
 * from the stored instance, exactly once) or the label TTL passes. A label without a
 * pending event is counted and sent to {@link #UNMATCHED_LABELS}, or held for its event
 * when {@link LearnerOptions#earlyLabels} is on. State is checkpointed as described in
 * {@link NativeStateOperator}.
 *
 * <p>Exactly-once: after a restore the operator's state is that of the checkpoint, and
 * Flink replays the records after it. Records of different inputs (or different
 * upstream channels) may interleave differently in the replay, so a learner may see a
 * label before or after another key's event in another order; per key, the result is the
 * same only when the key's events and labels come in the same order, which
 * {@link MultiplexedLearningOperator} with one upstream channel per key guarantees.
 */
public class OnlineLearningOperator extends LearningOperatorBase
        implements TwoInputStreamOperator<Event, Label, Scored>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;

    /**
     * @param options the learner and label options
     */
    public OnlineLearningOperator(LearnerOptions options) {
        super(options);
    }

    @Override
    public void processElement1(StreamRecord<Event> element) {
        processEvent(element.getValue(), element);
    }

    @Override
    public void processElement2(StreamRecord<Label> element) {
        processLabel(element.getValue(), element);
    }

    @Override
    public void endInput(int inputId) {
        // the models are emitted in finish(), after both inputs ended
    }
}
