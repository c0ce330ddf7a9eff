package org.otter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;

/**
 * The JNI entry points of {@code libotter_jni.so} (src/jni/otter_jni.c). Package-private:
 * the public classes wrap these with argument handling, handle life cycles and Javadoc.
 *
 * <p>Conventions every method follows: a handle is the address of a small native struct
 * whose magic number and kind are checked on every call (0, a closed handle or a handle of
 * another kind throws {@link OtterException}); features cross as a direct buffer in the
 * layout of {@link Features} and its length; a prediction is written into a
 * {@code double[]} in the layout of {@link Prediction}; every error is thrown as an
 * {@link OtterException} carrying the C status name and message.
 */
final class Native {
    static {
        NativeLibrary.load();
    }

    private Native() {}

    /* Result codes of feedback, reward and activate (see EventResult). */
    static final int EVENT_OK = 0;
    static final int EVENT_UNKNOWN = 1;
    static final int EVENT_EXPIRED = 2;
    static final int EVENT_DUPLICATE = 3;
    static final int EVENT_NOT_ACTIVE = 4;

    // ---- library -----------------------------------------------------------------

    static native String version();

    static native int keyGroupOf(String name);

    static native String[] learnerTypes();

    static native String[] banditTypes();

    // ---- learners ----------------------------------------------------------------

    static native long learnerCreate(String type, String params);

    static native long learnerDecode(byte[] blob);

    static native void learnerFree(long h);

    static native void learnerPredict(long h, ByteBuffer features, int len, double[] out);

    static native void learnerLearn(long h, ByteBuffer features, int len, double label,
            double weight, double[] before);

    static native void learnerPredictBatch(long h, ByteBuffer batch, int len, int n, double[] out);

    static native void learnerLearnBatch(long h, ByteBuffer batch, int len, int n, double[] labels,
            double[] weights, double[] before);

    static native byte[] learnerEncode(long h);

    static native String learnerType(long h);

    static native String learnerParams(long h);

    /** {task, classes, bytes, updates}. */
    static native long[] learnerInfo(long h);

    static native String learnerDump(long h);

    // ---- bandits -----------------------------------------------------------------

    static native long banditCreate(String policy, String[] arms, String params);

    static native long banditDecode(byte[] blob);

    static native void banditFree(long h);

    static native byte[] banditRank(long h, ByteBuffer context, int len, String eventId,
            String[] candidates, String[] exclude, String unit, boolean defer, long nowMs);

    static native int banditReward(long h, String eventId, double reward, long nowMs);

    static native int banditActivate(long h, String eventId, long nowMs);

    static native long banditExpire(long h, long nowMs);

    static native void banditAddArm(long h, String arm);

    static native void banditRemoveArm(long h, String arm);

    static native String[] banditArms(long h);

    /** {pulls, rewardSum, mean, estimate, lower, upper, probBest}. */
    static native double[] banditArmStats(long h, int arm);

    static native byte[] banditEncode(long h);

    static native String banditType(long h);

    static native String banditParams(long h);

    /** {pending, bytes}. */
    static native long[] banditInfo(long h);

    // ---- generators --------------------------------------------------------------

    static native long genCreate(String type, String params, long seed);

    static native void genFree(long h);

    static native String[] genMetaNames(long h);

    static native byte[] genNext(long h);

    // ---- the store ---------------------------------------------------------------

    static native long storeOpen(String dir, int durability, long cacheBytes);

    static native void storeClose(long h);

    static native boolean storeCreateLearner(long h, int kg, String name, String type,
            String params);

    static native boolean storeCreateBandit(long h, int kg, String name, String policy,
            String[] arms, String params);

    static native void storePredict(long h, int kg, String name, ByteBuffer features, int len,
            String eventId, long deadlineMs, double[] out);

    static native void storePredictBatch(long h, int kg, String name, ByteBuffer batch, int len,
            int n, double[] out);

    static native void storeLearn(long h, int kg, String name, ByteBuffer features, int len,
            double label, double weight, double[] before);

    static native void storeLearnBatch(long h, int kg, String name, ByteBuffer batch, int len,
            int n, double[] labels, double[] weights, double[] before);

    static native int storeFeedback(long h, int kg, String name, String eventId, double label,
            double weight, double[] before);

    static native byte[] storeRank(long h, int kg, String name, ByteBuffer context, int len,
            String eventId, String[] candidates, String[] exclude, String unit, boolean defer,
            long nowMs);

    static native int storeReward(long h, int kg, String name, String eventId, double reward,
            long nowMs);

    static native int storeActivate(long h, int kg, String name, String eventId, long nowMs);

    static native void storeAddArm(long h, int kg, String name, String arm);

    static native void storeRemoveArm(long h, int kg, String name, String arm);

    static native byte[] storeExpire(long h, long nowMs);

    static native long[] storeSnapshot(long h, long id);

    static native long[] storeSnapshots(long h);

    static native void storeRestore(long h, long id);

    static native void storeRetain(long h, int n);

    static native void storeDropSnapshot(long h, long id);

    static native void storeExport(long h, long id, int kgLo, int kgHi, OutputStream out,
            byte[] chunk) throws IOException;

    static native long[] storeImport(long h, InputStream in, byte[] chunk) throws IOException;

    static native boolean storeEventPut(long h, int kg, String name, String eventId,
            byte[] payload, long deadlineMs);

    static native byte[] storeEventTake(long h, int kg, String name, String eventId);

    static native long[] storeImportNext(long h, InputStream in, byte[] chunk)
            throws IOException;

    static native int storeExportKeyGroups(long h, long id, int kgLo, int kgHi,
            NativeStore.KeyGroupSink sink, byte[] chunk) throws IOException;

    static native void storeDropKeyGroups(long h, int kgLo, int kgHi);

    static native byte[] storeGetState(long h, int kg, String name);

    static native void storePutState(long h, int kg, String name, int kind, byte[] blob);

    static native boolean storeDelete(long h, int kg, String name);

    static native byte[] storeList(long h, int kgLo, int kgHi);

    static native long[] storeStats(long h);

    static native long storeNativeBytes(long h);
}
