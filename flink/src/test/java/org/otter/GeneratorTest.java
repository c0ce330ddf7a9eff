package org.otter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generators through JNI give the rows of `otter gen`, number for number. */
class GeneratorTest {
    static List<String[]> cli(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("otter.build.dir"), "otter").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).start();
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;) {
                rows.add(line.split(",", -1));
            }
        }
        assertEquals(0, p.waitFor(), "otter " + String.join(" ", args));
        return rows;
    }

    @Test
    void fraudRowsEqualTheCli() throws Exception {
        List<String[]> csv = cli("gen", "fraud", "-n", "2000", "--seed", "11", "--param",
                "fraud_rate=0.05");
        String[] header = csv.get(0);
        try (Generator g = Generator.create("fraud", "fraud_rate=0.05", 11)) {
            assertArrayEquals(new String[] {"_label_delay"}, g.metaNames());
            for (int i = 1; i < csv.size(); i++) {
                Generator.Row r = g.next();
                String[] want = csv.get(i);
                List<String> got = new ArrayList<>();
                for (int k = 0; k < r.numNames().length; k++) {
                    assertEquals(header[got.size()], r.numNames()[k]);
                    /* the CLI prints the shortest text that reads back as the same double */
                    assertEquals(Double.parseDouble(want[got.size()]), r.numValues()[k], 0.0,
                            "row " + i + " " + r.numNames()[k]);
                    got.add(r.numNames()[k]);
                }
                for (int k = 0; k < r.catNames().length; k++) {
                    assertEquals(header[got.size()], r.catNames()[k]);
                    assertEquals(want[got.size()], r.catValues()[k], "row " + i);
                    got.add(r.catNames()[k]);
                }
                assertEquals(Double.parseDouble(want[got.size()]), r.label(), 0.0);
                assertEquals(Double.parseDouble(want[got.size() + 1]), r.meta()[0], 0.0);
            }
        }
    }

    @Test
    void badTypeOrParamsThrowAndAClosedGeneratorRefuses() {
        assertEquals("NOT_FOUND", assertThrows(OtterException.class,
                () -> Generator.create("nope", null, 1)).status());
        assertEquals("INVALID", assertThrows(OtterException.class,
                () -> Generator.create("fraud", "fraud_rate=7", 1)).status());
        Generator g = Generator.create("sea", null, 1);
        g.close();
        assertEquals("STATE", assertThrows(OtterException.class, g::next).status());
        g.close();
    }
}
