package org.otter.flink;

/**
 * Options of the learning operators ({@link OnlineLearningOperator},
 * {@link MultiplexedLearningOperator}): the learner each key gets, how long a scored event
 * waits for its label, and what happens to labels that come before their event.
 *
 * <pre>{@code
 * LearnerOptions o = LearnerOptions.of("logreg", "optimizer=ftrl,standardize=true")
 *         .labelTtl(Duration.ofHours(1).toMillis())
 *         .earlyLabels(true);
 * }</pre>
 */
public final class LearnerOptions extends OperatorOptions<LearnerOptions> {
    private static final long serialVersionUID = 1L;

    String type;
    String params;
    long labelTtl = 3_600_000L;
    boolean earlyLabels;
    long earlyLabelTtl = -1;

    private LearnerOptions() {}

    /**
     * Options for a learner type ({@code otter list} names them) with its default params.
     *
     * @param type the learner type, such as "logreg" or "hoeffding"
     * @return the options
     */
    public static LearnerOptions of(String type) {
        return of(type, null);
    }

    /**
     * Options for a learner type and params.
     *
     * @param type the learner type
     * @param params {@code "k=v,..."} or null for the defaults
     * @return the options
     */
    public static LearnerOptions of(String type, String params) {
        LearnerOptions o = new LearnerOptions();
        o.type = type;
        o.params = params;
        return o;
    }

    /**
     * How long (ms) a scored event waits for its label before it expires (default one
     * hour). Its clock is {@link #timeMode}.
     *
     * @param ms the TTL
     * @return these options
     */
    public LearnerOptions labelTtl(long ms) {
        this.labelTtl = ms;
        return this;
    }

    /**
     * Whether a label that arrives before its event is held (in the store, under the
     * key's key group) and learned from when the event arrives (default off: such a label
     * is unknown and goes to the side output at once).
     *
     * @param on true to hold early labels
     * @return these options
     */
    public LearnerOptions earlyLabels(boolean on) {
        this.earlyLabels = on;
        return this;
    }

    /**
     * How long (ms) an early label waits for its event (default: {@link #labelTtl}).
     *
     * @param ms the TTL
     * @return these options
     */
    public LearnerOptions earlyLabelTtl(long ms) {
        this.earlyLabelTtl = ms;
        return this;
    }

    long heldTtl() {
        return earlyLabelTtl >= 0 ? earlyLabelTtl : labelTtl;
    }

    /**
     * The learner type.
     *
     * @return the type
     */
    public String type() {
        return type;
    }

    /**
     * The learner params.
     *
     * @return the params text or null
     */
    public String params() {
        return params;
    }

    @Override
    public void validate() {
        super.validate();
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("learner type is required");
        }
        if (labelTtl < 1) {
            throw new IllegalArgumentException("labelTtl must be >= 1 ms, not " + labelTtl);
        }
        if (earlyLabelTtl == 0 || earlyLabelTtl < -1) {
            throw new IllegalArgumentException("earlyLabelTtl must be >= 1 ms, not "
                    + earlyLabelTtl);
        }
    }
}
