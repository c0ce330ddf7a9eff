package org.otter.flink.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.otter.Features;
import org.otter.Generator;
import org.otter.Learner;
import org.otter.Prediction;
import org.otter.flink.FeatureRow;

/**
 * The plain-Flink baseline's hand-written model does the same learning work as Otter's
 * {@code logreg} with AdaGrad: on the fraud stream, each prediction before learning and after
 * it agrees with {@link Learner}'s (the benchmark's comparison is of equal work).
 */
class PlainLogRegTest {
    @Test
    void murmur3MatchesOtters() {
        /* vectors of tests/test_core.c, which holds otter_murmur3_32 to them */
        assertEquals(0, PlainLogReg.murmur3(new byte[0], 0, 0));
        assertEquals(0x514E28B7, PlainLogReg.murmur3(new byte[0], 0, 1));
        assertEquals(0x24884CBA, hash("Hello, world!", 0x9747b28c));
        assertEquals(0xB3DD93FA, hash("abc", 0));
        assertEquals(0x74875592, hash("ab", 0x9747b28c));
        assertEquals(0x2FA826CD, hash("The quick brown fox jumps over the lazy dog", 0x9747b28c));
        byte[] high = {(byte) 0xff, (byte) 0xfe, (byte) 0xfd};
        assertEquals(0x3831DB5A, PlainLogReg.murmur3(high, 3, 0x9747b28c));
        byte[] body = {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x80,
            (byte) 0x81};
        assertEquals(0xFB8652C8, PlainLogReg.murmur3(body, 6, 0x9747b28c));
    }

    private static int hash(String s, int seed) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return PlainLogReg.murmur3(b, b.length, seed);
    }

    @ParameterizedTest
    @CsvSource({"8, true", "4, true", "8, false", "18, true"})
    void learnsLikeOtterLogreg(int bits, boolean standardize) {
        PlainLogReg plain = new PlainLogReg(bits, 0.5, standardize);
        double[] state = plain.newState();
        Features f = new Features();
        Prediction before = new Prediction();
        Prediction after = new Prediction();
        double worst = 0;
        try (Generator gen = Generator.create("fraud", "fraud_rate=0.05", 7);
                Learner lr = Learner.create("logreg",
                        "bits=" + bits + ",optimizer=adagrad,standardize=" + standardize)) {
            for (int i = 0; i < 3000; i++) {
                Generator.Row r = gen.next();
                FeatureRow row = new FeatureRow(r.numNames(), r.numValues(), r.catNames(),
                        r.catValues());
                PlainLogReg.Hashed h = plain.hash(row);
                double p = plain.learn(state, h, r.label(), 1.0);
                lr.learn(row.writeTo(f), r.label(), 1.0, before);
                lr.predict(f, after);
                double q = PlainLogReg.sigmoid(plain.margin(state, h));
                worst = Math.max(worst, Math.abs(p - before.probability()));
                worst = Math.max(worst, Math.abs(q - after.probability()));
            }
        }
        assertTrue(worst < 1e-9, "largest difference from Otter's logreg: " + worst);
        assertEquals(3000.0, state[0]);
    }
}
