package dev.safetap.verifier;

import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which probes need their events in time order, decided from the bytecode. A probe on kernel events (a tracepoint,
 * a profile, a software or hardware event) whose action only computes and aggregates ({@code count}, {@code sum}, {@code hist}, ...) into maps that no time-ordered probe
 * touches gives the same maps whatever order its events run in, and on whichever thread: aggregation is commutative
 * and nothing reads the partial result. Such a probe runs in <b>any order</b>: on the worker of its CPU's ring, with
 * the worker's own copy of those maps, merged into the printed maps before anything reads them (a tick, END, the
 * exit print). Every other probe runs in <b>time order</b> on the one thread that merges the rings: it prints, exits,
 * reads or sets a map, or aggregates into a map that another time-ordered probe reads, sets or clears. BEGIN, END and
 * interval probes, which safetap fires itself, run on that thread too, and may print, read and clear any map.
 */
public final class EventOrder {
    private final boolean[] anyOrder;
    private final String[] reasons;
    private final boolean[] mergedMaps;

    private EventOrder(boolean[] anyOrder, String[] reasons, boolean[] mergedMaps) {
        this.anyOrder = anyOrder;
        this.reasons = reasons;
        this.mergedMaps = mergedMaps;
    }

    /** The order the events of each probe of {@code program} need. */
    public static EventOrder of(Program program) {
        int probes = program.probes().size();
        boolean[] any = new boolean[probes];
        String[] reasons = new String[probes];
        List<List<Integer>> aggregated = new ArrayList<>();
        Map<Integer, Integer> otherUse = new HashMap<>();
        for (int p = 0; p < probes; p++) {
            ProbeDecl probe = program.probes().get(p);
            List<Integer> maps = new ArrayList<>();
            aggregated.add(maps);
            if (probe.kind().isSynthetic()) {
                reasons[p] = "safetap fires it, on the thread that merges the rings";
                continue;
            }
            reasons[p] = firstOrderedEffect(program, program.actions().get(probe.action()).code(), maps);
            any[p] = reasons[p] == null;
            if (!any[p]) {
                for (int m : mapsUsed(program.actions().get(probe.action()).code())) {
                    otherUse.putIfAbsent(m, p);
                }
            }
        }
        // A map a time-ordered probe reads, sets, deletes, clears or prints must see every update in its
        // place in time: the probes aggregating into it run in time order too. Aggregating alone is no such use.
        for (int p = 0; p < probes; p++) {
            for (int m : aggregated.get(p)) {
                Integer user = otherUse.get(m);
                if (any[p] && user != null) {
                    any[p] = false;
                    reasons[p] = program.maps().get(m).name() + " is also used by " + program.probes().get(user).name()
                            + ", which runs in time order";
                }
            }
        }
        boolean[] merged = new boolean[program.maps().size()];
        for (int p = 0; p < probes; p++) {
            if (any[p]) {
                reasons[p] = null;
                for (int m : aggregated.get(p)) {
                    merged[m] = true;
                }
            }
        }
        return new EventOrder(any, reasons, merged);
    }

    /** What makes an action need time order, for the report; null if nothing does. Adds the maps it aggregates into. */
    private static String firstOrderedEffect(Program program, byte[] code, List<Integer> aggregated) {
        for (int pc = 0; pc < code.length; ) {
            Instruction in = Instruction.decode(code, pc);
            switch (in.opcode()) {
                case MAP_AGG -> {
                    if (program.maps().get(in.intOperand(0)).threadLocal()) {
                        return "it updates the thread-local " + program.maps().get(in.intOperand(0)).name();
                    }
                    if (!aggregated.contains(in.intOperand(0))) {
                        aggregated.add(in.intOperand(0));
                    }
                }
                case MAP_GET -> {
                    return "it reads " + program.maps().get(in.intOperand(1)).name();
                }
                case MAP_SET, MAP_DEL, MAP_CLEAR, MAP_ZERO, MAP_TRUNC, MAP_PRINT, PRINTF, PRINT_VAL, TIME, EXIT -> {
                    List<Effect> effects = Effect.of(in, program);
                    Effect shown = effects.get(effects.size() - 1);
                    return shown.kind() == Effect.Kind.OUTPUT ? "it calls " + shown.name() : "it writes " + shown.name();
                }
                default -> {
                }
            }
            pc += in.length();
        }
        return null;
    }

    /** The maps an action uses other than by aggregating into them: reads, sets, deletes, clears, zeroes, prints, truncates. */
    public static Set<Integer> mapsUsed(byte[] code) {
        Set<Integer> maps = new LinkedHashSet<>();
        for (int pc = 0; pc < code.length; ) {
            Instruction in = Instruction.decode(code, pc);
            switch (in.opcode()) {
                case MAP_GET -> maps.add(in.intOperand(1));
                case MAP_SET, MAP_DEL, MAP_CLEAR, MAP_ZERO, MAP_PRINT, MAP_TRUNC -> maps.add(in.intOperand(0));
                default -> {
                }
            }
            pc += in.length();
        }
        return maps;
    }

    /** True if the events of probe {@code probe} may run in any order, on any thread. */
    public boolean anyOrder(int probe) {
        return anyOrder[probe];
    }

    /** Why probe {@code probe} runs in time order ("it calls printf(...)"); null if it runs in any order. */
    public String reason(int probe) {
        return reasons[probe];
    }

    /** True if map {@code map} is aggregated into by probes that run in any order: each worker holds a part of it. */
    public boolean merged(int map) {
        return mergedMaps[map];
    }
}
