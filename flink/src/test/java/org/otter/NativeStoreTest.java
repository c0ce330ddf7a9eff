package org.otter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-subtask store through Java: events, expiry, snapshots, export/import, key groups. */
class NativeStoreTest {
    @TempDir
    Path dir;

    NativeStore open(String sub) {
        return NativeStore.open(dir.resolve(sub).toString(), NativeStore.Durability.NONE);
    }

    @Test
    void predictEventThenFeedbackExactlyOnce() {
        try (NativeStore s = open("a")) {
            assertTrue(s.createLearner(7, "m", "logreg", "bits=10"));
            assertFalse(s.createLearner(7, "m", "logreg", "bits=10"), "idempotent like PUT");
            OtterException e = assertThrows(OtterException.class,
                    () -> s.createLearner(7, "m", "logreg", "bits=11"));
            assertEquals("EXISTS", e.status());
            Features f = new Features().num("x", 2).cat("c", "v");
            Prediction scored = new Prediction(), before = new Prediction();
            s.predictEvent(7, "m", f, "ev-1", Long.MAX_VALUE / 2, scored);
            assertEquals(1, s.stats().pendingEvents());
            assertEquals(EventResult.OK, s.feedback(7, "m", "ev-1", 1, 1, before));
            assertEquals(scored.score(), before.score(), "the label is judged against the score");
            assertEquals(EventResult.UNKNOWN, s.feedback(7, "m", "ev-1", 1, 1, null));
            assertEquals(EventResult.UNKNOWN, s.feedback(7, "m", "never", 0, 1, null));
            assertEquals(0, s.stats().pendingEvents());
            assertEquals(1, s.info(7, "m").version());
            OtterException nf = assertThrows(OtterException.class,
                    () -> s.feedback(7, "nope", "ev-1", 1, 1, null));
            assertEquals("NOT_FOUND", nf.status());
            s.predictEvent(7, "m", f, "ev-2", 1000, scored);
            OtterException dup = assertThrows(OtterException.class,
                    () -> s.predictEvent(7, "m", f, "ev-2", 1000, new Prediction()));
            assertEquals("EXISTS", dup.status());
        }
    }

    @Test
    void expiryReturnsTheExpiredEvents() {
        try (NativeStore s = open("b")) {
            s.createLearner(1, "m", "logreg", "bits=8");
            Features f = new Features().num("x", 1);
            Prediction p = new Prediction();
            s.predictEvent(1, "m", f, "late", 5000, p);
            s.predictEvent(1, "m", f, "early", 2000, p);
            s.predictEvent(1, "m", f, "kept", 9000, p);
            assertEquals(List.of(), s.expire(1000));
            List<ExpiredEvent> gone = s.expire(6000);
            assertEquals(List.of(new ExpiredEvent(1, "m", "early", 2000),
                    new ExpiredEvent(1, "m", "late", 5000)), gone);
            assertEquals(EventResult.UNKNOWN, s.feedback(1, "m", "late", 1, 1, null));
            assertEquals(EventResult.OK, s.feedback(1, "m", "kept", 1, 1, null));
        }
    }

    /** Learns on many entities over many key groups; returns nothing, changes the store. */
    static void fill(NativeStore s, int entities, long seed) {
        Random rnd = new Random(seed);
        Features f = new Features();
        for (int e = 0; e < entities; e++) {
            int kg = e * 997 % 32768;
            s.createLearner(kg, "m" + e, "logreg", "bits=8");
            for (int i = 0; i < 20; i++) {
                double x = rnd.nextGaussian();
                s.learn(kg, "m" + e, f.clear().num("x", x).cat("k", "v" + (i % 3)), x > 0 ? 1 : 0,
                        1, null);
            }
        }
        s.createBandit(123, "b", "thompson", new String[] {"x", "y"}, "seed=4");
        for (int t = 0; t < 30; t++) {
            Decision d = s.rank(123, "b", null, "r" + t, 1000 + t);
            assertEquals(EventResult.OK, s.reward(123, "b", d.eventId(), t % 2, 1000 + t));
        }
    }

    @Test
    void snapshotExportImportGivesIdenticalState() throws IOException {
        try (NativeStore a = open("src"); NativeStore b = open("dst")) {
            fill(a, 40, 1);
            Prediction p = new Prediction();
            a.predictEvent(997, "m1", new Features().num("x", 3), "pending", Long.MAX_VALUE / 4, p);
            SnapshotInfo snap = a.snapshot(5);
            assertEquals(5, snap.id());
            assertEquals(41, snap.entities());
            /* changes after the snapshot are not exported from it */
            a.learn(997, "m1", new Features().num("x", 1), 1, 1, null);
            ByteArrayOutputStream lo = new ByteArrayOutputStream();
            ByteArrayOutputStream hi = new ByteArrayOutputStream();
            a.export(5, 0, 16383, lo);
            a.export(5, 16384, 32767, hi);
            long[] n1 = b.importFrom(new ByteArrayInputStream(lo.toByteArray()));
            long[] n2 = b.importFrom(new ByteArrayInputStream(hi.toByteArray()));
            assertEquals(41, n1[0] + n2[0]);
            assertEquals(1, n1[1] + n2[1], "the pending event travels too");
            a.restore(5);
            List<EntityInfo> ea = a.list(0, 32767), eb = b.list(0, 32767);
            assertEquals(ea.size(), eb.size());
            for (int i = 0; i < ea.size(); i++) {
                EntityInfo x = ea.get(i), y = eb.get(i);
                assertEquals(x.name(), y.name());
                assertEquals(x.keyGroup(), y.keyGroup());
                assertArrayEquals(a.getState(x.keyGroup(), x.name()),
                        b.getState(y.keyGroup(), y.name()), x.name());
            }
            Prediction before = new Prediction();
            assertEquals(EventResult.OK, b.feedback(997, "m1", "pending", 1, 1, before));
            assertEquals(p.score(), before.score());
            assertEquals(1, a.snapshots().size());
            a.snapshot(6);
            a.snapshot(7);
            assertEquals(2, a.pruneSnapshotsBefore(7));
            assertEquals(7, a.snapshots().get(0).id());
        }
    }

    @Test
    void dropKeyGroupsDeletesExactlyTheRange() {
        try (NativeStore s = open("c")) {
            fill(s, 40, 2);
            int inside = (int) s.list(0, 32767).stream()
                    .filter(e -> e.keyGroup() >= 1000 && e.keyGroup() <= 20000).count();
            assertTrue(inside > 5);
            s.dropKeyGroups(1000, 20000);
            assertEquals(41 - inside, s.list(0, 32767).size());
            assertTrue(s.list(1000, 20000).isEmpty());
            assertNull(s.info(1994, "m2"));
            assertEquals(41 - inside, s.stats().entities());
        }
    }

    @Test
    void stateMovesBetweenLearnerAndStore() {
        try (NativeStore s = open("d"); Learner lr = Learner.create("logreg", "bits=9")) {
            Features f = new Features().num("x", 1);
            lr.learn(f, 1, 1);
            s.putState(3, "imported", EntityInfo.Kind.LEARNER, lr.encode());
            assertArrayEquals(lr.encode(), s.getState(3, "imported"));
            Prediction p = new Prediction();
            s.predict(3, "imported", f, p);
            assertEquals(lr.predict(f).score(), p.score());
            s.learn(3, "imported", f, 0, 1, null);
            lr.learn(f, 0, 1);
            try (Learner back = Learner.decode(s.getState(3, "imported"))) {
                assertArrayEquals(lr.encode(), back.encode());
            }
            assertTrue(s.delete(3, "imported"));
            assertFalse(s.delete(3, "imported"));
        }
    }

    @Test
    void batchesThroughTheStore() {
        try (NativeStore s = open("e"); Learner ref = Learner.create("logreg", "bits=8")) {
            s.createLearner(9, "m", "logreg", "bits=8");
            int n = 10;
            Features[] rows = new Features[n];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                rows[i] = new Features().num("x", i - 5);
                y[i] = i > 4 ? 1 : 0;
            }
            Prediction[] before = new Prediction[n];
            s.learnBatch(9, "m", rows, n, y, null, before);
            ref.learnBatch(rows, n, y, null, null);
            assertArrayEquals(ref.encode(), s.getState(9, "m"));
            Prediction[] out = new Prediction[n];
            s.predictBatch(9, "m", rows, n, out);
            assertEquals(ref.predict(rows[7]).score(), out[7].score());
            y[3] = Double.NaN; /* all or nothing */
            OtterException e = assertThrows(OtterException.class,
                    () -> s.learnBatch(9, "m", rows, n, y, null, null));
            assertTrue(e.getMessage().contains("row 3"), e.getMessage());
            assertArrayEquals(ref.encode(), s.getState(9, "m"), "nothing learned");
            assertTrue(s.nativeBytes() > 0);
        }
    }

    @Test
    void syncDurabilitySurvivesReopen() {
        String d = dir.resolve("sync").toString();
        byte[] state;
        try (NativeStore s = NativeStore.open(d, NativeStore.Durability.SYNC)) {
            s.createLearner(5, "m", "linreg", "bits=6");
            s.learn(5, "m", new Features().num("x", 1), 2, 1, null);
            state = s.getState(5, "m");
            assertTrue(s.stats().logRecords() > 0);
            assertEquals(NativeStore.Durability.SYNC, s.stats().durability());
        }
        try (NativeStore s = NativeStore.open(d, NativeStore.Durability.SYNC)) {
            assertArrayEquals(state, s.getState(5, "m"));
        }
    }

    @Test
    void exportStopsWithTheStreamsException() {
        try (NativeStore s = open("f")) {
            fill(s, 3, 3);
            OutputStream broken = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    throw new IOException("disk full");
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    throw new IOException("disk full");
                }
            };
            IOException e = assertThrows(IOException.class, () -> s.export(0, 0, 32767, broken));
            assertEquals("disk full", e.getMessage());
            byte[] truncated = new byte[10];
            OtterException c = assertThrows(OtterException.class,
                    () -> s.importFrom(new ByteArrayInputStream(truncated)));
            assertTrue(c.status().equals("CORRUPT") || c.status().equals("VERSION"), c.status());
        }
    }

    @Test
    void textOutsideAsciiCrossesBothWays() {
        String bad = "mod\u00e8le-\ud83d\ude00";
        try (NativeStore s = open("g")) {
            /* entity names are printable ASCII; the C message quotes the name, and it comes
             * back to Java intact (UTF-8 -> modified UTF-8, the emoji as a surrogate pair) */
            OtterException e = assertThrows(OtterException.class,
                    () -> s.createLearner(2, bad, "logreg", "bits=6"));
            assertTrue(e.detail().contains("'" + bad + "'"), e.detail());
            s.createLearner(2, "m", "logreg", "bits=6");
            Features f = new Features().cat("pa\u00efs", "\ud83c\uddeb\ud83c\uddf7")
                    .num("\u00e9", 1);
            s.predictEvent(2, "m", f, "e", 10, new Prediction());
            assertEquals(List.of(new ExpiredEvent(2, "m", "e", 10)), s.expire(11));
        }
        try (Learner ht = Learner.create("hoeffding", "grace_period=10")) {
            Features f = new Features();
            for (int i = 0; i < 100; i++) {
                ht.learn(f.clear().cat("\u00e9tat", i % 2 == 0 ? "\ud83d\ude00" : "\u00e0"),
                        i % 2, 1);
            }
            assertTrue(ht.dump().contains("\u00e9tat"), ht.dump());
        }
    }

    @Test
    void keyGroupOfMatchesOtterd() {
        int kg = NativeStore.keyGroupOf("m:fraud");
        assertTrue(kg >= 0 && kg <= NativeStore.MAX_KEY_GROUP);
        assertEquals(kg, NativeStore.keyGroupOf("m:fraud"));
    }
}
