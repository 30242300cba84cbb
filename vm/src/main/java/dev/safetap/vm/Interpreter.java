package dev.safetap.vm;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.DtraceProbeName;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.StackKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.VerifiedProgram;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The fast tier: runs the actions of a verified program on events, relying on what the verifier proved.
 * Every action is decoded once at construction; {@link #fire} then executes it against a reused
 * {@link EventContext} with a preallocated register file (integers, and strings as fixed byte buffers
 * with lengths), allocating nothing unless the action prints or a map grows. Nothing an action does
 * throws: the verifier proved the code well formed and typed, records shorter than their layout are
 * dropped and counted, divisions by zero yield 0 and are counted, and full maps drop the update and
 * count it.
 */
public final class Interpreter implements Tier {
    private static final int STR = Limits.MAX_STRING;
    private static final StackKind[] STACK_KINDS = StackKind.values();

    private final Program program;
    private final VmOptions options;
    private final ProgramState state;
    private final TraceOutput output;
    private final DecodedAction[] actions;
    private final MapStore[] maps;
    private final boolean[] mapStringValued;
    private final byte[][] strings;
    private final PrintfFormatter[][] printf;

    private final int[] probeAction;
    private final byte[][] probeName;
    /** Per probe, DTrace's provider, module, function and name ({@link DtraceProbeName}), by builtin code - PROBEPROV. */
    private final byte[][][] dtraceName;
    private final int[][] slotOffset;
    private final int[][] slotSize;
    private final SlotKind[][] slotKind;

    private final long[] ints;
    private final byte[][] strs;
    private final int[] strLens;
    private final long[] loopLeft;
    private final StackTable stacks;

    public Interpreter(VerifiedProgram verified, VmOptions options) {
        this.program = verified.program();
        this.options = options;
        this.state = new ProgramState(program, options);
        this.output = state.output();
        this.stacks = options.stacks();
        int registers = 1;
        int loops = 1;
        actions = new DecodedAction[program.actions().size()];
        printf = new PrintfFormatter[actions.length][];
        for (int i = 0; i < actions.length; i++) {
            DecodedAction d = new DecodedAction(verified, i, state);
            actions[i] = d;
            registers = Math.max(registers, d.registers);
            loops = Math.max(loops, d.loops);
            printf[i] = new PrintfFormatter[d.length];
            for (int k = 0; k < d.length; k++) {
                if (d.op[k] == Opcode.KADDR) {
                    d.imm[k] = options.stacks().symbols().kernelAddress(program.strings().get(d.b[k]));
                }
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
            maps[m] = state.map(m);
            mapStringValued[m] = program.maps().get(m).readType() == ValueType.STR;
        }
        strings = new byte[program.strings().size()][];
        for (int s = 0; s < strings.length; s++) {
            byte[] utf8 = program.strings().get(s).getBytes(StandardCharsets.UTF_8);
            strings[s] = utf8.length > STR ? Arrays.copyOf(utf8, STR) : utf8;
        }

        int probes = program.probes().size();
        probeAction = new int[probes];
        probeName = new byte[probes][];
        dtraceName = new byte[probes][][];
        slotOffset = new int[probes][];
        slotSize = new int[probes][];
        slotKind = new SlotKind[probes][];
        for (int p = 0; p < probes; p++) {
            ProbeDecl probe = program.probes().get(p);
            probeAction[p] = probe.action();
            byte[] name = probe.name().getBytes(StandardCharsets.UTF_8);
            probeName[p] = name.length > STR ? Arrays.copyOf(name, STR) : name;
            DtraceProbeName parts = DtraceProbeName.of(probe);
            dtraceName[p] = new byte[][] {bounded(parts.provider()), bounded(parts.module()), bounded(parts.function()),
                bounded(parts.name())};
            EventLayout layout = probe.layout() >= 0 ? program.layouts().get(probe.layout()) : null;
            List<LayoutSlot> slots = layout == null ? List.of() : layout.slots();
            slotOffset[p] = slots.stream().mapToInt(LayoutSlot::offset).toArray();
            slotSize[p] = slots.stream().mapToInt(LayoutSlot::size).toArray();
            slotKind[p] = slots.stream().map(LayoutSlot::kind).toArray(SlotKind[]::new);
        }
    }

    @Override
    public ProgramState state() {
        return state;
    }

    @Override
    public void fire(int probeIndex, EventContext ctx) {
        if (state.admit(probeIndex, ctx)) {
            run(probeAction[probeIndex], probeIndex, ctx);
        }
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
                        state.divisionByZero(actionIndex, d.slot[i]);
                        r[a[i]] = 0;
                    } else {
                        r[a[i]] = r[b[i]] / divisor;
                    }
                    i++;
                }
                case MOD -> {
                    long divisor = r[c[i]];
                    if (divisor == 0) {
                        state.divisionByZero(actionIndex, d.slot[i]);
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
                case STACK -> {
                    r[a[i]] = c[i] == 0 ? StackTable.EMPTY
                            : stacks.stack(STACK_KINDS[b[i]], ctx, c[i]);
                    i++;
                }
                case SYM -> {
                    r[a[i]] = stacks.symbol(STACK_KINDS[c[i]], ctx.pid, r[b[i]]);
                    i++;
                }
                case KADDR -> r[a[i]] = d.imm[i++];
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
                    output.printf(printf[actionIndex][i], d.regs[i], d.stackArgs[i], r, strs, strLens);
                    i++;
                }
                case PRINT_VAL -> {
                    if (d.stringTyped[i]) {
                        output.printValue(strs[a[i]], strLens[a[i]]);
                    } else if (d.stackTyped[i]) {
                        output.printStack(r[a[i]]);
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
                    state.requestExit();
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
            case PROBEPROV, PROBEMOD, PROBEFUNC, PROBENAME -> {
                byte[] name = dtraceName[probe][code - Builtin.PROBEPROV.code()];
                System.arraycopy(name, 0, strs[dst], 0, name.length);
                strLens[dst] = name.length;
            }
        }
    }

    private static byte[] bounded(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        return bytes.length > STR ? Arrays.copyOf(bytes, STR) : bytes;
    }
}
