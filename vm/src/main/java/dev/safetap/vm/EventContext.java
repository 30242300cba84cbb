package dev.safetap.vm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The event an action runs on. One instance is filled in place by the caller and reused for every
 * event, so that delivering an event allocates nothing. The record is read in place:
 * {@code record} bytes {@code [offset, offset + length)} are the raw tracepoint record
 * (little-endian); probes without a record ignore those fields. The event's call chain, when it has one, is
 * {@code callchainLength} u64 entries of the perf format (addresses after {@code PERF_CONTEXT_KERNEL} and
 * {@code PERF_CONTEXT_USER} markers) from {@code callchainOffset} in the same buffer.
 *
 * <p>When the probe's samples copy the task's user registers and stack ({@code userState}: {@code userRegsCount}
 * u64 registers of mask {@code userRegsMask} from {@code userRegsOffset}, {@code userStackSize} stack bytes from
 * {@code userStackOffset}), its user stacks are walked from them by {@code walker}, once per event and only if the
 * action takes one ({@link #userFrames}); else they are the call chain's user part.
 */
public final class EventContext {
    public ByteBuffer record;
    public int offset;
    public int length;
    public int pid;
    public int tid;
    public int cpu;
    /** Event time, CLOCK_MONOTONIC nanoseconds (the clock of {@link System#nanoTime()} on Linux). */
    public long timeNanos;
    /** Name of the thread that caused the event: {@code commLength} bytes, filled by the caller. */
    public final byte[] comm = new byte[16];
    public int commLength;
    public int callchainOffset;
    public int callchainLength;
    /** Whether the sample carries the user registers and stack that {@link #walker} unwinds. */
    public boolean userState;
    public long userRegsMask;
    public int userRegsOffset;
    public int userRegsCount;
    public int userStackOffset;
    public int userStackSize;
    /** What walks the user stack of events with {@link #userState}; set once by whoever owns this context. */
    public UserStackWalker walker;
    /** The user frames walked for this event, innermost first; {@link #userFrameCount} of them once walked. */
    final long[] userFrames = new long[dev.safetap.bytecode.Limits.MAX_STACK_FRAMES];
    /** How many of {@link #userFrames} hold this event's frames; negative until they are walked. */
    int userFrameCount = -1;

    /** Marks the user frames as not yet walked: the caller does so for every event it fills in. */
    public void newEvent() {
        userFrameCount = -1;
    }

    /**
     * This event's user frames, walked on first use ({@link #userFrameCount} of them in {@link #userFrames}); 0
     * frames when the sample has no user state (a kernel thread) or no walker is set.
     */
    int userFrames() {
        if (userFrameCount < 0) {
            userFrameCount = walker == null || userRegsCount == 0 ? 0 : walker.walk(this, userFrames);
        }
        return userFrameCount;
    }

    /** An event caused by the tracer's own thread, as BEGIN, END and interval probes see it. */
    public static EventContext ofTracer() {
        EventContext ctx = new EventContext();
        ctx.pid = (int) ProcessHandle.current().pid();
        ctx.tid = ctx.pid;
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self"));
            ctx.tid = Integer.parseInt(self.getFileName().toString());
            byte[] comm = Files.readAllBytes(Path.of("/proc/thread-self/comm"));
            ctx.commLength = Math.min(ctx.comm.length, comm.length > 0 && comm[comm.length - 1] == '\n' ? comm.length - 1 : comm.length);
            System.arraycopy(comm, 0, ctx.comm, 0, ctx.commLength);
        } catch (IOException | RuntimeException e) {
            ctx.commLength = 0;
        }
        ctx.timeNanos = System.nanoTime();
        return ctx;
    }
}
