package org.otter.flink;

import java.io.Serializable;

/** A decision to make (input 1 of {@link BanditOperator}). */
public class DecisionRequest implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The bandit's key (a bandit, or a segment with a bandit of its own). */
    public String key;
    /** The decision's id, which its reward will carry; null: the store makes one. */
    public String eventId;
    /** The context (contextual policies), or null. */
    public FeatureRow context;
    /** The arms to choose from, or null for every arm of the bandit. */
    public String[] candidates;

    /** For Flink's POJO serializer. */
    public DecisionRequest() {}

    /**
     * A decision request.
     *
     * @param key the bandit's key
     * @param eventId the decision's id (or null)
     * @param context the context (or null)
     * @param candidates the candidate arms (or null: all)
     */
    public DecisionRequest(String key, String eventId, FeatureRow context, String[] candidates) {
        this.key = key;
        this.eventId = eventId;
        this.context = context;
        this.candidates = candidates;
    }
}
