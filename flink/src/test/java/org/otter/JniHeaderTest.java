package org.otter;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * The committed src/jni/org_otter_Native.h (clang-formatted) declares exactly what javac -h
 * generates from Native.java now, so the C and Java sides cannot drift apart.
 */
class JniHeaderTest {
    static String squash(Path p) throws Exception {
        /* clang-format may rewrap the comments; the declarations are what must match */
        return Files.readString(p).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("\\s+", "");
    }

    @Test
    void committedHeaderMatchesNativeJava() throws Exception {
        Path generated = Paths.get(System.getProperty("otter.jni.header.dir"),
                "org_otter_Native.h");
        Path committed = Paths.get(System.getProperty("otter.jni.src.dir"), "org_otter_Native.h");
        assertTrue(squash(generated).equals(squash(committed)),
                "regenerate: javac -h src/jni ... Native.java, then clang-format -i (see "
                        + "docs/flink.md)");
    }
}
