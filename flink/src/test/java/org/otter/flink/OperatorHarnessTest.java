package org.otter.flink;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.AbstractStreamOperatorTestHarness;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.otter.ArmStats;
import org.otter.Bandit;

/**
 * The operators one at a time in Flink's operator test harness (no cluster): label
 * matching, TTL expiry on processing time, early labels on and off, a checkpoint round
 * trip and a split into two subtasks, and a bandit that finds the best arm in a feedback
 * loop.
 */
@SuppressWarnings("try") // the harness's close() declares Exception
class OperatorHarnessTest {
    static final int MAX_PAR = 128;

    @TempDir
    Path tmp;

    static FeatureRow row(double x, String c) {
        return new FeatureRow(new String[] {"x"}, new double[] {x}, new String[] {"c"},
                new String[] {c});
    }

    KeyedTwoInputStreamOperatorTestHarness<String, Event, Label, Scored> learning(
            LearnerOptions o, int parallelism, int subtask) throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new OnlineLearningOperator(o.baseDirectory(tmp.toString())), e -> e.key,
                l -> l.key, Types.STRING, MAX_PAR, parallelism, subtask);
    }

    static long count(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h, String name) {
        return ((NativeStateOperator<?>) h.getOperator()).count(name);
    }

    static <T> List<T> side(KeyedTwoInputStreamOperatorTestHarness<?, ?, ?, ?> h,
            org.apache.flink.util.OutputTag<T> tag) {
        List<T> out = new ArrayList<>();
        if (h.getSideOutput(tag) != null) {
            for (StreamRecord<T> r : h.getSideOutput(tag)) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    @Test
    void labelsLearnOnceAndUnknownLabelsGoToTheSideOutput() throws Exception {
        try (var h = learning(LearnerOptions.of("logreg", "bits=10"), 1, 0)) {
            h.setup();
            h.open();
            h.processElement1(new StreamRecord<>(new Event("k1", "e1", row(1, "a")), 1));
            h.processElement1(new StreamRecord<>(new Event("k2", "e2", row(2, "b")), 2));
            List<Scored> scores = h.extractOutputValues();
            assertEquals(2, scores.size());
            assertEquals("e1", scores.get(0).eventId);
            assertEquals("k2", scores.get(1).key);
            assertEquals(0.5, scores.get(0).probability, 1e-12, "a new model says 0.5");
            h.processElement2(new StreamRecord<>(new Label("k1", "e1", 1), 3));
            h.processElement2(new StreamRecord<>(new Label("k1", "e1", 1), 4)); // twice
            h.processElement2(new StreamRecord<>(new Label("k2", "nope", 0), 5));
            h.processElement2(new StreamRecord<>(new Label("k9", "e9", 0), 6)); // no model
            assertEquals(2, count(h, "predictions"));
            assertEquals(1, count(h, "learns"));
            assertEquals(3, count(h, "unknownLabels"));
            List<UnmatchedLabel> un = side(h, OnlineLearningOperator.UNMATCHED_LABELS);
            assertEquals(List.of("e1", "nope", "e9"),
                    un.stream().map(u -> u.eventId).collect(Collectors.toList()));
            assertTrue(un.stream().allMatch(u -> u.reason == UnmatchedLabel.Reason.UNKNOWN_EVENT));
            /* the model learned: the same row now scores above 0.5 */
            h.processElement1(new StreamRecord<>(new Event("k1", "e3", row(1, "a")), 7));
            assertTrue(h.extractOutputValues().get(2).probability > 0.5);
        }
    }

    @Test
    void pendingEventsExpireAfterTheTtlOnProcessingTime() throws Exception {
        LearnerOptions o = LearnerOptions.of("logreg", "bits=10").labelTtl(500).expiryInterval(100);
        try (var h = learning(o, 1, 0)) {
            h.setup();
            h.setProcessingTime(1000);
            h.open();
            h.processElement1(new StreamRecord<>(new Event("k", "old", row(1, "a"))));
            h.setProcessingTime(1300);
            h.processElement1(new StreamRecord<>(new Event("k", "young", row(1, "a"))));
            h.setProcessingTime(1600); /* "old" (deadline 1500) is due, "young" (1800) not */
            assertEquals(1, count(h, "expiredEvents"));
            h.processElement2(new StreamRecord<>(new Label("k", "old", 1)));
            h.processElement2(new StreamRecord<>(new Label("k", "young", 1)));
            assertEquals(1, count(h, "learns"));
            assertEquals(1, count(h, "unknownLabels"));
            assertEquals("old", side(h, OnlineLearningOperator.UNMATCHED_LABELS).get(0).eventId);
        }
    }

    @Test
    void earlyLabelsOffAreUnknownOnAreHeldUntilTheirEvent() throws Exception {
        try (var off = learning(LearnerOptions.of("logreg", "bits=10"), 1, 0)) {
            off.setup();
            off.open();
            off.processElement2(new StreamRecord<>(new Label("k", "e1", 1)));
            off.processElement1(new StreamRecord<>(new Event("k", "e1", row(1, "a"))));
            assertEquals(0, count(off, "learns"));
            assertEquals(1, count(off, "unknownLabels"));
            assertEquals(1, side(off, OnlineLearningOperator.UNMATCHED_LABELS).size());
        }
        LearnerOptions on = LearnerOptions.of("logreg", "bits=10").earlyLabels(true)
                .earlyLabelTtl(1000).expiryInterval(100);
        try (var h = learning(on, 1, 0)) {
            h.setup();
            h.setProcessingTime(10_000);
            h.open();
            h.processElement2(new StreamRecord<>(new Label("k", "e1", 1)));
            h.processElement2(new StreamRecord<>(new Label("k", "never", 0)));
            assertEquals(2, count(h, "heldLabels"));
            assertEquals(0, count(h, "unknownLabels"));
            h.processElement1(new StreamRecord<>(new Event("k", "e1", row(1, "a"))));
            assertEquals(1, count(h, "learns"), "the held label was learned when e1 came");
            /* the score went out before learning (prequential) */
            assertEquals(0.5, h.extractOutputValues().get(0).probability, 1e-12);
            h.setProcessingTime(11_500); /* "never"'s hold expires */
            assertEquals(1, count(h, "unknownLabels"));
            List<UnmatchedLabel> un = side(h, OnlineLearningOperator.UNMATCHED_LABELS);
            assertEquals(1, un.size());
            assertEquals("never", un.get(0).eventId);
            assertEquals("k", un.get(0).key);
            assertEquals(UnmatchedLabel.Reason.HELD_LABEL_EXPIRED, un.get(0).reason);
            /* a label for e1 again: its event was taken, so it is held, not learned */
            h.processElement2(new StreamRecord<>(new Label("k", "e1", 1)));
            assertEquals(1, count(h, "learns"));
        }
    }

    /** Models of every key through a checkpoint, restored whole, then split in two. */
    @Test
    void checkpointRestoresEveryKeyAndSplitsByKeyGroup() throws Exception {
        LearnerOptions o = LearnerOptions.of("logreg", "bits=10").emitModelsAtEnd(true);
        OperatorSubtaskState snap;
        Map<String, byte[]> before = new HashMap<>();
        try (var h = learning(o, 1, 0)) {
            h.setup();
            h.open();
            for (int i = 0; i < 400; i++) {
                String k = "key-" + (i % 40) + (i % 7 == 0 ? "/#%" : "");
                h.processElement1(new StreamRecord<>(new Event(k, "e" + i, row(i % 5, "c" + i % 3))));
                if (i % 3 != 0) {
                    h.processElement2(new StreamRecord<>(new Label(k, "e" + i, i % 2)));
                }
            }
            snap = h.snapshot(1, 1);
            h.notifyOfCompletedCheckpoint(1);
            h.endAllInputs();
            h.getOperator().finish();
            for (StreamRecord<ModelState> m : h.getSideOutput(NativeStateOperator.MODELS)) {
                before.put(m.getValue().key, m.getValue().state);
            }
        }
        assertEquals(80, before.size(), "40 keys, each also with an escaped twin");
        /* restore at parallelism 2: each subtask gets exactly its key groups' models */
        Map<String, byte[]> after = new HashMap<>();
        for (int sub = 0; sub < 2; sub++) {
            OperatorSubtaskState part = AbstractStreamOperatorTestHarness.repartitionOperatorState(
                    snap, MAX_PAR, 1, 2, sub);
            try (var h = learning(o, 2, sub)) {
                h.setup();
                h.initializeState(part);
                h.open();
                h.endAllInputs();
            h.getOperator().finish();
                for (StreamRecord<ModelState> m : h.getSideOutput(NativeStateOperator.MODELS)) {
                    assertTrue(after.put(m.getValue().key, m.getValue().state) == null,
                            "a key on two subtasks");
                    int owner = org.apache.flink.runtime.state.KeyGroupRangeAssignment
                            .assignKeyToParallelOperator(m.getValue().key, MAX_PAR, 2);
                    assertEquals(sub, owner);
                }
            }
        }
        assertEquals(before.keySet(), after.keySet());
        for (String k : before.keySet()) {
            assertArrayEquals(before.get(k), after.get(k), k);
        }
        /* every store directory is gone after close */
        try (Stream<Path> left = Files.list(tmp)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void banditFindsTheBestArmInAFeedbackLoop() throws Exception {
        double[] rate = {0.2, 0.5, 0.8};
        String[] arms = {"a", "b", "c"};
        BanditOptions o = BanditOptions.of("thompson", "seed=7", arms)
                .baseDirectory(tmp.toString()).emitModelsAtEnd(true);
        try (var h = new KeyedTwoInputStreamOperatorTestHarness<String, DecisionRequest, Reward,
                Decided>(new BanditOperator(o), r -> r.key, w -> w.key, Types.STRING, MAX_PAR, 1,
                0)) {
            h.setup();
            h.open();
            java.util.Random rnd = new java.util.Random(1);
            int best = 0;
            for (int i = 0; i < 2000; i++) {
                h.processElement1(new StreamRecord<>(new DecisionRequest("shop", "d" + i, null,
                        null), i));
                Decided d = h.extractOutputValues().get(i);
                assertEquals("d" + i, d.eventId);
                int arm = java.util.Arrays.asList(arms).indexOf(d.arm);
                if (i >= 1500 && arm == 2) {
                    best++;
                }
                double reward = rnd.nextDouble() < rate[arm] ? 1 : 0;
                h.processElement2(new StreamRecord<>(new Reward("shop", "d" + i, reward), i));
            }
            h.processElement2(new StreamRecord<>(new Reward("shop", "d5", 1), 3000));
            h.processElement2(new StreamRecord<>(new Reward("shop", "zz", 1), 3001));
            assertEquals(2000, count(h, "rewards"));
            assertEquals(2, count(h, "unmatchedRewards"));
            List<UnmatchedReward> un = side(h, BanditOperator.UNMATCHED_REWARDS);
            assertEquals(org.otter.EventResult.DUPLICATE, un.get(0).result);
            assertEquals(org.otter.EventResult.UNKNOWN, un.get(1).result);
            assertTrue(best > 450, "the best arm in the last 500 decisions: " + best);
            h.endAllInputs();
            h.getOperator().finish();
            ModelState m = h.getSideOutput(NativeStateOperator.MODELS).peek().getValue();
            try (Bandit b = Bandit.decode(m.state)) {
                ArmStats c = b.armStats(2);
                assertNotNull(c);
                long pulls = 0;
                for (int a = 0; a < 3; a++) {
                    pulls += b.armStats(a).pulls();
                }
                assertEquals(2000, pulls, "each reward learned once");
                assertTrue(c.pulls() > 1000, "arm c pulled most: " + c.pulls());
                assertFalse(b.pending() > 0, "every decision was rewarded");
            }
        }
    }
}
