package dev.safetap.session;

import dev.safetap.symbols.UserStack;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.UserStackWalker;

/**
 * Walks the user stacks of one thread's events with call frame information ({@link CallGraph}, DWARF): reads the
 * sampled registers out of the record in place into a reused array, and hands them with the copied stack bytes to
 * {@link MachineSymbols#unwind}. One per {@link EventContext}, as the arrays are the thread's own.
 */
final class DwarfStackWalker implements UserStackWalker {
    private final MachineSymbols symbols;
    private final UserStack stack = new UserStack();
    private long[] registers = new long[0];

    DwarfStackWalker(MachineSymbols symbols) {
        this.symbols = symbols;
    }

    @Override
    public int walk(EventContext ctx, long[] pcs) {
        int count = ctx.userRegsCount;
        if (count <= 0 || ctx.record == null) {
            return 0;
        }
        if (registers.length != count) {
            registers = new long[count];
        }
        for (int i = 0; i < count; i++) {
            registers[i] = ctx.record.getLong(ctx.userRegsOffset + 8 * i);
        }
        stack.set(ctx.userRegsMask, registers, ctx.record, ctx.userStackOffset, ctx.userStackSize);
        return symbols.unwind(ctx.pid, stack, pcs);
    }
}
