package dev.safetap.symbols;

import dev.safetap.symbols.UnwindRow.Rule;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

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
 * itself. The vDSO is walked by its own call frame information ({@link VdsoImage}). A pc without call frame
 * information (no file behind it, JIT code) falls back to the frame-pointer rule
 * ({@link FramePointerUnwinder#callerOf}) when rbp points into the copied stack.
 *
 * <p>Registers. Ask for {@link UserStack#GENERAL_MASK} (at least {@link UserStack#MINIMUM_MASK}: IP, SP, BP) and
 * a stack of 16 KiB (perf's default is 8 KiB; the walk ends where the copy does), up to
 * {@link UserStack#MAX_STACK} bytes for deep stacks. Registers not
 * sampled are unknown, and so is a register whose rule is undefined; the others keep their value from callee to
 * caller unless a rule restores them.
 *
 * <p>Caches. The images come from the {@link UserSymbolizer}'s cache; the call frame information of at most
 * {@link #MAX_FILES} of them, about {@link #MAX_BYTES} of heap, is kept, least recently used evicted first.
 * The binary and call frame information of the last {@link #RECENT} mappings walked through are remembered, so
 * that a frame in one of them costs a mapping lookup, not a visit of each cache; and {@link #ROWS} rows are kept
 * by the address they were found for, so that a return address seen before (a hot path, a recursion) is not
 * interpreted again. Both let go of call frame information the cache evicts. Unwinding reuses this object's
 * rows, registers and expression stack, allocating per frame only what the mapping lookup does (about 24
 * bytes). Not thread-safe: the printing thread owns it, as it owns the symbolizer.
 */
public final class DwarfUnwinder implements StackUnwinder {
    /** The most binaries whose call frame information is kept. */
    public static final int MAX_FILES = 256;
    /** The heap the kept call frame information may hold together, roughly. */
    public static final long MAX_BYTES = 256L << 20;
    /** How many mappings {@link #rowAt} remembers the binary of, without asking the caches. */
    static final int RECENT = 8;
    /** How many rows are kept by the address they were found for (a power of two). */
    static final int ROWS = 256;

    private static final int COLUMNS = X86Register.DWARF_COLUMNS;
    private static final int SP = X86Register.DWARF_SP;
    private static final int BP = X86Register.DWARF_BP;
    private static final int RA = X86Register.DWARF_RA;
    private static final X86Register[] REGISTERS = X86Register.values();

    private final UserSymbolizer symbolizer;
    private final int maxFiles;
    private final long maxBytes;
    private final LinkedHashMap<BinaryImage, CallFrameInfo> infos = new LinkedHashMap<>(16, 0.75f, true);
    private long infoBytes;
    private final long[] registers = new long[COLUMNS];
    private final long[] caller = new long[COLUMNS];
    private long known;
    private final UnwindRow found = new UnwindRow();
    private final DwarfExpression expression = new DwarfExpression();
    /** The last mappings looked up (by identity, with their pid), their binary's ELF file and call frame information. */
    private final Mapping[] recentMappings = new Mapping[RECENT];
    private final int[] recentPids = new int[RECENT];
    private final ElfFile[] recentFiles = new ElfFile[RECENT];
    private final CallFrameInfo[] recentInfos = new CallFrameInfo[RECENT];
    private int nextRecent;
    /** Rows by a hash of the address: the information and ELF address each was found for. */
    private final UnwindRow[] rows = new UnwindRow[ROWS];
    private final CallFrameInfo[] rowInfos = new CallFrameInfo[ROWS];
    private final long[] rowAddresses = new long[ROWS];

    /** An unwinder finding binaries, and their debug files, through {@code symbolizer}. */
    public DwarfUnwinder(UserSymbolizer symbolizer) {
        this(symbolizer, MAX_FILES, MAX_BYTES);
    }

    DwarfUnwinder(UserSymbolizer symbolizer, int maxFiles, long maxBytes) {
        this.symbolizer = symbolizer;
        this.maxFiles = maxFiles;
        this.maxBytes = maxBytes;
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
            UnwindRow row = rowAt(pid, space, interrupted ? pc : pc - 1);
            if (row != null) {
                if (!callerByRow(row, stack)) {
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

    /**
     * The rules at {@code pc} of the binary mapped there, from {@link #rows} or found and kept there; null when
     * there are none. The row is valid until the next call.
     */
    private UnwindRow rowAt(int pid, AddressSpace space, long pc) {
        Mapping mapping = space.mappingAt(pc);
        if (mapping == null || !mapping.fileBacked() && !mapping.vdso()) {
            return null;
        }
        int recent = recent(pid, mapping);
        if (recent < 0) {
            return null;
        }
        ElfFile file = recentFiles[recent];
        long fileOffset = mapping.fileOffset(pc);
        long address = file.virtualAddressOr(fileOffset, -1);
        if (address == -1 && file.virtualAddress(fileOffset).isEmpty()) {
            return null;
        }
        CallFrameInfo info = recentInfos[recent];
        int slot = (int) ((address * 0x9e3779b97f4a7c15L) >>> (64 - Integer.numberOfTrailingZeros(ROWS)));
        UnwindRow kept = rows[slot];
        if (kept != null && rowInfos[slot] == info && rowAddresses[slot] == address) {
            return kept;
        }
        if (!info.find(address, found)) {
            return null;
        }
        if (kept == null) {
            kept = new UnwindRow();
            rows[slot] = kept;
        }
        kept.copyFrom(found);
        rowInfos[slot] = info;
        rowAddresses[slot] = address;
        return kept;
    }

    /**
     * Where {@code mapping} of {@code pid} is among the recent ones, added first if it is not; -1 when no ELF file
     * can be read for it. A mapping names one version of one file while it exists, so its binary need not be
     * looked up again; the few remembered keep their call frame information alive even once evicted from the
     * cache, which costs at most {@link #RECENT} binaries' worth.
     */
    private int recent(int pid, Mapping mapping) {
        for (int i = 0; i < RECENT; i++) {
            if (recentMappings[i] == mapping && recentPids[i] == pid) {
                return i;
            }
        }
        Optional<BinaryImage> image = symbolizer.image(pid, mapping);
        if (image.isEmpty() || image.get().elf().isEmpty()) {
            return -1;
        }
        int slot = nextRecent;
        nextRecent = (nextRecent + 1) % RECENT;
        recentMappings[slot] = mapping;
        recentPids[slot] = pid;
        recentFiles[slot] = image.get().elf().get();
        recentInfos[slot] = info(image.get());
        return slot;
    }

    /**
     * Replaces {@link #registers} with the caller's, as {@code row} says; false when the walk ends here (see the
     * class comment).
     */
    private boolean callerByRow(UnwindRow row, UserStack stack) {
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

    /** Drops the recent mappings and kept rows of {@code evicted}, so that it is not held beyond the caches' bound. */
    private void forget(CallFrameInfo evicted) {
        for (int i = 0; i < RECENT; i++) {
            if (recentInfos[i] == evicted) {
                recentMappings[i] = null;
                recentInfos[i] = null;
                recentFiles[i] = null;
            }
        }
        for (int i = 0; i < ROWS; i++) {
            if (rowInfos[i] == evicted) {
                rowInfos[i] = null;
            }
        }
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
        while (infos.size() > 1 && (infos.size() > maxFiles || infoBytes > maxBytes)) {
            CallFrameInfo evicted = eldest.next().getValue();
            infoBytes -= evicted.retainedBytes();
            eldest.remove();
            forget(evicted);
        }
        return info;
    }
}
