package org.otter.flink;

import java.io.Serializable;

/**
 * Options every Otter operator takes: where its native store lives, which clock its
 * deadlines follow, and what it emits at the end of a bounded input. Fluent setters return
 * the options themselves; {@link #validate()} runs when an operator is created.
 *
 * @param <T> the concrete options type (for fluent setters)
 */
public abstract class OperatorOptions<T extends OperatorOptions<T>> implements Serializable {
    private static final long serialVersionUID = 1L;

    String baseDirectory;
    TimeMode timeMode = TimeMode.PROCESSING;
    long expiryInterval = 1000;
    long cacheBytes = 8L << 20;
    boolean emitModelsAtEnd;

    @SuppressWarnings("unchecked")
    final T self() {
        return (T) this;
    }

    /**
     * The directory under which each subtask makes its store's unique directory
     * (job, operator, subtask, attempt, random suffix). Default: the task manager's first
     * {@code io.tmp.dirs} entry. Local disk only holds a cache of what Flink checkpoints:
     * losing it loses nothing checkpointed.
     *
     * @param dir the base directory, or null for the default
     * @return these options
     */
    public T baseDirectory(String dir) {
        this.baseDirectory = dir;
        return self();
    }

    /**
     * The clock of deadlines (default {@link TimeMode#PROCESSING}).
     *
     * @param mode the mode
     * @return these options
     */
    public T timeMode(TimeMode mode) {
        this.timeMode = mode;
        return self();
    }

    /**
     * How often (ms) expired events are collected in {@link TimeMode#PROCESSING} (default
     * 1000).
     *
     * @param ms the interval
     * @return these options
     */
    public T expiryInterval(long ms) {
        this.expiryInterval = ms;
        return self();
    }

    /**
     * RocksDB block cache of each subtask's store, bytes (default 8 MiB; hot models are
     * kept decoded in memory anyway).
     *
     * @param bytes the size
     * @return these options
     */
    public T cacheBytes(long bytes) {
        this.cacheBytes = bytes;
        return self();
    }

    /**
     * Whether to emit every model of the subtask ({@link ModelState}, side output
     * {@link NativeStateOperator#MODELS}) when a bounded input ends. Default off.
     *
     * @param on true to emit
     * @return these options
     */
    public T emitModelsAtEnd(boolean on) {
        this.emitModelsAtEnd = on;
        return self();
    }

    /**
     * Checks the options; the message names the bad field.
     *
     * @throws IllegalArgumentException for a bad value
     */
    public void validate() {
        if (timeMode == null) {
            throw new IllegalArgumentException("timeMode is required");
        }
        if (expiryInterval < 1) {
            throw new IllegalArgumentException("expiryInterval must be >= 1 ms, not "
                    + expiryInterval);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must be >= 0, not " + cacheBytes);
        }
    }
}
