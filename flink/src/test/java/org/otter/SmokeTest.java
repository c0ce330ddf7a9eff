package org.otter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void loadsFromTheJar() {
        assertEquals("0.1.0", NativeLibrary.version());
        String where = NativeLibrary.class.getProtectionDomain().getCodeSource().getLocation()
                .toString();
        assertTrue(where.endsWith(".jar"), where);
        try (Learner l = Learner.create("logreg", "bits=10")) {
            Features f = new Features().num("x", 1.0).cat("c", "a");
            l.learn(f, 1, 1);
            assertTrue(l.predict(f).probability() > 0.5);
        }
    }
}
