package org.otter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;

/**
 * A Flink job restart in a task manager: each attempt brings a new user-code class loader
 * that loads the API (and so the JNI library) again, while the old one may still be alive.
 * Loading from several class loaders must work in one JVM, with no UnsatisfiedLinkError
 * ("already loaded in another classloader") and no temporary copies left behind.
 */
class ClassLoaderTest {
    static Path jar() {
        String p = System.getProperty("otter.test.jar");
        assertTrue(p != null && Files.isRegularFile(Paths.get(p)), "otter.test.jar: " + p);
        return Paths.get(p);
    }

    /** A loader like Flink's child-first user-code loader: the jar, over the platform. */
    static URLClassLoader loader() throws IOException {
        return new URLClassLoader(new URL[] {jar().toUri().toURL()},
                ClassLoader.getPlatformClassLoader());
    }

    /** Trains a small learner in the given loader and returns its encoded state. */
    static byte[] train(ClassLoader cl) throws ReflectiveOperationException {
        Class<?> lc = cl.loadClass("org.otter.Learner");
        Class<?> fc = cl.loadClass("org.otter.Features");
        assertSame(cl, lc.getClassLoader(), "the API must come from this loader");
        Object learner = lc.getMethod("create", String.class, String.class).invoke(null,
                "logreg", "bits=8");
        try {
            Object f = fc.getConstructor().newInstance();
            for (int i = 0; i < 100; i++) {
                fc.getMethod("clear").invoke(f);
                fc.getMethod("num", String.class, double.class).invoke(f, "x", (i % 10) - 4.5);
                lc.getMethod("learn", fc, double.class, double.class).invoke(learner, f,
                        i % 10 > 4 ? 1.0 : 0.0, 1.0);
            }
            return (byte[]) lc.getMethod("encode").invoke(learner);
        } finally {
            lc.getMethod("close").invoke(learner);
        }
    }

    static int tempCopies() throws IOException {
        int n = 0;
        Path tmp = Paths.get(System.getProperty("java.io.tmpdir"));
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp, "libotter_jni-*.so")) {
            for (Path ignored : ds) {
                n++;
            }
        }
        return n;
    }

    @Test
    void twoClassLoadersUseTheLibraryAtOnce() throws Exception {
        int before = tempCopies();
        byte[] here = train(ClassLoaderTest.class.getClassLoader());
        try (URLClassLoader a = loader(); URLClassLoader b = loader()) {
            byte[] inA = train(a);
            byte[] inB = train(b);
            assertArrayEquals(here, inA);
            assertArrayEquals(here, inB);
            /* each loader's native code throws its own loader's OtterException */
            Class<?> la = a.loadClass("org.otter.Learner");
            InvocationTargetException e = assertThrows(InvocationTargetException.class,
                    () -> la.getMethod("create", String.class, String.class).invoke(null,
                            "nosuch", ""));
            assertEquals("org.otter.OtterException", e.getCause().getClass().getName());
            assertSame(a, e.getCause().getClass().getClassLoader());
            assertNotSame(OtterException.class, e.getCause().getClass());
        }
        assertEquals(before, tempCopies(), "temporary copies of the library are deleted");
    }

    @Test
    void repeatedRestartsKeepWorking() throws Exception {
        byte[] first = null;
        for (int attempt = 0; attempt < 12; attempt++) {
            try (URLClassLoader cl = loader()) {
                byte[] s = train(cl);
                if (first == null) {
                    first = s;
                }
                assertArrayEquals(first, s, "attempt " + attempt);
            }
            System.gc(); /* lets old loaders (and their copy of the library) go */
        }
    }
}
