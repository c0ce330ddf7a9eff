package org.otter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads {@code libotter_jni.so}, the native half of this API, once per class loader.
 *
 * <p>The library ships inside the jar at {@value #RESOURCE}. {@link #load()} copies it to a
 * uniquely named temporary file ({@link Files#createTempFile}), {@link System#load}s that
 * file and deletes it (the mapping stays valid). Each class loader that loads these classes
 * therefore loads its own copy under its own path: a Flink job restart in the same task
 * manager, which brings a new user-code class loader, never fails with "already loaded in
 * another classloader", and the old copy is unloaded with the old class loader.
 *
 * <p>System properties:
 *
 * <ul>
 *   <li>{@code otter.jni.path}: load this file instead of the jar's copy (still through a
 *       temporary copy, so it works from several class loaders too); for tests run from
 *       the build tree ({@code .libs/libotter_jni.so}).
 *   <li>{@code otter.jni.tmpdir}: directory for the temporary copy (default
 *       {@code java.io.tmpdir}; a Flink task manager may point it at one of its
 *       {@code io.tmp.dirs}). It must allow executable mappings (not {@code noexec}).
 * </ul>
 *
 * <p>Thread safety: {@link #load()} is synchronized and idempotent. Every class of the API
 * calls it from its static initializer, so user code never has to.
 */
public final class NativeLibrary {
    /** Where the jar carries the library (x86-64 Linux). */
    public static final String RESOURCE = "/native/linux-x86_64/libotter_jni.so";

    private static boolean loaded;

    private NativeLibrary() {}

    /**
     * Loads the library into this class loader if it is not loaded yet.
     *
     * @throws OtterException UNSUPPORTED on a platform other than x86-64 Linux without
     *     {@code otter.jni.path}; NOT_FOUND when the jar has no library; IO when the
     *     temporary copy cannot be written or loaded (the message names the file)
     */
    public static synchronized void load() {
        if (loaded) {
            return;
        }
        String override = System.getProperty("otter.jni.path");
        Path tmp = null;
        try {
            String dir = System.getProperty("otter.jni.tmpdir");
            tmp = dir == null || dir.isEmpty()
                    ? Files.createTempFile("libotter_jni-", ".so")
                    : Files.createTempFile(Paths.get(dir), "libotter_jni-", ".so");
            if (override != null && !override.isEmpty()) {
                Files.copy(Paths.get(override), tmp, StandardCopyOption.REPLACE_EXISTING);
            } else {
                checkPlatform();
                try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
                    if (in == null) {
                        throw new OtterException("NOT_FOUND", "the jar has no " + RESOURCE
                                + " (build it with ./configure && make, then mvn package)");
                    }
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
            }
            System.load(tmp.toAbsolutePath().toString());
            loaded = true;
        } catch (IOException | UnsatisfiedLinkError e) {
            throw new OtterException("IO", "cannot load the Otter JNI library"
                    + (tmp != null ? " from " + tmp : "") + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless; the library is loaded or not
                }
            }
        }
    }

    /**
     * Whether the library is loaded in this class loader.
     *
     * @return true once {@link #load()} succeeded
     */
    public static synchronized boolean isLoaded() {
        return loaded;
    }

    /**
     * The version of the C library, such as {@code "0.1.0"}.
     *
     * @return the version text
     */
    public static String version() {
        load();
        return Native.version();
    }

    private static void checkPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new OtterException("UNSUPPORTED", "the jar carries the Otter JNI library for"
                    + " x86-64 Linux only, not " + os + "/" + arch
                    + "; build it there and set -Dotter.jni.path");
        }
    }
}
