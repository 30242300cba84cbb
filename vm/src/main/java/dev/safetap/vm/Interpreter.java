package dev.safetap.vm;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.SourcePosition;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.VerifiedProgram;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Runs the actions of a verified program on events. Every action is decoded once at construction;
 * {@link #fire} then executes it against a reused {@link EventContext} with a preallocated register
 * file (integers, and strings as fixed byte buffers with lengths), allocating nothing unless the
 * action prints or a map grows. Nothing an action does throws: the verifier proved the code well
 * formed, records shorter than their layout are dropped and counted, divisions by zero yield 0 and
 * are counted, and full maps drop the update and count it.
 */
public final class Interpreter {
    private static final int STR = Limits.MAX_STRING;

    private final Program program;
    private final VmOptions options;
    private final DecodedAction[] actions;
    private final MapStore[] maps;
    private final boolean[] mapStringValued;
    private final byte[][] strings;
    private final PrintfFormatter[][] printf;

    private final int[] probeAction;
    private final int[] probeRecordSize;
    private final byte[][] probeName;
    private final int[][] slotOffset;
    private final int[][] slotSize;
    private final SlotKind[][] slotKind;

    private final long[] ints;
    private final byte[][] strs;
    private final int[] strLens;
    private final long[] loopLeft;
    private final long[][] zeroDivisions;
    private final long[] malformed;
    private final TraceOutput output;
    private boolean exitRequested;

    public Interpreter(VerifiedProgram verified, VmOptions options) {
        this.program = verified.program();
        this.options = options;
        this.output = new TraceOutput(options);
        int registers = 1;
        int loops = 1;
        actions = new DecodedAction[program.actions().size()];
        printf = new PrintfFormatter[actions.length][];
        zeroDivisions = new long[actions.length][];
        for (int i = 0; i < actions.length; i++) {
            DecodedAction d = new DecodedAction(program, program.actions().get(i));
            actions[i] = d;
            registers = Math.max(registers, d.registers);
            loops = Math.max(loops, d.loops);
            zeroDivisions[i] = new long[d.faultSlots];
            printf[i] = new PrintfFormatter[d.length];
            for (int k = 0; k < d.length; k++) {
                if (d.op[k] == Opcode.PRINTF) {
                    printf[i][k] = new PrintfFormatter(program.strings().get(d.b[k]));
                }
            }
        }
        ints = new long[registers];
        strs = new byte[registers][STR];
        strLens = new int[registers];
        loopLeft = new long[loops];

        maps = new MapStore[program.maps().size()];
        mapStringValued = new boolean[maps.length];
        for (int m = 0; m < maps.length; m++) {
            maps[m] = new MapStore(program.maps().get(m));
            mapStringValued[m] = program.maps().get(m).readType() == ValueType.STR;
        }
        strings = new byte[program.strings().size()][];
        for (int s = 0; s < strings.length; s++) {
            byte[] utf8 = program.strings().get(s).getBytes(StandardCharsets.UTF_8);
            strings[s] = utf8.length > STR ? Arrays.copyOf(utf8, STR) : utf8;
        }

        int probes = program.probes().size();
        probeAction = new int[probes];
        probeRecordSize = new int[probes];
        probeName = new byte[probes][];
        slotOffset = new int[probes][];
        slotSize = new int[probes][];
        slotKind = new SlotKind[probes][];
        malformed = new long[probes];
        for (int p = 0; p < probes; p++) {
            ProbeDecl probe = program.probes().get(p);
            probeAction[p] = probe.action();
            byte[] name = probe.name().getBytes(StandardCharsets.UTF_8);
            probeName[p] = name.length > STR ? Arrays.copyOf(name, STR) : name;
            EventLayout layout = probe.layout() >= 0 ? program.layouts().get(probe.layout()) : null;
            List<LayoutSlot> slots = layout == null ? List.of() : layout.slots();
            probeRecordSize[p] = probe.kind() == ProbeKind.TRACEPOINT && layout != null ? layout.recordSize() : -1;
            slotOffset[p] = slots.stream().mapToInt(LayoutSlot::offset).toArray();
            slotSize[p] = slots.stream().mapToInt(LayoutSlot::size).toArray();
            slotKind[p] = slots.stream().map(LayoutSlot::kind).toArray(SlotKind[]::new);
        }
    }

    /** Runs the action of probe {@code probeIndex} (an index into the program's probes) on this event. */
    public void fire(int probeIndex, EventContext ctx) {
        int need = probeRecordSize[probeIndex];
        if (need >= 0 && (ctx.record == null || ctx.offset < 0 || ctx.length < need
                || ctx.length > ctx.record.limit() - ctx.offset)) {
            malformed[probeIndex]++;
            return;
        }
        run(probeAction[probeIndex], probeIndex, ctx);
    }

    /** Runs every BEGIN probe, in program order, on a context describing the tracer's own thread. */
    public void begin() {
        runAll(ProbeKind.BEGIN);
    }

    /**
     * Runs every END probe, then prints every map that is not thread-local, sorted by name, as
     * bpftrace does at exit: two newlines, then each map as {@link #renderMap} renders it.
     */
    public void end() {
        runAll(ProbeKind.END);
        output.exitMaps(maps);
    }

    private void runAll(ProbeKind kind) {
        EventContext self = EventContext.ofTracer();
        for (int p = 0; p < probeAction.length; p++) {
            if (program.probes().get(p).kind() == kind) {
                fire(p, self);
            }
        }
    }

    public boolean exitRequested() {
        return exitRequested;
    }

    /** Rendering of map {@code mapId} exactly as {@code print(@m)} prints it, in the output format. */
    public String renderMap(int mapId) {
        return output.render(maps[mapId], 0, 0);
    }

    /** A snapshot of the entries of map {@code mapId}, in no particular order. */
    public List<MapEntry> entries(int mapId) {
        return maps[mapId].entries();
    }

    /**
     * Adds {@code n} to the entry {@code key} of the count map {@code mapId}, as {@code n} MAP_AGG
     * updates would: for firings the kernel counted instead of sampling. Key components are Long or
     * String, in the map's key order; strings are cut at the string limit as the VM cuts them. A key
     * that does not fit in a full map is dropped and counted; {@code n == 0} changes nothing.
     */
    public void addCount(int mapId, List<Object> key, long n) {
        MapStore m = maps[mapId];
        if (m.decl().kind() != MapKind.COUNT || key.size() != m.keyCount() || n < 0) {
            throw new IllegalArgumentException("addCount needs a count map, a key of " + m.keyCount()
                    + " components and n >= 0");
        }
        if (n == 0) {
            return;
        }
        for (int k = 0; k < key.size(); k++) {
            if (m.keyIsString(k)) {
                byte[] utf8 = ((String) key.get(k)).getBytes(StandardCharsets.UTF_8);
                m.keyString(k, utf8, utf8.length);
            } else {
                m.keyInt(k, (Long) key.get(k));
            }
        }
        int e = m.findOrInsert();
        if (e >= 0) {
            m.setInt(e, m.readInt(e) + n);
        }
    }

    public RuntimeCounters counters() {
        List<Long> dropped = new ArrayList<>();
        for (MapStore m : maps) {
            dropped.add(m.droppedUpdates());
        }
        List<RuntimeCounters.ZeroDivision> zero = new ArrayList<>();
        for (int a = 0; a < actions.length; a++) {
            DecodedAction d = actions[a];
            for (int i = 0; i < d.length; i++) {
                if ((d.op[i] == Opcode.DIV || d.op[i] == Opcode.MOD) && zeroDivisions[a][d.slot[i]] > 0) {
                    zero.add(new RuntimeCounters.ZeroDivision(a, d.pc[i], d.op[i], zeroDivisions[a][d.slot[i]]));
                }
            }
        }
        List<Long> shortRecords = new ArrayList<>();
        for (long n : malformed) {
            shortRecords.add(n);
        }
        return new RuntimeCounters(dropped, zero, shortRecords);
    }

    /** Writes to err one warning per map that dropped updates, per division by zero and per probe that dropped short records. */
    public void reportProblems() {
        PrintStream err = options.err();
        for (MapStore m : maps) {
            if (m.droppedUpdates() > 0) {
                err.printf("warning: map %s was full (%d entries): %d %s dropped; raise the limit with --map-capacity%n",
                        MapPrinter.displayName(m.decl()), m.decl().capacity(), m.droppedUpdates(),
                        m.droppedUpdates() == 1 ? "update" : "updates");
            }
        }
        DebugInfo debug = program.debug();
        for (RuntimeCounters.ZeroDivision z : counters().divisionsByZero()) {
            String what = z.opcode() == Opcode.DIV ? "division" : "modulo";
            String message = what + " by zero " + z.count() + (z.count() == 1 ? " time" : " times") + " (the result was taken as 0)";
            err.print(warning(debug, z.action(), z.pc(), message));
        }
        for (int p = 0; p < malformed.length; p++) {
            if (malformed[p] > 0) {
                err.printf("warning: %s: %d %s shorter than its format (%d bytes) dropped%n", program.probes().get(p).name(),
                        malformed[p], malformed[p] == 1 ? "record" : "records", probeRecordSize[p]);
            }
        }
        err.flush();
    }

    private static String warning(DebugInfo debug, int action, int pc, String message) {
        String file = debug.sourceName().isEmpty() ? "script" : debug.sourceName();
        SourcePosition pos = debug.positionOf(action, pc);
        if (pos == null) {
            return file + ": warning: " + message + " (action " + action + ", pc " + pc + ")\n";
        }
        StringBuilder sb = new StringBuilder(file).append(':').append(pos.line()).append(':').append(pos.column())
                .append(": warning: ").append(message).append('\n');
        String line = debug.sourceLine(pos.line());
        if (!line.isEmpty()) {
            sb.append("    ").append(line).append("\n    ");
            for (int i = 0; i < pos.column() - 1 && i < line.length(); i++) {
                sb.append(line.charAt(i) == '\t' ? '\t' : ' ');
            }
            sb.append("^\n");
        }
        return sb.toString();
    }

    // ---- the interpreter loop

    private void run(int actionIndex, int probe, EventContext ctx) {
        DecodedAction d = actions[actionIndex];
        final Opcode[] op = d.op;
        final int[] a = d.a;
        final int[] b = d.b;
        final int[] c = d.c;
        final long[] r = ints;
        int i = 0;
        while (true) {
            switch (op[i]) {
                case NOP -> i++;
                case CONST_INT -> r[a[i]] = d.imm[i++];
                case CONST_STR -> {
                    byte[] s = strings[b[i]];
                    System.arraycopy(s, 0, strs[a[i]], 0, s.length);
                    strLens[a[i++]] = s.length;
                }
                case MOV -> {
                    if (d.stringTyped[i]) {
                        int n = strLens[b[i]];
                        System.arraycopy(strs[b[i]], 0, strs[a[i]], 0, n);
                        strLens[a[i]] = n;
                    } else {
                        r[a[i]] = r[b[i]];
                    }
                    i++;
                }
                case ADD -> r[a[i]] = r[b[i]] + r[c[i++]];
                case SUB -> r[a[i]] = r[b[i]] - r[c[i++]];
                case MUL -> r[a[i]] = r[b[i]] * r[c[i++]];
                case DIV -> {
                    long divisor = r[c[i]];
                    if (divisor == 0) {
                        zeroDivisions[actionIndex][d.slot[i]]++;
                        r[a[i]] = 0;
                    } else {
                        r[a[i]] = r[b[i]] / divisor;
                    }
                    i++;
                }
                case MOD -> {
                    long divisor = r[c[i]];
                    if (divisor == 0) {
                        zeroDivisions[actionIndex][d.slot[i]]++;
                        r[a[i]] = 0;
                    } else {
                        r[a[i]] = r[b[i]] % divisor;
                    }
                    i++;
                }
                case AND -> r[a[i]] = r[b[i]] & r[c[i++]];
                case OR -> r[a[i]] = r[b[i]] | r[c[i++]];
                case XOR -> r[a[i]] = r[b[i]] ^ r[c[i++]];
                case SHL -> r[a[i]] = r[b[i]] << r[c[i++]];
                case SHR -> r[a[i]] = r[b[i]] >> r[c[i++]];
                case NEG -> r[a[i]] = -r[b[i++]];
                case BNOT -> r[a[i]] = ~r[b[i++]];
                case LNOT -> r[a[i]] = r[b[i++]] == 0 ? 1 : 0;
                case EQ -> r[a[i]] = r[b[i]] == r[c[i++]] ? 1 : 0;
                case NE -> r[a[i]] = r[b[i]] != r[c[i++]] ? 1 : 0;
                case LT -> r[a[i]] = r[b[i]] < r[c[i++]] ? 1 : 0;
                case LE -> r[a[i]] = r[b[i]] <= r[c[i++]] ? 1 : 0;
                case GT -> r[a[i]] = r[b[i]] > r[c[i++]] ? 1 : 0;
                case GE -> r[a[i]] = r[b[i]] >= r[c[i++]] ? 1 : 0;
                case STR_EQ -> r[a[i]] = stringsEqual(b[i], c[i++]) ? 1 : 0;
                case STR_NE -> r[a[i]] = stringsEqual(b[i], c[i++]) ? 0 : 1;
                case JMP -> i = d.target[i];
                case JZ -> i = r[a[i]] == 0 ? d.target[i] : i + 1;
                case JNZ -> i = r[a[i]] != 0 ? d.target[i] : i + 1;
                case LOOP -> {
                    if (d.imm[i] == 0) {
                        i = d.target[i] + 1;
                    } else {
                        loopLeft[d.slot[i]] = d.imm[i];
                        i++;
                    }
                }
                case ENDLOOP -> {
                    if (--loopLeft[d.slot[i]] > 0) {
                        i = d.target[i] + 1;
                    } else {
                        i++;
                    }
                }
                case RET -> {
                    return;
                }
                case FIELD -> r[a[i]] = readField(probe, b[i++], ctx);
                case FIELD_STR -> {
                    readStringField(probe, b[i], ctx, a[i]);
                    i++;
                }
                case CTX -> {
                    readBuiltin(b[i], a[i], probe, ctx);
                    i++;
                }
                case MAP_GET -> {
                    MapStore m = loadKey(b[i], d.regs[i]);
                    int e = m.find();
                    if (mapStringValued[b[i]]) {
                        strLens[a[i]] = e < 0 ? 0 : m.readString(e, strs[a[i]]);
                    } else {
                        r[a[i]] = e < 0 ? 0 : m.readInt(e);
                    }
                    i++;
                }
                case MAP_SET -> {
                    MapStore m = loadKey(b[i], d.regs[i]);
                    int e = m.findOrInsert();
                    if (e >= 0) {
                        if (mapStringValued[b[i]]) {
                            m.setString(e, strs[c[i]], strLens[c[i]]);
                        } else {
                            m.setInt(e, r[c[i]]);
                        }
                    }
                    i++;
                }
                case MAP_DEL -> {
                    loadKey(b[i], d.regs[i]).remove();
                    i++;
                }
                case MAP_AGG -> {
                    MapStore m = loadKey(b[i], d.regs[i]);
                    int e = m.findOrInsert();
                    if (e >= 0) {
                        m.fold(e, r[c[i]]);
                    }
                    i++;
                }
                case MAP_CLEAR -> maps[b[i++]].clear();
                case MAP_ZERO -> maps[b[i++]].zero();
                case MAP_PRINT -> {
                    output.printMap(maps[b[i]], a[i], c[i]);
                    i++;
                }
                case MAP_TRUNC -> {
                    maps[b[i]].truncate(a[i]);
                    i++;
                }
                case PRINTF -> {
                    output.printf(printf[actionIndex][i], d.regs[i], r, strs, strLens);
                    i++;
                }
                case PRINT_VAL -> {
                    if (d.stringTyped[i]) {
                        output.printValue(strs[a[i]], strLens[a[i]]);
                    } else {
                        output.printValue(r[a[i]]);
                    }
                    i++;
                }
                case TIME -> {
                    output.time(program.strings().get(b[i]));
                    i++;
                }
                case EXIT -> {
                    exitRequested = true;
                    i++;
                }
            }
        }
    }

    private boolean stringsEqual(int x, int y) {
        int n = strLens[x];
        return n == strLens[y] && Arrays.equals(strs[x], 0, n, strs[y], 0, n);
    }

    private MapStore loadKey(int mapId, int[] keyRegs) {
        MapStore m = maps[mapId];
        for (int k = 0; k < keyRegs.length; k++) {
            int reg = keyRegs[k];
            if (m.keyIsString(k)) {
                m.keyString(k, strs[reg], strLens[reg]);
            } else {
                m.keyInt(k, ints[reg]);
            }
        }
        return m;
    }

    private long readField(int probe, int slot, EventContext ctx) {
        ByteBuffer rec = ctx.record;
        int at = ctx.offset + slotOffset[probe][slot];
        boolean big = rec.order() == ByteOrder.BIG_ENDIAN;
        boolean signed = slotKind[probe][slot] == SlotKind.SIGNED;
        return switch (slotSize[probe][slot]) {
            case 1 -> signed ? rec.get(at) : rec.get(at) & 0xffL;
            case 2 -> {
                short v = big ? Short.reverseBytes(rec.getShort(at)) : rec.getShort(at);
                yield signed ? v : v & 0xffffL;
            }
            case 4 -> {
                int v = big ? Integer.reverseBytes(rec.getInt(at)) : rec.getInt(at);
                yield signed ? v : v & 0xffffffffL;
            }
            default -> big ? Long.reverseBytes(rec.getLong(at)) : rec.getLong(at);
        };
    }

    private void readStringField(int probe, int slot, EventContext ctx, int dst) {
        ByteBuffer rec = ctx.record;
        int from;
        int max;
        if (slotKind[probe][slot] == SlotKind.DATA_LOC) {
            int word = (int) readField(probe, slot, ctx);
            int offset = word & 0xffff;
            int length = word >>> 16;
            if (offset >= ctx.length) {
                strLens[dst] = 0;
                return;
            }
            from = ctx.offset + offset;
            max = Math.min(length, ctx.length - offset);
        } else {
            from = ctx.offset + slotOffset[probe][slot];
            max = slotSize[probe][slot];
        }
        max = Math.min(max, STR);
        byte[] out = strs[dst];
        int n = 0;
        while (n < max) {
            byte ch = rec.get(from + n);
            if (ch == 0) {
                break;
            }
            out[n++] = ch;
        }
        strLens[dst] = n;
    }

    private void readBuiltin(int code, int dst, int probe, EventContext ctx) {
        switch (Builtin.fromCode(code)) {
            case PID -> ints[dst] = ctx.pid;
            case TID -> ints[dst] = ctx.tid;
            case NSECS -> ints[dst] = ctx.timeNanos;
            case ELAPSED -> ints[dst] = ctx.timeNanos - options.startNanos();
            case CPU -> ints[dst] = ctx.cpu;
            case CPID -> ints[dst] = options.cpid();
            case COMM -> {
                int n = 0;
                int max = Math.min(ctx.commLength, ctx.comm.length);
                while (n < max && ctx.comm[n] != 0) {
                    strs[dst][n] = ctx.comm[n];
                    n++;
                }
                strLens[dst] = n;
            }
            case PROBE -> {
                byte[] name = probeName[probe];
                System.arraycopy(name, 0, strs[dst], 0, name.length);
                strLens[dst] = name.length;
            }
        }
    }
}
