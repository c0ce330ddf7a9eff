package org.otter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A bandit's decision: the chosen arm, the probability with which it was chosen (the
 * propensity, needed for off-policy evaluation) and the full ranking. The decision is
 * pending under {@link #eventId()} until it is rewarded or expires. Immutable.
 */
public final class Decision {
    /**
     * One ranked arm.
     *
     * @param arm the arm name
     * @param score the policy's score (higher ranks first after the chosen arm)
     * @param probability the probability that the policy would choose this arm for this
     *     context
     */
    public record RankedArm(String arm, double score, double probability) {}

    private final String eventId;
    private final boolean estimated;
    private final List<RankedArm> ranking;

    private Decision(String eventId, boolean estimated, List<RankedArm> ranking) {
        this.eventId = eventId;
        this.estimated = estimated;
        this.ranking = ranking;
    }

    /*
     * Native layout (little-endian): u8 event id length, id bytes, u8 propensity estimated,
     * u32 n, then per arm: u16 name length, name bytes, f64 score, f64 probability.
     */
    static Decision decode(byte[] b) {
        ByteBuffer in = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        String id = str(in, in.get() & 0xFF);
        boolean est = in.get() != 0;
        int n = in.getInt();
        List<RankedArm> r = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String arm = str(in, in.getShort() & 0xFFFF);
            double score = in.getDouble();
            r.add(new RankedArm(arm, score, in.getDouble()));
        }
        return new Decision(id, est, Collections.unmodifiableList(r));
    }

    private static String str(ByteBuffer in, int len) {
        String s = new String(in.array(), in.position(), len, StandardCharsets.UTF_8);
        in.position(in.position() + len);
        return s;
    }

    /**
     * The event id the decision is pending under (the caller's, or one made up).
     *
     * @return the id
     */
    public String eventId() {
        return eventId;
    }

    /**
     * The chosen arm (the first of the ranking).
     *
     * @return the arm name
     */
    public String arm() {
        return ranking.get(0).arm();
    }

    /**
     * The probability with which the chosen arm was chosen (the propensity).
     *
     * @return the probability in (0, 1]
     */
    public double probability() {
        return ranking.get(0).probability();
    }

    /**
     * Whether the probabilities were estimated by sampling (no closed form for the policy).
     *
     * @return true when estimated
     */
    public boolean probabilityEstimated() {
        return estimated;
    }

    /**
     * Every candidate arm: the chosen one first, then by score, highest first.
     *
     * @return an unmodifiable list
     */
    public List<RankedArm> ranking() {
        return ranking;
    }

    @Override
    public String toString() {
        return "Decision{" + eventId + ": " + arm() + " p=" + probability() + "}";
    }
}
