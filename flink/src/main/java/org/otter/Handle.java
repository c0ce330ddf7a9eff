package org.otter;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A native handle (the address of a native struct) and the {@link Cleaner} registration
 * that frees it if its owner is garbage collected without {@code close()}.
 *
 * <p>The cleaning action ({@link Release}) holds only the handle's {@link AtomicLong} and
 * its kind, never the owning object, so registering it does not keep the owner alive.
 * Closing swaps the address to 0 first: every later call passes 0 and the native side
 * throws "closed" instead of touching freed memory; a second close does nothing.
 */
final class Handle {
    /** One Cleaner (one daemon thread) per class loader that loads the API. */
    static final Cleaner CLEANER = Cleaner.create();

    static final int LEARNER = 1;
    static final int BANDIT = 2;
    static final int STORE = 3;
    static final int GENERATOR = 4;

    private final AtomicLong address;
    private final Cleaner.Cleanable cleanable;

    Handle(Object owner, long address, int kind) {
        this.address = new AtomicLong(address);
        this.cleanable = CLEANER.register(owner, new Release(this.address, kind));
    }

    /** The address, or 0 once closed. */
    long get() {
        return address.get();
    }

    boolean isClosed() {
        return address.get() == 0;
    }

    /** Frees the native object now (idempotent). */
    void close() {
        cleanable.clean();
    }

    private static final class Release implements Runnable {
        private final AtomicLong address;
        private final int kind;

        Release(AtomicLong address, int kind) {
            this.address = address;
            this.kind = kind;
        }

        @Override
        public void run() {
            long a = address.getAndSet(0);
            if (a == 0) {
                return;
            }
            switch (kind) {
                case LEARNER:
                    Native.learnerFree(a);
                    break;
                case BANDIT:
                    Native.banditFree(a);
                    break;
                case GENERATOR:
                    Native.genFree(a);
                    break;
                default:
                    Native.storeClose(a);
                    break;
            }
        }
    }
}
