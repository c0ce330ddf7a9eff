package org.otter.flink.bench;

import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.otter.flink.Event;
import org.otter.flink.Label;
import org.otter.flink.Scored;

/**
 * The fraud job's scoring and learning written in plain Flink, the way a user would do it
 * by hand: per key, the model ({@link PlainLogReg}) as a {@code double[]} in
 * {@code ValueState}, and each scored event, hashed, in {@code MapState} by event id with a
 * processing-time TTL (the label TTL of {@code OnlineLearningOperator}: an event whose label
 * does not come within it is dropped). An event is scored and its score goes out; its label
 * takes the stored event once, the model learns from it, and a label without a pending event
 * is counted (Otter's operator sends it to a side output). Run on the RocksDB state backend,
 * each access (de)serializes the value: the model is read and written whole per label, read
 * per event.
 */
public final class PlainFraudFunction extends KeyedCoProcessFunction<String, Event, Label, Scored> {
    private static final long serialVersionUID = 1L;

    private final int bits;
    private final boolean standardize;
    private final long labelTtlMs;

    private transient PlainLogReg model;
    private transient ValueState<double[]> weights;
    private transient MapState<String, PlainLogReg.Hashed> pending;
    private transient Counter unknownLabels;

    /**
     * @param bits Otter's {@code bits}
     * @param standardize Otter's {@code standardize}
     * @param labelTtlMs how long a scored event waits for its label
     */
    public PlainFraudFunction(int bits, boolean standardize, long labelTtlMs) {
        this.bits = bits;
        this.standardize = standardize;
        this.labelTtlMs = labelTtlMs;
    }

    @Override
    public void open(OpenContext ctx) {
        model = new PlainLogReg(bits, 0.5, standardize);
        weights = getRuntimeContext().getState(new ValueStateDescriptor<>("model",
                PrimitiveArrayTypeInfo.DOUBLE_PRIMITIVE_ARRAY_TYPE_INFO));
        MapStateDescriptor<String, PlainLogReg.Hashed> d = new MapStateDescriptor<>("pending",
                Types.STRING, TypeInformation.of(PlainLogReg.Hashed.class));
        d.enableTimeToLive(StateTtlConfig.newBuilder(Duration.ofMillis(labelTtlMs))
                .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                .build());
        pending = getRuntimeContext().getMapState(d);
        unknownLabels = getRuntimeContext().getMetricGroup().counter("unknownLabels");
    }

    @Override
    public void processElement1(Event e, Context ctx, Collector<Scored> out) throws Exception {
        double[] s = weights.value();
        if (s == null) {
            s = model.newState();
            weights.update(s);
        }
        PlainLogReg.Hashed h = model.hash(e.features);
        double m = model.margin(s, h);
        double p = PlainLogReg.sigmoid(m);
        pending.put(e.eventId, h);
        out.collect(new Scored(e.key, e.eventId, m, p, p >= 0.5 ? 1 : 0));
    }

    @Override
    public void processElement2(Label l, Context ctx, Collector<Scored> out) throws Exception {
        PlainLogReg.Hashed h = pending.get(l.eventId);
        if (h == null) {
            unknownLabels.inc();
            return;
        }
        pending.remove(l.eventId);
        double[] s = weights.value();
        model.learn(s, h, l.label, l.weight);
        weights.update(s);
    }
}
