package dev.safetap.symbols;

/**
 * Walks the chain of saved frame pointers, as the kernel does for PERF_SAMPLE_CALLCHAIN, but over the copied stack
 * only: a function built with frame pointers pushes its caller's rbp and points rbp at it, so that
 * {@code [rbp]} is the caller's rbp and {@code [rbp + 8]} the return address; the caller's rsp is
 * {@code rbp + 16}. The walk ends where rbp does not point into the copied stack (code built without frame
 * pointers uses rbp for anything, Debian's libc among it), where the frame would not be above the last one, at a
 * return address of 0, or after {@link #MAX_FRAMES} frames; without a sampled rsp or rbp it is the sampled
 * instruction pointer alone. Stateless and thread-safe; the binaries are not read.
 */
public final class FramePointerUnwinder implements StackUnwinder {
    private static final int SP = X86Register.DWARF_SP;
    private static final int BP = X86Register.DWARF_BP;
    private static final int RA = X86Register.DWARF_RA;

    @Override
    public int unwind(int pid, AddressSpace space, UserStack stack, long[] pcs) {
        if (!stack.has(X86Register.IP)) {
            return 0;
        }
        long[] registers = new long[X86Register.DWARF_COLUMNS];
        registers[RA] = stack.value(X86Register.IP);
        registers[SP] = stack.value(X86Register.SP);
        registers[BP] = stack.value(X86Register.BP);
        int limit = Math.min(pcs.length, MAX_FRAMES);
        int n = 0;
        while (n < limit && registers[RA] != 0) {
            pcs[n++] = registers[RA];
            if (!callerOf(stack, registers)) {
                break;
            }
        }
        return n;
    }

    /**
     * The frame-pointer rule, for a frame whose registers (by DWARF column) are {@code registers}: the CFA is
     * rbp + 16, the return address is at CFA - 8 and the caller's rbp at CFA - 16. Sets the caller's rsp, rbp
     * and return address; false, changing nothing, when the 16 bytes at rbp are not all copied or the CFA would
     * not be above rsp.
     */
    static boolean callerOf(UserStack stack, long[] registers) {
        long bp = registers[BP];
        long cfa = bp + 16;
        if (!stack.holds(bp, 16) || Long.compareUnsigned(cfa, registers[SP]) <= 0) {
            return false;
        }
        registers[RA] = stack.word(bp + 8);
        registers[BP] = stack.word(bp);
        registers[SP] = cfa;
        return true;
    }
}
