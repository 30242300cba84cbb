package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * Receives tracepoint samples, in timestamp order across CPUs. Called with primitives only so that
 * delivering an event allocates nothing.
 */
@FunctionalInterface
public interface EventSink {
    /**
     * One tracepoint firing.
     *
     * @param stream    the caller's stream number from the {@link TraceRequest}
     * @param cpu       the CPU the tracepoint fired on
     * @param pid       process id (tgid) of the current task
     * @param tid       thread id of the current task
     * @param timeNanos CLOCK_MONOTONIC time of the firing, in nanoseconds (comparable to {@link System#nanoTime()})
     * @param buf       little-endian buffer holding the raw tracepoint record; valid only during this call
     * @param offset    start of the raw record in {@code buf} (field offsets of the format are relative to it)
     * @param length    length of the raw record, at least the format's fixed size
     */
    void onSample(int stream, int cpu, int pid, int tid, long timeNanos, ByteBuffer buf, int offset, int length);
}
