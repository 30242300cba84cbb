package dev.safetap.vm;

import java.nio.ByteBuffer;

/**
 * The event an action runs on. One instance is filled in place by the caller and reused for every
 * event, so that delivering an event allocates nothing. The record is read in place:
 * {@code record} bytes {@code [offset, offset + length)} are the raw tracepoint record
 * (little-endian); probes without a record ignore those fields.
 */
public final class EventContext {
    public ByteBuffer record;
    public int offset;
    public int length;
    public int pid;
    public int tid;
    public int cpu;
    /** User id of the thread, 0 when unknown. */
    public int uid;
    /** Event time, CLOCK_MONOTONIC nanoseconds (the clock of {@link System#nanoTime()} on Linux). */
    public long timeNanos;
    /** Name of the thread that caused the event: {@code commLength} bytes, filled by the caller. */
    public final byte[] comm = new byte[16];
    public int commLength;
}
