package org.otter.flink;

import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * {@link OnlineLearningOperator} fed one stream of events and labels ({@link LearningInput}),
 * with the same options, outputs and state. With one stream, every key's events and labels
 * reach the operator in the order they were produced whenever the key has a single
 * upstream channel (for instance a source of parallelism 1, or a source partitioned by the
 * same key), and a replay after a failure delivers them in the same order: a restored job
 * ends bit-identical to one that never failed.
 *
 * <pre>{@code
 * inputs.keyBy(LearningInput::key)
 *       .transform("learn", TypeInformation.of(Scored.class),
 *               new MultiplexedLearningOperator(LearnerOptions.of("logreg")));
 * }</pre>
 */
public class MultiplexedLearningOperator extends LearningOperatorBase
        implements OneInputStreamOperator<LearningInput, Scored>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /**
     * @param options the learner and label options
     */
    public MultiplexedLearningOperator(LearnerOptions options) {
        super(options);
    }

    @Override
    public void processElement(StreamRecord<LearningInput> element) {
        LearningInput in = element.getValue();
        if (in.event != null) {
            processEvent(in.event, element);
        } else if (in.label != null) {
            processLabel(in.label, element);
        }
    }

    @Override
    public void endInput() {
        // the models are emitted in finish()
    }
}
