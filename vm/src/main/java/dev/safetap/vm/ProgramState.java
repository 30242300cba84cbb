package dev.safetap.vm;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SourcePosition;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What the actions of one program act on while a {@link Tier} runs them: the maps, the output, whether
 * exit() was called, and the counters of what went wrong without stopping the trace (updates dropped by
 * full maps, divisions by zero per instruction, records shorter than their layout per probe). Every tier
 * keeps one, so the states of two tiers run on the same events can be compared entry by entry.
 */
public final class ProgramState {
    private final Program program;
    private final VmOptions options;
    private final TraceOutput output;
    private final MapStore[] maps;
    /** Per probe: the least record length its layout needs, or -1 for probes without a record. */
    private final int[] recordSize;
    private final long[] shortRecords;
    /** Per action: the pcs of its DIV and MOD instructions, ascending; their slot is their index here. */
    private final int[][] divisionPcs;
    private final long[][] divisionsByZero;
    private boolean exitRequested;

    ProgramState(Program program, VmOptions options) {
        this.program = program;
        this.options = options;
        this.output = new TraceOutput(options);
        maps = new MapStore[program.maps().size()];
        for (int m = 0; m < maps.length; m++) {
            maps[m] = new MapStore(program.maps().get(m), options.stacks());
        }
        if (takesStacks(program)) {
            options.stacks().reserve();
        }
        recordSize = new int[program.probes().size()];
        for (int p = 0; p < recordSize.length; p++) {
            ProbeDecl probe = program.probes().get(p);
            int l = probe.layout();
            EventLayout layout = l >= 0 && l < program.layouts().size() ? program.layouts().get(l) : null;
            recordSize[p] = probe.kind().hasRecord() && layout != null ? layout.recordSize() : -1;
        }
        shortRecords = new long[recordSize.length];
        divisionPcs = new int[program.actions().size()][];
        divisionsByZero = new long[divisionPcs.length][];
        for (int a = 0; a < divisionPcs.length; a++) {
            divisionPcs[a] = divisions(program.actions().get(a).code());
            divisionsByZero[a] = new long[divisionPcs[a].length];
        }
    }

    /** Whether some action of the program takes a stack or a symbol, so that the run's stack table is needed. */
    static boolean takesStacks(Program program) {
        for (Action action : program.actions()) {
            byte[] code = action.code();
            try {
                for (int pc = 0; pc < code.length; ) {
                    Instruction insn = Instruction.decode(code, pc);
                    if (insn.opcode() == Opcode.STACK || insn.opcode() == Opcode.SYM) {
                        return true;
                    }
                    pc += insn.length();
                }
            } catch (BytecodeFormatException e) {
                continue;
            }
        }
        return false;
    }

    /** The pcs of the DIV and MOD instructions of {@code code}, decoding up to the first byte that does not decode. */
    private static int[] divisions(byte[] code) {
        int[] pcs = new int[0];
        try {
            for (int pc = 0; pc < code.length; ) {
                Instruction insn = Instruction.decode(code, pc);
                if (insn.opcode() == Opcode.DIV || insn.opcode() == Opcode.MOD) {
                    pcs = Arrays.copyOf(pcs, pcs.length + 1);
                    pcs[pcs.length - 1] = pc;
                }
                pc += insn.length();
            }
        } catch (BytecodeFormatException e) {
            return pcs;
        }
        return pcs;
    }

    public Program program() {
        return program;
    }

    public VmOptions options() {
        return options;
    }

    TraceOutput output() {
        return output;
    }

    public int mapCount() {
        return maps.length;
    }

    /** The entries of map {@code mapId}: what MAP_* instructions act on, and what a count-only probe folds into. */
    public MapStore map(int mapId) {
        return maps[mapId];
    }

    /** A snapshot of the entries of map {@code mapId}, in no particular order. */
    public List<MapEntry> entries(int mapId) {
        return maps[mapId].entries();
    }

    /** Rendering of map {@code mapId} exactly as {@code print(@m)} prints it, in the output format. */
    public String renderMap(int mapId) {
        return output.render(maps[mapId], 0, 0);
    }

    /** What bpftrace prints at exit: two newlines, then every map that is not thread-local, sorted by name. */
    public void printExitMaps() {
        output.exitMaps(maps);
    }

    /**
     * True when probe {@code probe} may run on this event: a probe with a record needs a record at least as
     * long as its layout, inside the buffer. Otherwise the record is dropped and counted.
     */
    boolean admit(int probe, EventContext ctx) {
        int need = recordSize[probe];
        if (need >= 0 && (ctx.record == null || ctx.offset < 0 || ctx.length < need
                || ctx.length > ctx.record.limit() - ctx.offset)) {
            shortRecords[probe]++;
            return false;
        }
        return true;
    }

    /** The least record length probe {@code probe} runs on, or -1 when it has no record. */
    int recordSize(int probe) {
        return recordSize[probe];
    }

    /** The counter slot of the DIV or MOD at {@code pc} of {@code action}, or -1 when there is none there. */
    int divisionSlot(int action, int pc) {
        int slot = Arrays.binarySearch(divisionPcs[action], pc);
        return slot >= 0 ? slot : -1;
    }

    /** Counts one division or modulo by zero at the instruction of counter slot {@code slot}. */
    void divisionByZero(int action, int slot) {
        divisionsByZero[action][slot]++;
    }

    /**
     * Takes in what a worker's state holds since it was last absorbed: the entries of each map {@code merged} marks (see
     * {@link MapStore#absorb}), its records too short for their layout and its divisions by zero; the worker's state
     * is left empty of them. Both states are of the same program.
     */
    public void absorb(ProgramState worker, boolean[] merged) {
        for (int m = 0; m < maps.length; m++) {
            if (merged[m]) {
                maps[m].absorb(worker.maps[m]);
            }
        }
        for (int p = 0; p < shortRecords.length; p++) {
            shortRecords[p] += worker.shortRecords[p];
            worker.shortRecords[p] = 0;
        }
        for (int a = 0; a < divisionsByZero.length; a++) {
            for (int slot = 0; slot < divisionsByZero[a].length; slot++) {
                divisionsByZero[a][slot] += worker.divisionsByZero[a][slot];
                worker.divisionsByZero[a][slot] = 0;
            }
        }
    }

    void requestExit() {
        exitRequested = true;
    }

    public boolean exitRequested() {
        return exitRequested;
    }

    public RuntimeCounters counters() {
        List<Long> dropped = new ArrayList<>();
        for (MapStore m : maps) {
            dropped.add(m.droppedUpdates());
        }
        List<RuntimeCounters.ZeroDivision> zero = new ArrayList<>();
        for (int a = 0; a < divisionPcs.length; a++) {
            byte[] code = null;
            for (int slot = 0; slot < divisionPcs[a].length; slot++) {
                if (divisionsByZero[a][slot] > 0) {
                    code = code == null ? program.actions().get(a).code() : code;
                    int pc = divisionPcs[a][slot];
                    zero.add(new RuntimeCounters.ZeroDivision(a, pc, Opcode.fromCode(code[pc] & 0xff), divisionsByZero[a][slot]));
                }
            }
        }
        List<Long> malformed = new ArrayList<>();
        for (long n : shortRecords) {
            malformed.add(n);
        }
        return new RuntimeCounters(dropped, zero, malformed);
    }

    /** Writes to err one warning per map that dropped updates, per division by zero and per probe that dropped short records. */
    public void reportProblems() {
        PrintStream err = options.err();
        for (MapStore m : maps) {
            if (m.droppedUpdates() > 0) {
                err.printf("warning: map %s was full (%d entries): %d %s dropped; raise the limit with --map-capacity%n",
                        Diagnostic.printable(MapPrinter.displayName(m.decl())), m.decl().capacity(), m.droppedUpdates(),
                        m.droppedUpdates() == 1 ? "update" : "updates");
            }
        }
        long fullStacks = options.stacks().overflowed();
        if (fullStacks > 0) {
            err.printf("warning: the stack table was full: %d %s printed as [stack table full] instead of their frames%n",
                    fullStacks, fullStacks == 1 ? "stack is" : "stacks are");
        }
        DebugInfo debug = program.debug();
        for (RuntimeCounters.ZeroDivision z : counters().divisionsByZero()) {
            String what = z.opcode() == Opcode.DIV ? "division" : "modulo";
            String message = what + " by zero " + z.count() + (z.count() == 1 ? " time" : " times") + " (the result was taken as 0)";
            err.print(warning(debug, z.action(), z.pc(), message));
        }
        for (int p = 0; p < shortRecords.length; p++) {
            if (shortRecords[p] > 0) {
                err.printf("warning: %s: %d %s shorter than its format (%d bytes) dropped%n",
                        Diagnostic.printable(program.probes().get(p).name()),
                        shortRecords[p], shortRecords[p] == 1 ? "record" : "records", recordSize[p]);
            }
        }
        err.flush();
    }

    private static String warning(DebugInfo debug, int action, int pc, String message) {
        String file = Diagnostic.printable(debug.sourceName().isEmpty() ? "script" : debug.sourceName());
        SourcePosition pos = debug.positionOf(action, pc);
        if (pos == null) {
            return file + ": warning: " + message + " (action " + action + ", pc " + pc + ")\n";
        }
        StringBuilder sb = new StringBuilder(file).append(':').append(pos.line()).append(':').append(pos.column())
                .append(": warning: ").append(message).append('\n');
        String line = debug.sourceLine(pos.line());
        if (!line.isEmpty()) {
            Diagnostic.appendExcerpt(sb, line, pos.column());
        }
        return sb.toString();
    }
}
