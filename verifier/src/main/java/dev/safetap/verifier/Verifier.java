package dev.safetap.verifier;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ValueType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Proves a program safe to run (DESIGN.md, "The safety contract") or rejects it with a
 * {@link VerifyException}: first the header tables, then one forward pass per action
 * ({@link ActionVerifier}), then every record-field read against the layout of each probe that runs
 * the action. The bound of an action counts every executed instruction once: LOOP once per entry,
 * ENDLOOP once per iteration, and the final RET.
 */
public final class Verifier {
    private static final int MAX_CHARS_SLOT = 4096;

    private final Program program;
    private final long memoryBudget;
    private final Diagnostics diagnostics;

    private Verifier(Program program, long memoryBudget) {
        this.program = program;
        this.memoryBudget = memoryBudget;
        this.diagnostics = new Diagnostics(program.debug());
    }

    /** Verifies with the default memory budget, {@link Limits#DEFAULT_MEMORY_BUDGET}. */
    public static VerifiedProgram verify(Program program) {
        return verify(program, Limits.DEFAULT_MEMORY_BUDGET);
    }

    /** Verifies; the maps may take at most {@code memoryBudget} bytes (the report's memory bound). */
    public static VerifiedProgram verify(Program program, long memoryBudget) {
        return new Verifier(program, memoryBudget).run();
    }

    private VerifiedProgram run() {
        checkLayouts();
        checkMaps();
        checkActions();
        checkProbes();
        List<ActionVerifier.Facts> facts = new ArrayList<>();
        long[] worstCase = new long[program.actions().size()];
        RegisterTypes[] registerTypes = new RegisterTypes[program.actions().size()];
        for (int a = 0; a < program.actions().size(); a++) {
            ActionVerifier.Facts f = new ActionVerifier(program, a, diagnostics).verify();
            facts.add(f);
            worstCase[a] = f.worstCase();
            registerTypes[a] = f.registerTypes();
        }
        Map<Long, List<String>> fieldsByActionAndLayout = new HashMap<>();
        List<VerifyReport.ProbeReport> probes = new ArrayList<>();
        Set<Integer> usedActions = new LinkedHashSet<>();
        EventOrder order = EventOrder.of(program);
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl p = program.probes().get(i);
            usedActions.add(p.action());
            ActionVerifier.Facts f = facts.get(p.action());
            List<String> fields = fieldsByActionAndLayout.computeIfAbsent(((long) p.action() << 32) | (p.layout() & 0xffffffffL),
                    k -> checkFields(p.action(), f, p.layout(), "probe " + p.name()));
            probes.add(new VerifyReport.ProbeReport(p.name(), ProbeDescription.of(p), ProbeDescription.nameAgrees(p), p.period(), p.action(), f.worstCase(), fields,
                    List.copyOf(f.mapsRead()), List.copyOf(f.mapsWritten()), List.copyOf(f.outputs()),
                    order.anyOrder(i) ? "any" : "time", order.anyOrder(i) ? "" : order.reason(i), List.copyOf(f.stacks())));
        }
        for (int a = 0; a < facts.size(); a++) {
            if (!usedActions.contains(a)) {
                checkFields(a, facts.get(a), -1, "action " + a + ", which no probe runs,");
            }
        }
        List<VerifyReport.MapReport> maps = new ArrayList<>();
        long total = 0;
        for (MapDecl m : program.maps()) {
            long entry = entryBytes(m);
            long entries = m.keyTypes().isEmpty() ? 1 : m.capacity();
            maps.add(new VerifyReport.MapReport(m.name(), m.kind(), m.keyTypes(), valueName(m), m.capacity(), m.threadLocal(),
                    entry, entry * entries));
            total += entry * entries;
        }
        if (total > memoryBudget) {
            throw diagnostics.reject("the maps of this program may take up to " + VerifyReport.bytes(total)
                    + ", over the memory budget of " + VerifyReport.bytes(memoryBudget),
                    "raise the budget with --memory, or lower --map-capacity (now " + largestCapacity() + ")");
        }
        return new VerifiedProgram(program, new VerifyReport(probes, maps, total, memoryBudget), worstCase, registerTypes, order);
    }

    private void checkLayouts() {
        for (int i = 0; i < program.layouts().size(); i++) {
            EventLayout l = program.layouts().get(i);
            String where = "layout " + i + " (" + l.name() + ")";
            if (l.recordSize() < 0) {
                throw diagnostics.reject(where + ": record size " + l.recordSize() + " is negative");
            }
            for (LayoutSlot s : l.slots()) {
                String slot = where + " field " + s.name() + ": ";
                if (s.offset() < 0 || (long) s.offset() + s.size() > l.recordSize() || s.size() <= 0) {
                    throw diagnostics.reject(slot + "bytes " + s.offset() + ".." + ((long) s.offset() + s.size())
                            + " are not inside the " + l.recordSize() + "-byte record");
                }
                boolean sizeOk = switch (s.kind()) {
                    case SIGNED, UNSIGNED -> s.size() == 1 || s.size() == 2 || s.size() == 4 || s.size() == 8;
                    case CHARS -> s.size() <= MAX_CHARS_SLOT;
                    case DATA_LOC -> s.size() == 4;
                };
                if (!sizeOk) {
                    throw diagnostics.reject(slot + "size " + s.size() + " is not valid for a " + s.kind() + " field ("
                            + switch (s.kind()) {
                                case SIGNED, UNSIGNED -> "integers are 1, 2, 4 or 8 bytes";
                                case CHARS -> "char arrays are 1 to " + MAX_CHARS_SLOT + " bytes";
                                case DATA_LOC -> "a __data_loc word is 4 bytes";
                            } + ")");
                }
            }
        }
    }

    private void checkMaps() {
        for (int i = 0; i < program.maps().size(); i++) {
            MapDecl m = program.maps().get(i);
            String where = "map " + i + " (" + m.name() + "): ";
            if (m.keyTypes().size() > Limits.MAX_KEYS) {
                throw diagnostics.reject(where + "has " + m.keyTypes().size() + " key components; at most " + Limits.MAX_KEYS + " are allowed");
            }
            if (m.capacity() < 1 || m.capacity() > Limits.MAX_MAP_CAPACITY) {
                throw diagnostics.reject(where + "capacity " + m.capacity() + " is outside 1.." + Limits.MAX_MAP_CAPACITY);
            }
            if (m.kind() == MapKind.LHIST) {
                if (m.lhistStep() <= 0) {
                    throw diagnostics.reject(where + "lhist step must be positive, got " + m.lhistStep());
                }
                if (m.lhistMin() >= m.lhistMax()) {
                    throw diagnostics.reject(where + "lhist min " + m.lhistMin() + " must be below max " + m.lhistMax());
                }
                if (Long.compareUnsigned(lhistBuckets(m), Limits.MAX_LHIST_BUCKETS) > 0) {
                    throw diagnostics.reject(where + "lhist(" + m.lhistMin() + ", " + m.lhistMax() + ", " + m.lhistStep() + ") has "
                            + Long.toUnsignedString(lhistBuckets(m)) + " buckets; at most " + Limits.MAX_LHIST_BUCKETS + " are allowed");
                }
            } else if (m.lhistMin() != 0 || m.lhistMax() != 0 || m.lhistStep() != 0) {
                throw diagnostics.reject(where + "a " + m.kind().name().toLowerCase() + " map has lhist parameters; they must be 0 "
                        + "(one program has one encoding)");
            }
            if (m.threadLocal() && !m.keyTypes().equals(List.of(ValueType.INT))) {
                throw diagnostics.reject(where + "a thread-local map must be keyed by exactly one integer (the tid), not "
                        + ActionVerifier.keyList(m));
            }
        }
    }

    private void checkActions() {
        for (int i = 0; i < program.actions().size(); i++) {
            Action a = program.actions().get(i);
            if (a.registers() < 0 || a.registers() > Limits.MAX_REGISTERS) {
                throw diagnostics.reject("action " + i + ": " + a.registers() + " registers declared; at most " + Limits.MAX_REGISTERS
                        + " are allowed");
            }
        }
    }

    private void checkProbes() {
        if (program.probes().size() > Limits.MAX_PROBES) {
            throw diagnostics.reject("the program has " + program.probes().size() + " probes; at most " + Limits.MAX_PROBES
                    + " are allowed");
        }
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl p = program.probes().get(i);
            String where = "probe " + i + " (" + p.name() + "): ";
            if (p.action() < 0 || p.action() >= program.actions().size()) {
                throw diagnostics.reject(where + "runs action " + p.action() + ", but the program has " + program.actions().size() + " actions");
            }
            if (p.kind().hasRecord()) {
                if (p.layout() < 0 || p.layout() >= program.layouts().size()) {
                    throw diagnostics.reject(where + "a " + noun(p) + " needs an event layout, but layout " + p.layout()
                            + " does not exist");
                }
            } else if (p.layout() != -1) {
                throw diagnostics.reject(where + "a " + p.kind() + " probe has no event record, so its layout must be -1, not "
                        + p.layout());
            }
            checkAttachPoint(p, where);
            checkPeriod(p, where);
        }
    }

    /**
     * The attach point of each kind has the parts {@link ProbeKind} lists and no others. Names are plain words:
     * a tracepoint name becomes a path under tracefs, so it may not hold a separator or a dot-dot.
     */
    private void checkAttachPoint(ProbeDecl p, String where) {
        AttachPoint a = p.attach();
        String rule = switch (p.kind()) {
            case BEGIN, END, INTERVAL, PROFILE -> a.isNone() ? null : "attaches to nothing, so its attach point must be empty";
            case TRACEPOINT -> word(a.target()) && word(a.function()) && a.offset() == 0 ? null
                    : "attaches to a tracepoint: its attach point is a category and an event, each of letters, digits and _, "
                    + "and offset 0";
            case SOFTWARE, HARDWARE -> CounterEvent.of(p.kind(), a.target()).isPresent() && a.function().isEmpty()
                    && a.offset() == 0 ? null : "attaches to a perf event: its attach point is the name of a "
                    + p.kind().name().toLowerCase() + " event alone (" + eventNames(p.kind()) + ")";
            case UPROBE, URETPROBE, USDT -> a.target().startsWith("/") && !a.function().isEmpty() && a.offset() >= 0
                    && (p.kind() == ProbeKind.UPROBE || a.offset() == 0) ? null
                    : "attaches to a binary: its attach point is an absolute path, a function and an offset (0 for returns and USDT)";
            case KPROBE, KRETPROBE -> !a.function().isEmpty() && a.offset() >= 0 && (p.kind() == ProbeKind.KPROBE || a.offset() == 0)
                    ? null : "attaches to a kernel function: its attach point is a function and an offset (0 for returns)";
        };
        if (rule != null) {
            throw diagnostics.reject(where + "a " + p.kind() + " probe " + rule + "; got target " + quote(a.target())
                    + ", function " + quote(a.function()) + ", offset " + a.offset());
        }
    }

    private int largestCapacity() {
        int max = 0;
        for (MapDecl m : program.maps()) {
            max = Math.max(max, m.capacity());
        }
        return max;
    }

    /**
     * Timed probes (intervals, profiles and the software clocks) have a period of 100 us to 365 days; the other
     * software and hardware events one of 1 to {@link CounterEvent#MAX_PERIOD} events.
     */
    private void checkPeriod(ProbeDecl p, String where) {
        boolean needsPeriod = switch (p.kind()) {
            case INTERVAL, PROFILE, SOFTWARE, HARDWARE -> true;
            default -> false;
        };
        CounterEvent event = CounterEvent.of(p.kind(), p.attach().target()).orElse(null);
        boolean timed = p.kind() == ProbeKind.INTERVAL || p.kind() == ProbeKind.PROFILE || event != null && event.clock();
        if (needsPeriod && p.period() <= 0) {
            throw diagnostics.reject(where + noun(p) + " period must be positive, got " + p.period() + (timed ? " ns" : " events"));
        }
        if (timed && (p.period() < Limits.MIN_PERIOD_NANOS || p.period() > Limits.MAX_PERIOD_NANOS)) {
            throw diagnostics.reject(where + noun(p) + " period of " + p.period() + " ns is outside " + Limits.MIN_PERIOD_NANOS
                    + ".." + Limits.MAX_PERIOD_NANOS + " ns (100 us to 365 days)");
        }
        if (event != null && !event.validPeriod(p.period())) {
            throw diagnostics.reject(where + noun(p) + " period of " + p.period() + " events is outside 1.."
                    + CounterEvent.MAX_PERIOD);
        }
        if (!needsPeriod && p.period() != 0) {
            throw diagnostics.reject(where + "a " + p.kind() + " probe has no period, so it must be 0, not " + p.period()
                    + " (one program has one encoding)");
        }
    }

    private static String eventNames(ProbeKind kind) {
        StringBuilder names = new StringBuilder();
        for (CounterEvent e : CounterEvent.values()) {
            if (e.kind() == kind) {
                names.append(names.length() == 0 ? "" : ", ").append(e.eventName());
            }
        }
        return names.toString();
    }

    private static boolean word(String s) {
        return !s.isEmpty() && s.length() <= 255 && s.chars().allMatch(c -> c == '_' || c < 128 && Character.isLetterOrDigit(c));
    }

    /** What a probe of this kind is called in messages: "tracepoint", "interval", "software event". */
    private static String noun(ProbeDecl p) {
        return switch (p.kind()) {
            case SOFTWARE, HARDWARE -> p.kind().name().toLowerCase() + " event";
            case BEGIN, END, USDT -> p.kind().name();
            default -> p.kind().name().toLowerCase();
        };
    }

    private static String quote(String s) {
        return ActionVerifier.quote(s);
    }

    /** Checks the action's record-field reads against layout {@code layout} (-1: none); returns the slot names read. */
    private List<String> checkFields(int action, ActionVerifier.Facts facts, int layout, String runner) {
        Set<String> names = new LinkedHashSet<>();
        for (Instruction insn : facts.fieldReads()) {
            String at = "action " + action + " pc " + insn.pc() + ": " + insn + ": ";
            if (layout < 0) {
                throw diagnostics.reject(action, insn.pc(), at + "reads a record field, but " + runner + " has no event record",
                        "record fields (args.x) exist only in tracepoint probes");
            }
            EventLayout l = program.layouts().get(layout);
            int slotId = insn.intOperand(1);
            if (slotId >= l.slots().size()) {
                throw diagnostics.reject(action, insn.pc(), at + "field f" + slotId + " does not exist in the record of " + l.name()
                        + " (it has " + l.slots().size() + " fields), which " + runner + " delivers");
            }
            LayoutSlot s = l.slots().get(slotId);
            if (insn.opcode() == Opcode.FIELD && s.isString()) {
                throw diagnostics.reject(action, insn.pc(), at + "field " + s.name() + " of " + l.name()
                        + " is a string, but FIELD reads integers");
            }
            if (insn.opcode() == Opcode.FIELD_STR && !s.isString()) {
                throw diagnostics.reject(action, insn.pc(), at + "field " + s.name() + " of " + l.name()
                        + " is an integer, but FIELD_STR reads strings");
            }
            names.add(s.name());
        }
        return List.copyOf(names);
    }

    /** Number of linear buckets between min and max (unsigned: max - min may exceed Long.MAX_VALUE). */
    private static long lhistBuckets(MapDecl m) {
        long span = m.lhistMax() - m.lhistMin();
        long whole = Long.divideUnsigned(span, m.lhistStep());
        return Long.remainderUnsigned(span, m.lhistStep()) == 0 ? whole : whole + 1;
    }

    /** Bytes of one entry: each key component and the value, strings counted at {@link Limits#MAX_STRING}. */
    static long entryBytes(MapDecl m) {
        long keys = 0;
        for (ValueType t : m.keyTypes()) {
            keys += valueBytes(t);
        }
        long value = switch (m.kind()) {
            case SCALAR -> valueBytes(m.valueType());
            case COUNT, SUM, MIN, MAX -> 8;
            case AVG, STATS -> 16;
            case HIST -> 8L * Limits.HIST_BUCKETS;
            case LHIST -> 8L * (lhistBuckets(m) + 2);
        };
        return keys + value;
    }

    private static long valueBytes(ValueType t) {
        return t == ValueType.INT ? 8 : Limits.MAX_STRING;
    }

    private static String valueName(MapDecl m) {
        return switch (m.kind()) {
            case SCALAR -> m.valueType().name().toLowerCase();
            case LHIST -> "lhist(" + m.lhistMin() + ", " + m.lhistMax() + ", " + m.lhistStep() + ")";
            default -> m.kind().name().toLowerCase();
        };
    }
}
