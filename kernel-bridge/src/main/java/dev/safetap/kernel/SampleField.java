package dev.safetap.kernel;

import java.util.StringJoiner;

/**
 * The perf sample_type bits ({@code PERF_SAMPLE_*} of {@code include/uapi/linux/perf_event.h}), each with its
 * bit number. A sample holds the fields of its bits in the kernel's record order, which is not bit order
 * ({@link SampleFormat} has it). Every event the bridge opens samples {@link #IDENTIFIER}, {@link #TID},
 * {@link #TIME} and {@link #CPU}; a {@link SampleContent} may ask for the {@link #requestable()} ones on top.
 */
public enum SampleField {
    /** u64 instruction pointer where the event fired. */
    IP(0, true),
    /** u32 pid (tgid), u32 tid of the current task. In every sample. */
    TID(1, false),
    /** u64 time of the event in the event's clock (CLOCK_MONOTONIC here). In every sample. */
    TIME(2, false),
    /** u64 data address (page faults, precise memory events). */
    ADDR(3, false),
    /** The event's counter values, laid out by its read_format. */
    READ(4, false),
    /** u64 nr, then nr u64 return addresses interleaved with PERF_CONTEXT_* markers. */
    CALLCHAIN(5, true),
    /** u64 event id (the position-dependent twin of IDENTIFIER). */
    ID(6, false),
    /** u32 cpu, u32 reserved. In every sample. */
    CPU(7, false),
    /** u64 sampling period the event fired at. */
    PERIOD(8, true),
    /** u64 id of the inherited event's parent. */
    STREAM_ID(9, false),
    /** u32 size, then the tracepoint record (or bytes a BPF program wrote), padded so size + 4 is 8-aligned. */
    RAW(10, true),
    /** Last branch records; the layout depends on branch_sample_type and the CPU. */
    BRANCH_STACK(11, false),
    /** u64 abi, then (unless abi is NONE) one u64 per bit of sample_regs_user, in bit order. */
    REGS_USER(12, true),
    /** u64 size, then (if size is not 0) size bytes of user stack from the stack pointer and u64 dyn_size. */
    STACK_USER(13, true),
    /** u64 weight (latency of a precise memory event). */
    WEIGHT(14, false),
    /** u64 data source of a memory access. */
    DATA_SRC(15, false),
    /** u64 event id, right after the header in a sample and last in a sample_id trailer. In every sample. */
    IDENTIFIER(16, false),
    /** u64 transactional-memory abort reason. */
    TRANSACTION(17, false),
    /** Registers at the interrupt, as REGS_USER but for sample_regs_intr. */
    REGS_INTR(18, false),
    /** u64 physical data address. */
    PHYS_ADDR(19, false),
    /** u64 size, then size bytes of the AUX area. */
    AUX(20, false),
    /** u64 cgroup id of the current task. */
    CGROUP(21, false),
    /** u64 page size of the data address. */
    DATA_PAGE_SIZE(22, false),
    /** u64 page size of the instruction pointer. */
    CODE_PAGE_SIZE(23, false),
    /** WEIGHT split in three (u32, u16, u16); shares WEIGHT's u64. */
    WEIGHT_STRUCT(24, false);

    private final int bitNumber;
    private final boolean requestable;

    SampleField(int bitNumber, boolean requestable) {
        this.bitNumber = bitNumber;
        this.requestable = requestable;
    }

    /** The field's sample_type bit. */
    public long bit() {
        return 1L << bitNumber;
    }

    /** Whether a request may ask for this field: the bridge configures and decodes it into {@link Sample}. */
    public boolean requestable() {
        return requestable;
    }

    /** The names of the fields in {@code bits}, joined by {@code |} in bit order, with unknown bits in hex. */
    static String names(long bits) {
        StringJoiner names = new StringJoiner("|");
        long rest = bits;
        for (SampleField field : values()) {
            if ((rest & field.bit()) != 0) {
                names.add(field.name());
                rest &= ~field.bit();
            }
        }
        if (rest != 0) {
            names.add("0x" + Long.toHexString(rest));
        }
        return names.toString();
    }
}
