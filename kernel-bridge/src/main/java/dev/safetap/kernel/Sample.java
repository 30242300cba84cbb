package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * One sample, decoded from its event's sample_type ({@link SampleFormat}) in place: a view of the record in
 * {@link #buffer()}, reused for every sample of its request and valid only during {@link EventSink#onSample}.
 * A field the event does not sample reads as 0 (an absent block has count or length 0); {@link #has} says which
 * are there. Variable parts (raw record, callchain, registers, stack) are given as offsets into the buffer, so
 * that reading a sample allocates nothing.
 */
public final class Sample {
    /** Callchain marker: the entries after it are kernel addresses. */
    public static final long CONTEXT_KERNEL = -128;
    /** Callchain marker: the entries after it are user addresses. */
    public static final long CONTEXT_USER = -512;
    /** User registers not sampled: the task was a kernel thread. */
    public static final long REGS_ABI_NONE = 0;
    /** User registers of a 32-bit task. */
    public static final long REGS_ABI_32 = 1;
    /** User registers of a 64-bit task. */
    public static final long REGS_ABI_64 = 2;

    final long sampleType;
    final int stream;
    ByteBuffer buffer;
    int cpu;
    int pid;
    int tid;
    long time;
    long ip;
    long period;
    int rawOffset;
    int rawLength;
    int callchainLength;
    int callchainOffset;
    long userRegsAbi;
    long userRegsMask;
    int userRegsCount;
    int userRegsOffset;
    int userStackSize;
    int userStackOffset;
    long userStackDynSize;

    /** A view of samples of {@code sampleType} from the events of {@code stream}. */
    Sample(long sampleType, int stream) {
        this.sampleType = sampleType;
        this.stream = stream;
    }

    /** Whether the event samples {@code field}. */
    public boolean has(SampleField field) {
        return (sampleType & field.bit()) != 0;
    }

    /** The caller's stream number from the {@link TraceRequest}. */
    public int stream() {
        return stream;
    }

    /** The CPU the event fired on. */
    public int cpu() {
        return cpu;
    }

    /** Process id (tgid) of the current task. */
    public int pid() {
        return pid;
    }

    /** Thread id of the current task. */
    public int tid() {
        return tid;
    }

    /** CLOCK_MONOTONIC time of the event, in nanoseconds (comparable to {@link System#nanoTime()}). */
    public long timeNanos() {
        return time;
    }

    /** Instruction pointer where the event fired (IP). */
    public long ip() {
        return ip;
    }

    /** Sampling period the event fired at (PERIOD). */
    public long period() {
        return period;
    }

    /** Little-endian buffer holding the whole perf record; the offsets below point into it. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Start of the raw record (RAW): a tracepoint format's field offsets are relative to it. */
    public int rawOffset() {
        return rawOffset;
    }

    /** Length of the raw record, padding included: at least a tracepoint format's fixed size. */
    public int rawLength() {
        return rawLength;
    }

    /** Number of callchain entries (CALLCHAIN), {@link #CONTEXT_KERNEL}-style markers included. */
    public int callchainLength() {
        return callchainLength;
    }

    /** Where the callchain's u64 entries start in {@link #buffer()}. */
    public int callchainOffset() {
        return callchainOffset;
    }

    /** Callchain entry {@code i}, {@code 0 <= i < callchainLength()}. */
    public long callchain(int i) {
        return buffer.getLong(callchainOffset + 8 * checkIndex(i, callchainLength));
    }

    /** ABI of the sampled user registers (REGS_USER): {@link #REGS_ABI_NONE}, {@link #REGS_ABI_32} or {@link #REGS_ABI_64}. */
    public long userRegsAbi() {
        return userRegsAbi;
    }

    /**
     * The sample_regs_user mask of this sample's event when it samples user registers (REGS_USER), 0 when it does
     * not: nonzero even for a sample of a kernel thread, which has none ({@link #userRegsCount()} 0).
     */
    public long userRegsMask() {
        return userRegsMask;
    }

    /** Number of sampled user registers: one per bit of the request's mask, none when the ABI is NONE. */
    public int userRegsCount() {
        return userRegsCount;
    }

    /** Where the user registers' u64 values start, in ascending order of their mask bits. */
    public int userRegsOffset() {
        return userRegsOffset;
    }

    /** The {@code i}-th sampled user register (the register of the mask's {@code i}-th lowest set bit). */
    public long userRegister(int i) {
        return buffer.getLong(userRegsOffset + 8 * checkIndex(i, userRegsCount));
    }

    /** Bytes of user stack copied (STACK_USER): the requested size, less if the sample had to fit; 0 for a kernel thread. */
    public int userStackSize() {
        return userStackSize;
    }

    /** Where the copied user stack starts: its first byte is the one at the user stack pointer. */
    public int userStackOffset() {
        return userStackOffset;
    }

    /** How many of the copied stack bytes were in use (the kernel's dyn_size), at most {@link #userStackSize()}. */
    public long userStackDynSize() {
        return userStackDynSize;
    }

    private static int checkIndex(int i, int length) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("entry " + i + " of " + length);
        }
        return i;
    }
}
