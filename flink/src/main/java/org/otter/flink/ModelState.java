package org.otter.flink;

import java.io.Serializable;

/**
 * A model's encoded state, emitted at the end of a bounded input when
 * {@link OperatorOptions#emitModelsAtEnd} is on (side output
 * {@link NativeStateOperator#MODELS}). The blob is the same bytes as
 * {@link org.otter.Learner#encode()} / {@link org.otter.Bandit#encode()}, otterd's
 * {@code GET .../state} and {@code otter eval --save}.
 */
public class ModelState implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The model's key (as a string). */
    public String key;
    /** Its key group. */
    public int keyGroup;
    /** Learner type or bandit policy. */
    public String type;
    /** Updates applied since creation (learns, rewards). */
    public long version;
    /** The encoded state. */
    public byte[] state;

    /** For Flink's POJO serializer. */
    public ModelState() {}

    /**
     * A model's state.
     *
     * @param key the key
     * @param keyGroup its key group
     * @param type learner type or bandit policy
     * @param version updates applied
     * @param state the blob
     */
    public ModelState(String key, int keyGroup, String type, long version, byte[] state) {
        this.key = key;
        this.keyGroup = keyGroup;
        this.type = type;
        this.version = version;
        this.state = state;
    }

    @Override
    public String toString() {
        return "ModelState{" + key + ", kg " + keyGroup + ", " + type + ", v" + version + ", "
                + (state == null ? 0 : state.length) + " bytes}";
    }
}
