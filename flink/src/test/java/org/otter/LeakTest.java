package org.otter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * Native memory is never leaked: 100k learners closed, then 100k forgotten (freed by the
 * Cleaner after garbage collection), with the process's resident set staying bounded. A
 * leak of the smallest learner (a context, a model, a row: several KiB each) would add
 * hundreds of MiB.
 */
class LeakTest {
    static final int N = 100_000;

    static long rssKiB() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/self/status");
    }

    static void settle() throws InterruptedException {
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100); /* the Cleaner thread frees what the collector found */
        }
    }

    @Test
    void closedAndForgottenLearnersAreFreed() throws Exception {
        Features f = new Features().num("x", 1).cat("c", "v");
        long perLearner;
        try (Learner l = Learner.create("logreg", "bits=6")) {
            perLearner = l.bytes();
        }
        for (int i = 0; i < 10_000; i++) { /* warm up: the JIT, the heap, malloc's arenas */
            try (Learner l = Learner.create("logreg", "bits=6")) {
                l.learn(f, 1, 1);
            }
        }
        settle();
        long rss0 = rssKiB();
        for (int i = 0; i < N; i++) {
            try (Learner l = Learner.create("logreg", "bits=6")) {
                l.learn(f, 1, 1);
            }
        }
        settle();
        long rss1 = rssKiB();
        for (int i = 0; i < N; i++) {
            Learner.create("logreg", "bits=6").learn(f, 1, 1); /* never closed */
            if (i % 5000 == 4999) {
                System.gc();
            }
        }
        settle();
        long rss2 = rssKiB();
        long leakIfAny = N * perLearner / 1024;
        String msg = "VmRSS " + rss0 + " -> " + rss1 + " (closed) -> " + rss2
                + " (forgotten) KiB; a leak would add at least " + leakIfAny + " KiB";
        System.out.println(msg);
        assertTrue(rss1 - rss0 < 64 * 1024, msg);
        assertTrue(rss2 - rss0 < 128 * 1024, msg);
        assertTrue(leakIfAny > 2 * 128 * 1024, "the test could not see a leak: " + msg);
    }

    @Test
    void forgottenStoresAndBanditsAreFreed() throws Exception {
        for (int i = 0; i < 2000; i++) {
            Bandit.create("thompson", new String[] {"a", "b"}, "").rank(null, "e");
        }
        settle();
        long rss0 = rssKiB();
        for (int i = 0; i < 20_000; i++) {
            Bandit.create("thompson", new String[] {"a", "b"}, "").rank(null, "e");
            if (i % 5000 == 4999) {
                System.gc();
            }
        }
        settle();
        long rss1 = rssKiB();
        assertTrue(rss1 - rss0 < 64 * 1024, "VmRSS " + rss0 + " -> " + rss1 + " KiB");
    }
}
