package dev.safetap.symbols;

import dev.safetap.symbols.UnwindRow.Rule;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Unwinds a sampled user stack with each binary's call frame information, as {@code perf --call-graph dwarf}
 * does, so that code built without frame pointers (Debian's libc, {@code -O2 -fomit-frame-pointer}) is walked
 * through.
 *
 * <p>One step. The frame's pc is mapped to its binary through the process's mapping (file offset) and the
 * binary's PT_LOAD segments (ELF virtual address), as symbol lookups are; its {@link UnwindRow} gives the CFA and
 * where the caller's registers were saved; the caller's rsp is the CFA, its pc the return address. Every saved
 * value is read from the copied stack: one outside it ends the walk, as does an undefined return address (the
 * outermost frame, {@code _start}), a CFA not above rsp, a register the rules need but whose value is unknown,
 * or a pc of 0. A return address points after its call, which may be the last instruction of a function, so the
 * row of a caller is looked up at pc - 1; not so after a signal trampoline, whose caller was interrupted at pc
 * itself. A pc without call frame information (no file behind it, JIT code, the vDSO) falls back to the
 * frame-pointer rule ({@link FramePointerUnwinder#callerOf}) when rbp points into the copied stack.
 *
 * <p>Registers. Ask for {@link UserStack#GENERAL_MASK} (at least {@link UserStack#MINIMUM_MASK}: IP, SP, BP) and
 * a stack of up to {@link UserStack#MAX_STACK} bytes; 16 KiB reach main in ordinary C programs. Registers not
 * sampled are unknown, and so is a register whose rule is undefined; the others keep their value from callee to
 * caller unless a rule restores them.
 *
 * <p>Caches. The images come from the {@link UserSymbolizer}'s cache; the call frame information of at most
 * {@link #MAX_FILES} of them, about {@link #MAX_BYTES} of heap, is kept, least recently used evicted first.
 * Unwinding reuses this object's row, registers and expression stack, allocating nothing per frame beyond the
 * lookups of mapping and image. Not thread-safe: the printing thread owns it, as it owns the symbolizer.
 */
public final class DwarfUnwinder implements StackUnwinder {
    /** The most binaries whose call frame information is kept. */
    public static final int MAX_FILES = 256;
    /** The heap the kept call frame information may hold together, roughly. */
    public static final long MAX_BYTES = 256L << 20;

    private static final int COLUMNS = X86Register.DWARF_COLUMNS;
    private static final int SP = X86Register.DWARF_SP;
    private static final int BP = X86Register.DWARF_BP;
    private static final int RA = X86Register.DWARF_RA;
    private static final X86Register[] REGISTERS = X86Register.values();

    private final UserSymbolizer symbolizer;
    private final LinkedHashMap<BinaryImage, CallFrameInfo> infos = new LinkedHashMap<>(16, 0.75f, true);
    private long infoBytes;
    private final long[] registers = new long[COLUMNS];
    private final long[] caller = new long[COLUMNS];
    private long known;
    private final UnwindRow row = new UnwindRow();
    private final DwarfExpression expression = new DwarfExpression();

    /** An unwinder finding binaries, and their debug files, through {@code symbolizer}. */
    public DwarfUnwinder(UserSymbolizer symbolizer) {
        this.symbolizer = symbolizer;
    }

    @Override
    public int unwind(int pid, AddressSpace space, UserStack stack, long[] pcs) {
        known = 0;
        for (X86Register register : REGISTERS) {
            if (register.dwarf() >= 0 && stack.has(register)) {
                registers[register.dwarf()] = stack.value(register);
                known |= 1L << register.dwarf();
            }
        }
        int limit = Math.min(pcs.length, MAX_FRAMES);
        int n = 0;
        boolean interrupted = true;
        while (n < limit && isKnown(RA) && registers[RA] != 0) {
            long pc = registers[RA];
            pcs[n++] = pc;
            if (n == limit || !isKnown(SP)) {
                break;
            }
            if (rowAt(pid, space, interrupted ? pc : pc - 1)) {
                if (!callerByRow(stack)) {
                    break;
                }
                interrupted = row.signalFrame();
            } else {
                if (!isKnown(BP) || !FramePointerUnwinder.callerOf(stack, registers)) {
                    break;
                }
                interrupted = false;
            }
        }
        return n;
    }

    /** How many binaries have their call frame information kept. */
    int cachedFiles() {
        return infos.size();
    }

    private boolean isKnown(int column) {
        return (known & (1L << column)) != 0;
    }

    /** Fills {@link #row} with the rules at {@code pc} of the binary mapped there; false when there are none. */
    private boolean rowAt(int pid, AddressSpace space, long pc) {
        Optional<Mapping> found = space.find(pc);
        if (found.isEmpty() || !found.get().fileBacked()) {
            return false;
        }
        Mapping mapping = found.get();
        Optional<BinaryImage> image = symbolizer.image(pid, mapping);
        if (image.isEmpty() || image.get().elf().isEmpty()) {
            return false;
        }
        OptionalLong address = image.get().elf().get().virtualAddress(mapping.fileOffset(pc));
        return address.isPresent() && info(image.get()).find(address.getAsLong(), row);
    }

    /**
     * Replaces {@link #registers} with the caller's, as {@link #row} says; false when the walk ends here (see the
     * class comment).
     */
    private boolean callerByRow(UserStack stack) {
        long cfa;
        if (row.cfaByExpression()) {
            if (!expression.evaluate(row.code, row.cfaExpression, row.cfaExpressionLength, registers, known, stack,
                    false, 0)) {
                return false;
            }
            cfa = expression.value();
        } else {
            int base = row.cfaRegister();
            if (base >= COLUMNS || !isKnown(base)) {
                return false;
            }
            cfa = registers[base] + row.cfaOffset();
        }
        Rule returnRule = row.rule(RA);
        if (Long.compareUnsigned(cfa, registers[SP]) <= 0 || returnRule == Rule.UNDEFINED
                || returnRule == Rule.UNSPECIFIED) {
            return false;
        }
        long callerKnown = 0;
        for (int column = 0; column < COLUMNS; column++) {
            long value = registers[column];
            boolean has = isKnown(column);
            long operand = row.operands[column];
            switch (row.rules[column]) {
                case UNSPECIFIED, SAME_VALUE -> {
                }
                case UNDEFINED -> has = false;
                case OFFSET -> {
                    if (!stack.holds(cfa + operand, 8)) {
                        return false;
                    }
                    value = stack.word(cfa + operand);
                    has = true;
                }
                case VAL_OFFSET -> {
                    value = cfa + operand;
                    has = true;
                }
                case REGISTER -> {
                    has = operand < COLUMNS && isKnown((int) operand);
                    value = has ? registers[(int) operand] : 0;
                }
                case EXPRESSION, VAL_EXPRESSION -> {
                    if (!expression.evaluate(row.code, (int) operand, row.expressionLengths[column], registers, known,
                            stack, true, cfa)) {
                        return false;
                    }
                    value = expression.value();
                    if (row.rules[column] == Rule.EXPRESSION) {
                        if (!stack.holds(value, 8)) {
                            return false;
                        }
                        value = stack.word(value);
                    }
                    has = true;
                }
            }
            caller[column] = value;
            callerKnown |= has ? 1L << column : 0;
        }
        caller[SP] = cfa;
        callerKnown |= 1L << SP;
        System.arraycopy(caller, 0, registers, 0, COLUMNS);
        known = callerKnown;
        return true;
    }

    /** The call frame information of {@code image}, read on first use and kept as the class comment says. */
    private CallFrameInfo info(BinaryImage image) {
        CallFrameInfo info = infos.get(image);
        if (info != null) {
            return info;
        }
        info = CallFrameInfo.of(image);
        infos.put(image, info);
        infoBytes += info.retainedBytes();
        Iterator<Map.Entry<BinaryImage, CallFrameInfo>> eldest = infos.entrySet().iterator();
        while (infos.size() > 1 && (infos.size() > MAX_FILES || infoBytes > MAX_BYTES)) {
            infoBytes -= eldest.next().getValue().retainedBytes();
            eldest.remove();
        }
        return info;
    }
}
