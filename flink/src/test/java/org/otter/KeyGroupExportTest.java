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
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The per-key-group export the Flink operators write at a checkpoint, through Java: one
 * stream per non-empty key group from one open snapshot, read back laid end to end.
 */
class KeyGroupExportTest {
    @TempDir
    Path dir;

    @Test
    void everyNonEmptyKeyGroupOnceThenReadBackEndToEnd() throws IOException {
        int[] groups = {0, 17, 18, 127};
        List<byte[]> blobs = new ArrayList<>();
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Integer> started = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        try (NativeStore s = NativeStore.open(dir.resolve("a").toString(),
                NativeStore.Durability.NONE)) {
            Features f = new Features();
            for (int kg : groups) {
                s.createLearner(kg, "k" + kg, "logreg", "bits=8");
                for (int i = 0; i < 20 + kg; i++) {
                    f.clear().num("x", i % 5).cat("c", "v" + (i % 3));
                    s.learn(kg, "k" + kg, f, i % 2, 1, null);
                }
            }
            s.predictEvent(17, "k17", f, "pending", Long.MAX_VALUE / 2, new Prediction());
            s.snapshot(1);
            for (int kg : groups) {
                blobs.add(s.getState(kg, "k" + kg));
            }
            s.learn(0, "k0", f, 1, 1, null); /* after the snapshot: not exported */
            int n = s.exportKeyGroups(1, 0, 127, kg -> {
                started.add(kg);
                offsets.add(all.size());
                return all;
            });
            assertEquals(4, n);
            assertEquals(List.of(0, 17, 18, 127), started);
            assertEquals(0, s.exportKeyGroups(1, 19, 126, kg -> all), "empty groups skipped");
            OtterException nf = assertThrows(OtterException.class,
                    () -> s.exportKeyGroups(9, 0, 127, kg -> all));
            assertEquals("NOT_FOUND", nf.status());
            /* a sink that throws stops the export with its own exception */
            IOException boom = assertThrows(IOException.class,
                    () -> s.exportKeyGroups(1, 0, 127, kg -> {
                        throw new IOException("sink refused " + kg);
                    }));
            assertEquals("sink refused 0", boom.getMessage());
        }
        byte[] bytes = all.toByteArray();
        try (NativeStore t = NativeStore.open(dir.resolve("b").toString(),
                NativeStore.Durability.NONE)) {
            /* each key group read from its offset, as Flink hands them back (the stream
             * goes on past the group's end) */
            long events = 0;
            for (int i = groups.length - 1; i >= 0; i--) {
                ByteArrayInputStream in = new ByteArrayInputStream(bytes);
                in.skip(offsets.get(i));
                long[] got = t.importNext(in);
                assertEquals(1, got[0]);
                events += got[1];
                int end = i + 1 < groups.length ? offsets.get(i + 1) : bytes.length;
                assertEquals(bytes.length - end, in.available(), "read exactly its group");
            }
            assertEquals(1, events);
            for (int i = 0; i < groups.length; i++) {
                assertArrayEquals(blobs.get(i), t.getState(groups[i], "k" + groups[i]));
            }
            assertEquals(EventResult.OK, t.feedback(17, "k17", "pending", 1, 1, null));
            /* a whole-stream import refuses bytes after the first trailer */
            OtterException e = assertThrows(OtterException.class,
                    () -> t.importFrom(new ByteArrayInputStream(bytes)));
            assertEquals("CORRUPT", e.status());
        }
    }

    @Test
    void genericEventsOnceAndExpiredWithTheirIds() {
        try (NativeStore s = NativeStore.open(dir.resolve("g").toString(),
                NativeStore.Durability.NONE)) {
            byte[] p = {1, 2, 3};
            assertTrue(s.eventPut(4, "nobody#early", "e1", p, 1000));
            assertFalse(s.eventPut(4, "nobody#early", "e1", new byte[0], 1000), "pending id");
            assertTrue(s.eventPut(4, "nobody#early", "e2", new byte[0], 500));
            assertArrayEquals(p, s.eventTake(4, "nobody#early", "e1"));
            assertNull(s.eventTake(4, "nobody#early", "e1"), "taken once");
            assertNull(s.eventTake(5, "nobody#early", "e2"), "another key group");
            List<ExpiredEvent> gone = s.expire(600);
            assertEquals(1, gone.size());
            assertEquals("e2", gone.get(0).eventId());
            assertEquals("nobody#early", gone.get(0).entity());
            assertNull(s.eventTake(4, "nobody#early", "e2"), "expired");
            OtterException e = assertThrows(OtterException.class,
                    () -> s.eventPut(4, "x", "e3", null, 1));
            assertEquals("INVALID", e.status());
        }
    }
}
