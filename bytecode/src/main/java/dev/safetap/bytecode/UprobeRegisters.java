package dev.safetap.bytecode;

import java.util.List;

/**
 * What a uprobe's event is: the task's user registers at the probed instruction, as perf samples them
 * (PERF_SAMPLE_REGS_USER with {@link #MASK}, one u64 per set bit in ascending bit order), read as a record whose
 * fields are the x86-64 calling convention's places. At a function's first instruction the System V ABI has its
 * first six integer arguments in rdi, rsi, rdx, rcx, r8 and r9 ({@code arg0} .. {@code arg5}); at its return, the
 * value in rax ({@code retval}). No memory is read: the registers are copied by the kernel with the sample.
 */
public final class UprobeRegisters {
    /**
     * The registers sampled: every general register (asm/perf_regs.h bits 0-8 and 16-23: ax, bx, cx, dx, si, di, bp,
     * sp, ip, r8-r15), the same set a DWARF stack walk needs, so one sample serves both.
     */
    public static final long MASK = 0xff01ffL;
    /** Bytes of the register record: 8 per register of {@link #MASK}. */
    public static final int RECORD_BYTES = 8 * Long.bitCount(MASK);

    /** The record of a uprobe: its six integer arguments. */
    public static final RecordFormat UPROBE = new RecordFormat("uprobe", List.of(
            register("arg0", 5), register("arg1", 4), register("arg2", 3), register("arg3", 2), register("arg4", 16),
            register("arg5", 17)));
    /** The record of a uretprobe: the value returned. */
    public static final RecordFormat URETPROBE = new RecordFormat("uretprobe", List.of(register("retval", 0)));

    private UprobeRegisters() {
    }

    /** The record format of a probe of {@code kind}, null for kinds that are not uprobes. */
    public static RecordFormat format(ProbeKind kind) {
        return switch (kind) {
            case UPROBE -> UPROBE;
            case URETPROBE -> URETPROBE;
            default -> null;
        };
    }

    /** The field {@code name} holding perf register {@code bit}: at its place among the sampled registers. */
    private static RecordField register(String name, int bit) {
        int offset = 8 * Long.bitCount(MASK & ((1L << bit) - 1));
        return new RecordField("unsigned long", name, offset, 8, false, false, -1, false);
    }
}
