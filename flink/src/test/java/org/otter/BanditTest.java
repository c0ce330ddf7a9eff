package org.otter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bandits through Java: a simulated 3-arm problem, events, encode/decode, contexts. */
class BanditTest {
    static final String[] ARMS = {"a", "b", "c"};
    static final double[] P = {0.2, 0.5, 0.8};

    @Test
    void thompsonFindsTheBestArm() {
        Random world = new Random(9);
        int best = 0;
        try (Bandit b = Bandit.create("thompson", ARMS, "seed=5")) {
            for (int t = 0; t < 3000; t++) {
                Decision d = b.rank(null, "e" + t, null, null, null, false, 1_000_000 + t);
                assertEquals("e" + t, d.eventId());
                assertEquals(3, d.ranking().size());
                assertTrue(d.probability() > 0 && d.probability() <= 1);
                int arm = d.arm().charAt(0) - 'a';
                double r = world.nextDouble() < P[arm] ? 1 : 0;
                assertEquals(EventResult.OK, b.reward(d.eventId(), r, 1_000_000 + t));
                if (t >= 2000 && arm == 2) {
                    best++;
                }
            }
            assertTrue(best > 800, "best arm chosen " + best + " of the last 1000");
            ArmStats s = b.armStats(2);
            assertEquals("c", s.arm());
            assertEquals(0.8, s.mean(), 0.05);
            assertEquals(0, b.pending());
        }
    }

    @Test
    void eventsResolveOnce() {
        try (Bandit b = Bandit.create("epsilon-greedy", ARMS, "seed=1,reward_wait=10")) {
            Decision d = b.rank(null, "x1", null, null, null, false, 1000);
            assertEquals(1, b.pending());
            assertEquals(EventResult.OK, b.reward("x1", 1, 2000));
            assertEquals(EventResult.DUPLICATE, b.reward("x1", 1, 2000));
            assertEquals(EventResult.UNKNOWN, b.reward("never", 1, 2000));
            b.rank(null, "x2", null, null, null, false, 3000);
            assertEquals(1, b.expire(3000 + 11_000));
            assertEquals(EventResult.EXPIRED, b.reward("x2", 1, 3000 + 12_000));
            Decision deferred = b.rank(null, "x3", null, null, null, true, 20_000);
            assertEquals(EventResult.NOT_ACTIVE, b.reward("x3", 1, 20_001));
            assertEquals(EventResult.OK, b.activate("x3", 20_002));
            assertEquals(EventResult.DUPLICATE, b.activate("x3", 20_003));
            assertEquals(EventResult.OK, b.reward("x3", 1, 20_004));
            Decision only = b.rank(null, "x4", new String[] {"b"}, null, null, false, 21_000);
            assertEquals("b", only.arm());
            Decision notA = b.rank(null, "x5", null, new String[] {"a", "b"}, null, false, 21_000);
            assertEquals("c", notA.arm());
            assertTrue(d.toString().contains("x1") && deferred.eventId().equals("x3"));
        }
    }

    @Test
    void armsAndEncodeDecode() {
        try (Bandit b = Bandit.create("ucb1", ARMS, (String) null)) {
            for (int t = 0; t < 50; t++) {
                Decision d = b.rank(null, null, null, null, null, false, 5000 + t);
                assertTrue(d.eventId().length() > 0);
                b.reward(d.eventId(), d.arm().equals("b") ? 1 : 0, 5000 + t);
            }
            b.addArm("d");
            b.removeArm("a");
            assertArrayEquals(new String[] {"b", "c", "d"}, b.arms());
            b.rank(null, "pending-1", null, null, null, false, 6000);
            byte[] blob = b.encode();
            try (Bandit c = Bandit.decode(blob)) {
                assertArrayEquals(blob, c.encode());
                assertEquals("ucb1", c.type());
                assertEquals(1, c.pending());
                assertEquals(EventResult.OK, c.reward("pending-1", 1, 6001));
                assertEquals(EventResult.OK, b.reward("pending-1", 1, 6001));
                Decision x = b.rank(null, "same", null, null, null, false, 7000);
                Decision y = c.rank(null, "same", null, null, null, false, 7000);
                assertEquals(x.ranking(), y.ranking());
                assertArrayEquals(b.encode(), c.encode());
            }
        }
    }

    @Test
    void linucbUsesTheContext() {
        Random rnd = new Random(2);
        Features ctx = new Features();
        int right = 0;
        try (Bandit b = Bandit.create("linucb", new String[] {"left", "right"},
                "dim=2,seed=3,alpha=0.5")) {
            for (int t = 0; t < 2000; t++) {
                boolean leftUser = rnd.nextBoolean();
                ctx.clear().dense(leftUser ? new double[] {1, 0} : new double[] {0, 1});
                Decision d = b.rank(ctx, "u" + t, null, null, null, false, 100 + t);
                boolean good = d.arm().equals(leftUser ? "left" : "right");
                b.reward(d.eventId(), good ? 1 : 0, 100 + t);
                if (t >= 1500 && good) {
                    right++;
                }
            }
        }
        assertTrue(right > 400, "context-appropriate arm " + right + " of 500");
    }
}
