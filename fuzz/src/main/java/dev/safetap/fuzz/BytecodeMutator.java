package dev.safetap.fuzz;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.OperandKind;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.ValueType;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Damages programs the way a hostile or buggy producer would: bit flips and random bytes in the
 * code, inserted, deleted and duplicated instructions, retargeted jumps and loops, changed field,
 * map, string and register operands, and changed header entries (register counts, map kinds, key
 * and value types, capacities, lhist parameters, slot offsets, sizes and kinds, probe layouts and
 * actions, strings). The result is a {@link Program} that may or may not be valid.
 */
public final class BytecodeMutator {
    /** The kinds of damage, each chosen with equal weight by {@link #mutate(Program)}. */
    public enum Mutation {
        BIT_FLIP, RANDOM_BYTE, INSERT, DELETE, DUPLICATE, RETARGET, OPERAND, REGISTERS, MAP_DECL, LAYOUT, PROBE, STRING, TRUNCATE
    }

    private static final Mutation[] MUTATIONS = Mutation.values();
    private static final Opcode[] OPCODES = Opcode.values();

    private final RandomGenerator random;

    public BytecodeMutator(RandomGenerator random) {
        this.random = random;
    }

    /** One random mutation of {@code p}. */
    public Program mutate(Program p) {
        return mutate(p, MUTATIONS[random.nextInt(MUTATIONS.length)]);
    }

    /** One mutation of the given kind; when it does not apply (no maps to change, say) a bit flip instead. */
    public Program mutate(Program p, Mutation m) {
        if (p.actions().isEmpty()) {
            return p;
        }
        int a = random.nextInt(p.actions().size());
        Action action = p.actions().get(a);
        return switch (m) {
            case BIT_FLIP -> withCode(p, a, flip(action.code()));
            case RANDOM_BYTE -> withCode(p, a, randomByte(action.code()));
            case INSERT -> withInstructions(p, a, insert(p, action));
            case DELETE -> withInstructions(p, a, delete(action));
            case DUPLICATE -> withInstructions(p, a, duplicate(action));
            case RETARGET -> withInstructions(p, a, retarget(action));
            case OPERAND -> withInstructions(p, a, operand(p, action));
            case REGISTERS -> withAction(p, a, new Action(registerCount(action.registers()), action.code()));
            case MAP_DECL -> p.maps().isEmpty() ? mutate(p, Mutation.BIT_FLIP) : mapDecl(p);
            case LAYOUT -> p.layouts().isEmpty() ? mutate(p, Mutation.BIT_FLIP) : layout(p);
            case PROBE -> p.probes().isEmpty() ? mutate(p, Mutation.BIT_FLIP) : probe(p);
            case STRING -> string(p);
            case TRUNCATE -> withCode(p, a, truncate(action.code()));
        };
    }

    /** Flips one to three random bits of an encoded program file. */
    public byte[] mutateEncoded(byte[] bytes) {
        byte[] out = bytes.clone();
        for (int i = 0, n = 1 + random.nextInt(3); i < n && out.length > 0; i++) {
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return out;
    }

    /** The instructions of {@code code} from pc 0 up to the first byte that does not decode. */
    public static List<Instruction> instructions(byte[] code) {
        List<Instruction> out = new ArrayList<>();
        int pc = 0;
        try {
            while (pc < code.length) {
                Instruction insn = Instruction.decode(code, pc);
                out.add(insn);
                pc += insn.length();
            }
        } catch (BytecodeFormatException e) {
            return out;
        }
        return out;
    }

    public static byte[] encode(List<Instruction> insns) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Instruction insn : insns) {
            insn.encode(out);
        }
        return out.toByteArray();
    }

    // ---- code

    private byte[] flip(byte[] code) {
        byte[] out = code.clone();
        if (out.length > 0) {
            out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return out;
    }

    private byte[] randomByte(byte[] code) {
        byte[] out = code.clone();
        if (out.length > 0) {
            out[random.nextInt(out.length)] = random.nextBoolean()
                    ? (byte) OPCODES[random.nextInt(OPCODES.length)].code() : (byte) random.nextInt(256);
        }
        return out;
    }

    private byte[] truncate(byte[] code) {
        return code.length == 0 ? code : Arrays.copyOf(code, random.nextInt(code.length));
    }

    private List<Instruction> insert(Program p, Action action) {
        List<Instruction> insns = instructions(action.code());
        insns.add(random.nextInt(insns.size() + 1), randomInstruction(p, action.registers()));
        return insns;
    }

    private List<Instruction> delete(Action action) {
        List<Instruction> insns = instructions(action.code());
        if (!insns.isEmpty()) {
            insns.remove(random.nextInt(insns.size()));
        }
        return insns;
    }

    private List<Instruction> duplicate(Action action) {
        List<Instruction> insns = instructions(action.code());
        if (!insns.isEmpty()) {
            int i = random.nextInt(insns.size());
            insns.add(i, insns.get(i));
        }
        return insns;
    }

    /** Moves the target of a jump or loop: by a little, onto another instruction, backwards, or anywhere. */
    private List<Instruction> retarget(Action action) {
        List<Instruction> insns = instructions(action.code());
        List<Integer> jumps = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            if (insns.get(i).opcode().operands().contains(OperandKind.OFF32)) {
                jumps.add(i);
            }
        }
        if (jumps.isEmpty()) {
            return insert(null, action);
        }
        int i = jumps.get(random.nextInt(jumps.size()));
        Instruction j = insns.get(i);
        int at = j.opcode().operands().indexOf(OperandKind.OFF32);
        long[] ops = j.operands().clone();
        Instruction other = insns.get(random.nextInt(insns.size()));
        ops[at] = switch (random.nextInt(5)) {
            case 0 -> ops[at] + (random.nextBoolean() ? 1 : -1);
            case 1 -> other.pc() - j.pc();
            case 2 -> -ops[at];
            case 3 -> 0;
            default -> random.nextInt(action.code().length + 16) - 8;
        };
        insns.set(i, Instruction.of(j.opcode(), ops, j.regs().clone()));
        return insns;
    }

    /** Changes one operand or register-list entry of one instruction to a nearby or random value. */
    private List<Instruction> operand(Program p, Action action) {
        List<Instruction> insns = instructions(action.code());
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            if (!insns.get(i).opcode().operands().isEmpty()) {
                candidates.add(i);
            }
        }
        if (candidates.isEmpty()) {
            return insert(p, action);
        }
        int i = candidates.get(random.nextInt(candidates.size()));
        Instruction insn = insns.get(i);
        long[] ops = insn.operands().clone();
        int[] regs = insn.regs().clone();
        List<OperandKind> shape = insn.opcode().operands();
        int k = random.nextInt(shape.size());
        if (shape.get(k) == OperandKind.REGS) {
            if (regs.length > 0 && random.nextBoolean()) {
                regs[random.nextInt(regs.length)] = nearby(regs[0], action.registers() + 1);
            } else {
                regs = Arrays.copyOf(regs, Math.max(0, regs.length + (random.nextBoolean() ? 1 : -1)));
                ops[k] = regs.length;
            }
        } else {
            ops[k] = switch (shape.get(k)) {
                case REG -> nearby((int) ops[k], action.registers() + 1);
                case U8 -> random.nextInt(16);
                case U16 -> nearby((int) ops[k], Math.max(tableSize(p, insn.opcode()), 1) + 1);
                case U32 -> random.nextBoolean() ? ops[k] + 1 : random.nextInt(4) == 0 ? 0x80000000L : random.nextInt(1 << 20);
                case IMM64 -> random.nextLong();
                case OFF32 -> ops[k] + random.nextInt(9) - 4;
                case REGS -> ops[k];
            };
        }
        insns.set(i, Instruction.of(insn.opcode(), ops, regs));
        return insns;
    }

    private int nearby(int value, int bound) {
        return random.nextBoolean() ? Math.max(0, Math.min(255, value + (random.nextBoolean() ? 1 : -1))) : random.nextInt(Math.min(256, bound + 1));
    }

    private static int tableSize(Program p, Opcode op) {
        if (p == null) {
            return 4;
        }
        return switch (op) {
            case CONST_STR, PRINTF, TIME -> p.strings().size();
            case FIELD, FIELD_STR -> p.layouts().stream().mapToInt(l -> l.slots().size()).max().orElse(0);
            default -> p.maps().size();
        };
    }

    private Instruction randomInstruction(Program p, int registers) {
        Opcode op = OPCODES[random.nextInt(OPCODES.length)];
        List<OperandKind> shape = op.operands();
        long[] ops = new long[shape.size()];
        int[] regs = new int[0];
        for (int k = 0; k < shape.size(); k++) {
            ops[k] = switch (shape.get(k)) {
                case REG -> random.nextInt(Math.max(1, registers + 1));
                case IMM64 -> random.nextBoolean() ? random.nextInt(5) - 2 : random.nextLong();
                case U8 -> random.nextInt(12);
                case U16 -> random.nextInt(Math.max(1, tableSize(p, op) + 1));
                case U32 -> random.nextInt(8);
                case OFF32 -> 1 + random.nextInt(32);
                case REGS -> {
                    regs = new int[random.nextInt(3)];
                    for (int r = 0; r < regs.length; r++) {
                        regs[r] = random.nextInt(Math.max(1, registers + 1));
                    }
                    yield regs.length;
                }
            };
        }
        return Instruction.of(op, ops, regs);
    }

    private int registerCount(int registers) {
        return switch (random.nextInt(4)) {
            case 0 -> Math.max(0, registers - 1);
            case 1 -> registers + 1;
            case 2 -> 0;
            default -> Limits.MAX_REGISTERS + 1;
        };
    }

    // ---- header

    private Program mapDecl(Program p) {
        List<MapDecl> maps = new ArrayList<>(p.maps());
        int i = random.nextInt(maps.size());
        MapDecl m = maps.get(i);
        List<ValueType> keys = new ArrayList<>(m.keyTypes());
        MapDecl changed = switch (random.nextInt(7)) {
            case 0 -> new MapDecl(m.name(), keys, MapKind.values()[random.nextInt(MapKind.values().length)], m.valueType(),
                    m.lhistMin(), m.lhistMax(), m.lhistStep(), m.capacity(), m.threadLocal());
            case 1 -> {
                if (keys.isEmpty() || random.nextBoolean()) {
                    keys.add(random.nextBoolean() ? ValueType.INT : ValueType.STR);
                } else {
                    keys.remove(random.nextInt(keys.size()));
                }
                yield new MapDecl(m.name(), keys, m.kind(), m.valueType(), m.lhistMin(), m.lhistMax(), m.lhistStep(), m.capacity(), m.threadLocal());
            }
            case 2 -> new MapDecl(m.name(), keys, m.kind(), m.valueType() == ValueType.INT ? ValueType.STR : ValueType.INT,
                    m.lhistMin(), m.lhistMax(), m.lhistStep(), m.capacity(), m.threadLocal());
            case 3 -> new MapDecl(m.name(), keys, m.kind(), m.valueType(), m.lhistMin(), m.lhistMax(), m.lhistStep(),
                    new int[] {0, -1, 1, Limits.MAX_MAP_CAPACITY + 1}[random.nextInt(4)], m.threadLocal());
            case 4 -> new MapDecl(m.name(), keys, MapKind.LHIST, ValueType.INT, random.nextInt(3) - 1,
                    random.nextBoolean() ? Long.MAX_VALUE : random.nextInt(200), random.nextInt(3), m.capacity(), m.threadLocal());
            case 5 -> new MapDecl(m.name(), keys, m.kind(), m.valueType(), m.lhistMin(), m.lhistMax(), m.lhistStep(), m.capacity(), !m.threadLocal());
            default -> new MapDecl(m.name(), keys, m.kind(), m.valueType(), m.lhistMin(), m.lhistMax(), m.lhistStep(), 1, m.threadLocal());
        };
        maps.set(i, changed);
        return new Program(p.strings(), p.layouts(), maps, p.probes(), p.actions(), p.debug());
    }

    private Program layout(Program p) {
        List<EventLayout> layouts = new ArrayList<>(p.layouts());
        int i = random.nextInt(layouts.size());
        EventLayout l = layouts.get(i);
        List<LayoutSlot> slots = new ArrayList<>(l.slots());
        int recordSize = l.recordSize();
        if (slots.isEmpty() || random.nextInt(4) == 0) {
            recordSize = random.nextBoolean() ? recordSize - 1 - random.nextInt(8) : recordSize + random.nextInt(64);
        } else {
            int s = random.nextInt(slots.size());
            LayoutSlot slot = slots.get(s);
            slots.set(s, switch (random.nextInt(3)) {
                case 0 -> new LayoutSlot(slot.name(), slot.offset() + random.nextInt(17) - 8, slot.size(), slot.kind());
                case 1 -> new LayoutSlot(slot.name(), slot.offset(), new int[] {0, 1, 2, 3, 4, 8, 16, 64, 5000}[random.nextInt(9)], slot.kind());
                default -> new LayoutSlot(slot.name(), slot.offset(), slot.size(), SlotKind.values()[random.nextInt(SlotKind.values().length)]);
            });
        }
        layouts.set(i, new EventLayout(l.name(), recordSize, slots));
        return new Program(p.strings(), layouts, p.maps(), p.probes(), p.actions(), p.debug());
    }

    /** An attach point with one part replaced: emptied, given a path separator, or the offset moved. */
    private AttachPoint attachPoint(AttachPoint a) {
        return switch (random.nextInt(4)) {
            case 0 -> new AttachPoint("", a.function(), a.offset());
            case 1 -> new AttachPoint(a.target(), "../" + a.function(), a.offset());
            case 2 -> new AttachPoint(a.target(), a.function(), a.offset() + (random.nextBoolean() ? 1 : -1));
            default -> AttachPoint.NONE;
        };
    }

    private Program probe(Program p) {
        List<ProbeDecl> probes = new ArrayList<>(p.probes());
        int i = random.nextInt(probes.size());
        ProbeDecl d = probes.get(i);
        ProbeDecl changed = switch (random.nextInt(6)) {
            case 0 -> new ProbeDecl(d.kind(), d.name(), d.attach(), d.period(), d.layout() + (random.nextBoolean() ? 1 : -1), d.action());
            case 1 -> new ProbeDecl(d.kind(), d.name(), d.attach(), d.period(), d.layout(), d.action() + (random.nextBoolean() ? 1 : -1));
            case 2 -> new ProbeDecl(ProbeKind.values()[random.nextInt(ProbeKind.values().length)], d.name(), d.attach(), d.period(),
                    d.layout(), d.action());
            case 3 -> new ProbeDecl(d.kind(), d.name(), attachPoint(d.attach()), d.period(), d.layout(), d.action());
            default -> new ProbeDecl(d.kind(), d.name(), d.attach(), random.nextInt(3) - 1, d.layout(), d.action());
        };
        probes.set(i, changed);
        return new Program(p.strings(), p.layouts(), p.maps(), probes, p.actions(), p.debug());
    }

    private Program string(Program p) {
        List<String> strings = new ArrayList<>(p.strings());
        if (strings.isEmpty() || random.nextInt(4) == 0) {
            strings.add("x");
        } else {
            int i = random.nextInt(strings.size());
            strings.set(i, switch (random.nextInt(4)) {
                case 0 -> "y".repeat(Limits.MAX_STRING + 1);
                case 1 -> strings.get(i) + "%d";
                case 2 -> "%q";
                default -> "";
            });
        }
        return new Program(strings, p.layouts(), p.maps(), p.probes(), p.actions(), p.debug());
    }

    // ---- rebuilding

    private static Program withCode(Program p, int a, byte[] code) {
        return withAction(p, a, new Action(p.actions().get(a).registers(), code));
    }

    private static Program withInstructions(Program p, int a, List<Instruction> insns) {
        return withCode(p, a, encode(insns));
    }

    private static Program withAction(Program p, int a, Action action) {
        List<Action> actions = new ArrayList<>(p.actions());
        actions.set(a, action);
        return new Program(p.strings(), p.layouts(), p.maps(), p.probes(), actions, p.debug());
    }
}
