package org.otter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Learners through Java: learning, encode/decode, batches, and the C CLI as the reference. */
class LearnerTest {
    /** A linearly separable stream: y = 1 iff 2 x0 - x1 + 0.5 x2 > 0, plus a noise feature. */
    static double row(Random rnd, Features f) {
        double x0 = rnd.nextDouble() * 2 - 1, x1 = rnd.nextDouble() * 2 - 1;
        double x2 = rnd.nextDouble() * 2 - 1, noise = rnd.nextGaussian();
        f.clear().num("x0", x0).num("x1", x1).num("x2", x2).num("noise", noise);
        return 2 * x0 - x1 + 0.5 * x2 > 0 ? 1 : 0;
    }

    @Test
    void jarIsWhereTheClassesComeFrom() {
        String where = Learner.class.getProtectionDomain().getCodeSource().getLocation()
                .toString();
        assertTrue(where.endsWith(".jar"), "tests must load the API (and its .so) from the jar: "
                + where);
        assertEquals("0.1.0", NativeLibrary.version());
        assertTrue(List.of(Learner.types()).containsAll(List.of("logreg", "linreg", "hoeffding")));
        assertTrue(List.of(Bandit.types()).containsAll(List.of("thompson", "linucb")));
    }

    @Test
    void logregLearnsASeparableStream() {
        Random rnd = new Random(42);
        Features f = new Features();
        Prediction before = new Prediction();
        int correct = 0, n = 0;
        double logloss = 0;
        try (Learner lr = Learner.create("logreg", "bits=12")) {
            assertEquals(Prediction.Task.BINARY, lr.task());
            for (int i = 0; i < 20000; i++) {
                double y = row(rnd, f);
                lr.learn(f, y, 1.0, before);
                if (i >= 15000) { /* prequential: scored before learning */
                    double p = Math.min(Math.max(before.probability(), 1e-15), 1 - 1e-15);
                    logloss -= y == 1 ? Math.log(p) : Math.log(1 - p);
                    correct += before.label() == (int) y ? 1 : 0;
                    n++;
                }
            }
            assertEquals(20000, lr.updates());
            assertTrue(lr.bytes() > 0);
        }
        double acc = (double) correct / n;
        logloss /= n;
        assertTrue(acc > 0.97, "accuracy " + acc);
        assertTrue(logloss < 0.15, "log loss " + logloss);
    }

    @Test
    void hoeffdingTreeLearnsCategories() {
        Random rnd = new Random(7);
        Features f = new Features();
        Prediction p = new Prediction();
        int correct = 0;
        try (Learner ht = Learner.create("hoeffding", Map.of("grace_period", 50))) {
            for (int i = 0; i < 6000; i++) {
                String color = new String[] {"red", "green", "blue"}[rnd.nextInt(3)];
                double size = rnd.nextDouble();
                double y = color.equals("red") || size > 0.8 ? 1 : 0;
                f.clear().cat("color", color).num("size", size);
                ht.learn(f, y, 1, p);
                if (i >= 5000) {
                    correct += p.label() == (int) y ? 1 : 0;
                }
            }
            assertTrue(correct > 900, "correct " + correct + "/1000");
            assertTrue(ht.dump().contains("color"), ht.dump());
        }
    }

    @Test
    void encodeDecodeGivesIdenticalPredictionsAndBytes() {
        Random rnd = new Random(1);
        Features f = new Features();
        try (Learner a = Learner.create("logreg", "bits=14,optimizer=ftrl,l1=0.01")) {
            for (int i = 0; i < 3000; i++) {
                a.learn(f, row(rnd, f), 1);
            }
            byte[] blob = a.encode();
            assertEquals("OTR1", new String(blob, 0, 4, StandardCharsets.US_ASCII));
            try (Learner b = Learner.decode(blob)) {
                assertArrayEquals(blob, b.encode());
                assertEquals(a.type(), b.type());
                assertEquals(a.params(), b.params());
                Prediction pa = new Prediction(), pb = new Prediction();
                for (int i = 0; i < 1000; i++) {
                    double y = row(rnd, f);
                    a.predict(f, pa);
                    b.predict(f, pb);
                    assertEquals(Double.doubleToRawLongBits(pa.score()),
                            Double.doubleToRawLongBits(pb.score()));
                    assertEquals(Double.doubleToRawLongBits(pa.probability()),
                            Double.doubleToRawLongBits(pb.probability()));
                    a.learn(f, y, 1);
                    b.learn(f, y, 1);
                }
                assertArrayEquals(a.encode(), b.encode(), "learning after decode diverged");
            }
        }
    }

    @Test
    void batchesEqualSingleCalls() {
        Random rnd = new Random(3);
        int n = 64;
        Features[] rows = new Features[n];
        double[] labels = new double[n], weights = new double[n];
        for (int i = 0; i < n; i++) {
            rows[i] = new Features();
            labels[i] = row(rnd, rows[i]);
            rows[i].cat("ns", "tag", "t" + (i % 5)).dense(new double[] {i, -i});
            weights[i] = 1 + (i % 3);
        }
        try (Learner a = Learner.create("logreg", "bits=12");
                Learner b = Learner.create("logreg", "bits=12")) {
            Prediction[] before = new Prediction[n];
            a.learnBatch(rows, n, labels, weights, before);
            Prediction single = new Prediction();
            for (int i = 0; i < n; i++) {
                b.learn(rows[i], labels[i], weights[i], single);
                assertEquals(single.score(), before[i].score(), "row " + i);
            }
            assertArrayEquals(a.encode(), b.encode());
            Prediction[] out = new Prediction[n];
            a.predictBatch(rows, n, out);
            for (int i = 0; i < n; i++) {
                assertEquals(b.predict(rows[i]).score(), out[i].score(), "row " + i);
            }
        }
    }

    @Test
    void multiclassAndRegression() {
        Random rnd = new Random(5);
        Features f = new Features();
        try (Learner m = Learner.create("logreg", "classes=3,bits=10");
                Learner r = Learner.create("linreg", "bits=10")) {
            for (int i = 0; i < 5000; i++) {
                double x = rnd.nextDouble() * 3;
                f.clear().num("x", x);
                m.learn(f, Math.floor(x), 1);
                r.learn(f, 3 * x + 1, 1);
            }
            Prediction p = m.predict(f.clear().num("x", 2.5));
            assertEquals(Prediction.Task.MULTICLASS, p.task());
            assertEquals(3, p.classCount());
            assertEquals(2, p.label());
            assertEquals(1.0, p.probability(0) + p.probability(1) + p.probability(2), 1e-9);
            Prediction q = r.predict(f);
            assertEquals(Prediction.Task.REGRESSION, q.task());
            assertEquals(8.5, q.score(), 0.3);
        }
    }

    /**
     * Java adds nothing: the same rows learned through Java and through the C library (the
     * otter CLI, {@code otter eval --save}, from a CSV file) give bit-identical state.
     * Java's Double.toString prints the shortest decimal that reads back to the same
     * double, so the CLI parses exactly the values Java learned from.
     */
    @Test
    void javaAndTheCliGiveBitIdenticalState(@TempDir Path dir) throws Exception {
        Path otter = Paths.get(System.getProperty("otter.build.dir", ".."), "otter");
        assertTrue(Files.isExecutable(otter), "the otter CLI is built by make: " + otter);
        String params = "bits=16,optimizer=adagrad,lr=0.3,l2=1e-6";
        Random rnd = new Random(11);
        StringBuilder csv = new StringBuilder("x0,x1,x2,noise,color,label\n");
        Features f = new Features();
        try (Learner lr = Learner.create("logreg", params)) {
            for (int i = 0; i < 5000; i++) {
                double x0 = rnd.nextDouble() * 2 - 1, x1 = rnd.nextGaussian() * 3;
                double x2 = rnd.nextDouble() * 1e-3, noise = rnd.nextGaussian();
                String color = "c" + rnd.nextInt(7);
                double y = x0 + 0.2 * x1 + (color.equals("c3") ? 1 : 0) > 0 ? 1 : 0;
                csv.append(x0).append(',').append(x1).append(',').append(x2).append(',')
                        .append(noise).append(',').append(color).append(',').append((int) y)
                        .append('\n');
                f.clear().num("x0", x0).num("x1", x1).num("x2", x2).num("noise", noise)
                        .cat("color", color);
                lr.learn(f, y, 1);
            }
            Path in = dir.resolve("rows.csv"), saved = dir.resolve("model.otr");
            Files.writeString(in, csv);
            List<String> cmd = new ArrayList<>(List.of(otter.toString(), "eval", "--model",
                    "logreg", "--param", params, "--cat", "color", "--no-progress",
                    "--single-thread", "--save", saved.toString(), in.toString()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), out);
            assertArrayEquals(Files.readAllBytes(saved), lr.encode(),
                    "Java and the C CLI disagree on the learned state");
        }
    }

    @Test
    void parameterMapsRenderAsText() {
        Map<String, Object> params = new TreeMap<>();
        params.put("bits", 9);
        params.put("optimizer", "sgd");
        try (Learner lr = Learner.create("logreg", params)) {
            assertTrue(lr.params().contains("bits=9\n"), lr.params());
            assertTrue(lr.params().contains("optimizer=sgd\n"), lr.params());
        }
    }

    static byte[] readAll(Path p) throws IOException {
        return Files.readAllBytes(p);
    }
}
