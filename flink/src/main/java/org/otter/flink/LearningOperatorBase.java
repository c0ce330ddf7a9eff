package org.otter.flink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;
import org.otter.EventResult;
import org.otter.ExpiredEvent;
import org.otter.Features;
import org.otter.OtterException;
import org.otter.Prediction;

/**
 * What the two learning operators share ({@link OnlineLearningOperator} with events and
 * labels on two inputs, {@link MultiplexedLearningOperator} with both in one stream): score
 * an event and keep it as a pending event in the native store, learn from the stored
 * instance when its label comes, send labels without an event to a side output.
 *
 * <p>Held labels (early labels, when {@link LearnerOptions#earlyLabels} is on) are generic
 * pending events of the entity {@code <name>#early} in the key's key group: they are
 * checkpointed, restored and rescaled with the key's model.
 */
abstract class LearningOperatorBase extends NativeStateOperator<Scored> {
    private static final long serialVersionUID = 1L;

    /** Labels not learned from: unknown event, or an early label whose event never came. */
    public static final OutputTag<UnmatchedLabel> UNMATCHED_LABELS =
            new OutputTag<>("otter-unmatched-labels", TypeInformation.of(UnmatchedLabel.class));

    static final String HELD = "#early";

    private final LearnerOptions opts;

    private transient Features features;
    private transient Prediction prediction;
    private transient ByteBuffer heldBuf;
    private transient Counter predictions;
    private transient Counter learns;
    private transient Counter unknownLabels;
    private transient Counter heldLabels;
    private transient Counter duplicateEvents;
    private transient Counter invalidRecords;

    LearningOperatorBase(LearnerOptions options) {
        super(options);
        this.opts = options;
    }

    @Override
    protected void registerMetrics(MetricGroup m) {
        features = new Features();
        prediction = new Prediction();
        heldBuf = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        predictions = counter(m, "predictions");
        learns = counter(m, "learns");
        unknownLabels = counter(m, "unknownLabels");
        heldLabels = counter(m, "heldLabels");
        duplicateEvents = counter(m, "duplicateEvents");
        invalidRecords = counter(m, "invalidRecords");
        m.gauge("pendingEvents", () -> guarded(() -> store.stats().pendingEvents()));
    }

    /**
     * Scores an event, emits the score, keeps the event until its label (or TTL), and
     * learns at once from a label held for it.
     *
     * @param e the event
     * @param record the record carrying it (its timestamp in event time; reused for output)
     */
    final void processEvent(Event e, StreamRecord<?> record) {
        Object key = getCurrentKey();
        int kg = keyGroupOf(key);
        String name = entityName(key);
        try {
            e.features.writeTo(features);
        } catch (IllegalArgumentException | OtterException bad) {
            invalid(bad, e);
            return;
        }
        String id = e.eventId;
        long deadline = id == null ? 0 : deadline(record, opts.labelTtl);
        try {
            predict(kg, name, id, deadline);
        } catch (OtterException x) {
            if (id != null && "EXISTS".equals(x.status())) {
                /* the id is pending already: score, keep the first */
                duplicateEvents.inc();
                id = null;
                predict(kg, name, null, 0);
            } else if ("INVALID".equals(x.status())) {
                invalid(x, e);
                return;
            } else {
                throw x;
            }
        }
        predictions.inc();
        double p = prediction.hasProbability() ? prediction.probability() : Double.NaN;
        output.collect(record.replace(new Scored(e.key, e.eventId, prediction.score(), p,
                prediction.label())));
        if (id != null && opts.earlyLabels) {
            byte[] held = store.eventTake(kg, name + HELD, id);
            if (held != null) {
                ByteBuffer b = ByteBuffer.wrap(held).order(ByteOrder.LITTLE_ENDIAN);
                double label = b.getDouble(0), weight = b.getDouble(8);
                if (store.feedback(kg, name, id, label, weight, null) == EventResult.OK) {
                    learns.inc();
                }
            }
        }
    }

    private void predict(int kg, String name, String id, long deadline) {
        try {
            store.predictEvent(kg, name, features, id, deadline, prediction);
        } catch (OtterException x) {
            if (!"NOT_FOUND".equals(x.status())) {
                throw x;
            }
            /* first event of this key: its model */
            store.createLearner(kg, name, opts.type, opts.params);
            store.predictEvent(kg, name, features, id, deadline, prediction);
        }
    }

    /**
     * Learns from a label's pending event, holds an early label, or sends it to
     * {@link #UNMATCHED_LABELS}.
     *
     * @param l the label
     * @param record the record carrying it
     */
    final void processLabel(Label l, StreamRecord<?> record) {
        Object key = getCurrentKey();
        int kg = keyGroupOf(key);
        String name = entityName(key);
        EventResult r;
        try {
            r = store.feedback(kg, name, l.eventId, l.label, l.weight, null);
        } catch (OtterException x) {
            if ("NOT_FOUND".equals(x.status())) {
                r = EventResult.UNKNOWN; /* no model for this key yet */
            } else if ("INVALID".equals(x.status())) {
                invalid(x, l);
                return;
            } else {
                throw x;
            }
        }
        if (r == EventResult.OK) {
            learns.inc();
            return;
        }
        if (opts.earlyLabels && l.eventId != null) {
            heldBuf.putDouble(0, l.label).putDouble(8, l.weight);
            if (store.eventPut(kg, name + HELD, l.eventId, heldBuf.array(),
                    deadline(record, opts.heldTtl()))) {
                heldLabels.inc();
                return;
            }
        }
        unknownLabels.inc();
        output.collect(UNMATCHED_LABELS, new StreamRecord<>(new UnmatchedLabel(l.key, l.eventId,
                l.label, UnmatchedLabel.Reason.UNKNOWN_EVENT), record.getTimestamp()));
    }

    @Override
    protected void onExpired(List<ExpiredEvent> expired, long timestamp) {
        for (ExpiredEvent x : expired) {
            String entity = x.entity();
            if (entity.endsWith(HELD)) {
                unknownLabels.inc();
                String key = keyOf(entity.substring(0, entity.length() - HELD.length()));
                output.collect(UNMATCHED_LABELS, new StreamRecord<>(new UnmatchedLabel(key,
                        x.eventId(), Double.NaN, UnmatchedLabel.Reason.HELD_LABEL_EXPIRED),
                        timestamp));
            } else {
                countExpired();
            }
        }
    }

    private void invalid(RuntimeException x, Object what) {
        if (invalidRecords.getCount() == 0) {
            LOG.warn("{}: skipping an invalid record ({}); further ones are only counted "
                    + "(metric invalidRecords): {}", getOperatorName(), x.getMessage(), what);
        }
        invalidRecords.inc();
    }
}
