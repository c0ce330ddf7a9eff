package org.otter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Wrong arguments from Java raise OtterException with the C status and message; no crash. */
class BadArgumentsTest {
    static OtterException fails(String status, String fragment, Executable call) {
        OtterException e = assertThrows(OtterException.class, call);
        assertEquals(status, e.status(), e.getMessage());
        assertTrue(e.detail().contains(fragment), "'" + e.detail() + "' lacks '" + fragment + "'");
        return e;
    }

    @Test
    void learnerArguments() {
        try (Learner lr = Learner.create("logreg", "bits=8")) {
            Features ok = new Features().num("x", 1);
            fails("INVALID", "features are required", () -> lr.predict(null));
            fails("INVALID", "features are required", () -> lr.learn(null, 1, 1));
            fails("INVALID", "prediction is required", () -> lr.predict(ok, null));
            fails("INVALID", "label must be a finite number", () -> lr.learn(ok, Double.NaN, 1));
            fails("INVALID", "binary label", () -> lr.learn(ok, 2, 1));
            fails("INVALID", "weight", () -> lr.learn(ok, 1, 0));
            fails("INVALID", "weight", () -> lr.learn(ok, 1, Double.POSITIVE_INFINITY));
            fails("INVALID", "x", () -> lr.predict(new Features().num("x", Double.NaN)));
            fails("INVALID", "", () -> lr.learn(new Features().num("y", Double.NEGATIVE_INFINITY),
                    1, 1));
            fails("INVALID", "dense", () -> lr.predict(new Features().dense(
                    new double[] {1, Double.NaN})));
            fails("INVALID", "not valid UTF-8", () -> lr.predict(new Features().num("a\0b", 1)));
            fails("INVALID", "unpaired surrogate", () -> new Features().cat("c", "\ud800"));
            fails("INVALID", "unpaired surrogate", () -> Learner.create("\udc00x", ""));
            fails("INVALID", "NUL character", () -> Learner.create("log\0reg", ""));
            fails("INVALID", "feature name is empty", () -> new Features().num("", 1));
            fails("INVALID", "feature name is null", () -> new Features().num(null, 1));
            fails("INVALID", "category of feature 'c' is null", () -> new Features().cat("c", null));
            fails("INVALID", "outside the array", () -> new Features().dense(new double[2], 1, 2));
            Features[] rows = {ok, ok};
            fails("INVALID", "out must hold 3", () -> lr.predictBatch(rows, 3,
                    new Prediction[2]));
            fails("INVALID", "row count 3", () -> lr.predictBatch(rows, 3, new Prediction[3]));
            fails("INVALID", "labels and weights must hold 2", () -> lr.learnBatch(rows, 2,
                    new double[1], null, null));
            fails("INVALID", "row 1 is null", () -> lr.learnBatch(new Features[] {ok, null}, 2,
                    new double[2], null, null));
            fails("INVALID", "row 1", () -> lr.learnBatch(new Features[] {ok,
                new Features().num("z", Double.NaN)}, 2, new double[2], null, null));
            assertEquals(0, lr.updates(), "no bad call changed the model");
        }
    }

    @Test
    void creationArguments() {
        fails("NOT_FOUND", "nosuch", () -> Learner.create("nosuch", ""));
        fails("INVALID", "learner type is required", () -> Learner.create(null, ""));
        fails("INVALID", "colour", () -> Learner.create("logreg", "colour=red"));
        fails("INVALID", "bits", () -> Learner.create("logreg", "bits=99"));
        fails("INVALID", "bits", () -> Learner.create("logreg", "bits=many"));
        fails("INVALID", "arms are required", () -> Bandit.create("ucb1", null, ""));
        fails("INVALID", "arms[1]", () -> Bandit.create("ucb1", new String[] {"a", null}, ""));
        fails("NOT_FOUND", "nope", () -> Bandit.create("nope", new String[] {"a"}, ""));
    }

    @Test
    void corruptBlobs() {
        byte[] blob;
        try (Learner lr = Learner.create("logreg", "bits=8")) {
            lr.learn(new Features().num("x", 1), 1, 1);
            blob = lr.encode();
        }
        fails("INVALID", "blob is required", () -> Learner.decode(null));
        assertThrows(OtterException.class, () -> Learner.decode(new byte[0]));
        byte[] flipped = blob.clone();
        flipped[flipped.length / 2] ^= 0x10;
        fails("CORRUPT", "", () -> Learner.decode(flipped));
        fails("CORRUPT", "", () -> Learner.decode(Arrays.copyOf(blob, blob.length - 3)));
        fails("CORRUPT", "", () -> Learner.decode("definitely not a model".getBytes()));
        OtterException e = assertThrows(OtterException.class, () -> Bandit.decode(blob));
        assertTrue(e.getMessage().startsWith(e.status() + ": "));
    }

    @Test
    void closedHandles() {
        Learner lr = Learner.create("logreg", "bits=8");
        lr.close();
        lr.close(); /* idempotent */
        assertTrue(lr.isClosed());
        Features f = new Features().num("x", 1);
        fails("STATE", "learner is closed", () -> lr.predict(f));
        fails("STATE", "learner is closed", () -> lr.learn(f, 1, 1));
        fails("STATE", "learner is closed", lr::encode);
        fails("STATE", "learner is closed", lr::bytes);
        Bandit b = Bandit.create("ucb1", new String[] {"a"}, "");
        b.close();
        fails("STATE", "bandit is closed", () -> b.rank(null, "e"));
        fails("STATE", "bandit is closed", () -> b.reward("e", 1, 0));
    }

    @Test
    void banditArguments() {
        try (Bandit b = Bandit.create("thompson", new String[] {"a", "b"}, "")) {
            fails("INVALID", "event id", () -> b.rank(null, "x".repeat(64)));
            fails("INVALID", "", () -> b.rank(null, "bad id\n"));
            b.rank(null, "e1");
            fails("EXISTS", "e1", () -> b.rank(null, "e1"));
            fails("INVALID", "", () -> b.reward("e1", Double.NaN, 0));
            fails("INVALID", "", () -> b.rank(null, "e2", new String[] {"zzz"}, null, null,
                    false, 0));
            fails("EXISTS", "a", () -> b.addArm("a"));
            fails("NOT_FOUND", "q", () -> b.removeArm("q"));
            fails("INVALID", "arm index 5", () -> b.armStats(5));
            fails("INVALID", "event id is required", () -> b.reward(null, 1, 0));
        }
    }

    @Test
    void storeArguments(@TempDir Path dir) {
        fails("INVALID", "directory is required", () -> NativeStore.open(null,
                NativeStore.Durability.NONE));
        assertThrows(OtterException.class, () -> NativeStore.open("/proc/otter-cannot-be-here",
                NativeStore.Durability.NONE));
        NativeStore s = NativeStore.open(dir.toString(), NativeStore.Durability.NONE);
        try {
            s.createLearner(0, "m", "logreg", "bits=6");
            s.createBandit(0, "b", "ucb1", new String[] {"a"}, null);
            Features f = new Features().num("x", 1);
            Prediction p = new Prediction();
            fails("INVALID", "key group -1", () -> s.predict(-1, "m", f, p));
            fails("INVALID", "key group 40000", () -> s.predict(40000, "m", f, p));
            fails("INVALID", "key group 32768", () -> s.createLearner(32768, "m", "logreg", ""));
            fails("INVALID", "key-group range", () -> s.dropKeyGroups(5, 4));
            fails("INVALID", "key-group range", () -> s.list(0, 70000));
            fails("INVALID", "entity name is required", () -> s.predict(0, null, f, p));
            fails("NOT_FOUND", "", () -> s.predict(0, "none", f, p));
            fails("STATE", "", () -> s.learn(0, "b", f, 1, 1, null));
            fails("INVALID", "label", () -> s.learn(0, "m", f, Double.NaN, 1, null));
            fails("INVALID", "features are required", () -> s.learn(0, "m", null, 1, 1, null));
            fails("INVALID", "event id", () -> s.predictEvent(0, "m", f, "", 0, p));
            fails("INVALID", "output stream is required", () -> s.export(0, 0, 1, null));
            fails("INVALID", "retain", () -> s.retain(0));
            fails("NOT_FOUND", "", () -> s.restore(99));
            fails("INVALID", "", () -> s.putState(0, "m", EntityInfo.Kind.LEARNER, null));
            fails("CORRUPT", "", () -> s.putState(0, "m", EntityInfo.Kind.LEARNER, new byte[9]));
        } finally {
            s.close();
        }
        fails("STATE", "store is closed", () -> s.stats());
        fails("STATE", "store is closed", () -> s.predict(0, "m", new Features(),
                new Prediction()));
    }
}
