package dev.safetap.verifier;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import java.util.Locale;

/**
 * What a verified program does and what it may cost: the sheet a person reviews before running a
 * third-party script. {@link #render()} is the text of {@code safetap verify}; {@link #toJson()} its
 * stable JSON form, documented in {@code docs/verify-json.md}.
 */
public record VerifyReport(List<ProbeReport> probes, List<MapReport> maps, long totalMemoryBytes, long memoryBudgetBytes) {

    public VerifyReport {
        probes = List.copyOf(probes);
        maps = List.copyOf(maps);
    }

    /**
     * One probe: the name it carries (what the {@code probe} builtin prints), what it attaches to as its kind,
     * attach point and period say ({@code attach}, written from the bytecode, never from the name), its period,
     * the action it runs, the proven worst-case instructions of one firing, the record fields it reads (slot
     * names of its layout), the maps it reads and writes, and its output actions such as {@code printf("...")},
     * {@code print(@m)}, {@code time("...")}, {@code clear(@m)}, {@code exit()}; and the order its events need
     * ({@link EventOrder}): {@code "any"} (a tracepoint probe that only aggregates: run by the worker of each ring) or
     * {@code "time"}, with the reason in {@code orderReason} (empty for {@code "any"}).
     */
    public record ProbeReport(String name, String attach, boolean nameAgrees, long period, int action, long worstCaseInstructions,
            List<String> fieldsRead, List<String> mapsRead, List<String> mapsWritten, List<String> outputs, String order,
            String orderReason, List<String> stacks) {
        public ProbeReport {
            stacks = List.copyOf(stacks);
            fieldsRead = List.copyOf(fieldsRead);
            mapsRead = List.copyOf(mapsRead);
            mapsWritten = List.copyOf(mapsWritten);
            outputs = List.copyOf(outputs);
        }

        /** A probe that takes no stack. */
        public ProbeReport(String name, String attach, boolean nameAgrees, long period, int action, long worstCaseInstructions,
                List<String> fieldsRead, List<String> mapsRead, List<String> mapsWritten, List<String> outputs, String order,
                String orderReason) {
            this(name, attach, nameAgrees, period, action, worstCaseInstructions, fieldsRead, mapsRead, mapsWritten, outputs,
                    order, orderReason, List.of());
        }

        /** A probe whose events need time order for no reason the report gives (tests, reports built by hand). */
        public ProbeReport(String name, String attach, boolean nameAgrees, long period, int action, long worstCaseInstructions,
                List<String> fieldsRead, List<String> mapsRead, List<String> mapsWritten, List<String> outputs) {
            this(name, attach, nameAgrees, period, action, worstCaseInstructions, fieldsRead, mapsRead, mapsWritten, outputs,
                    "time", "");
        }

        /**
         * What runs in the kernel for this probe beyond perf itself: {@code "record copy"} for a tracepoint outside
         * {@code syscalls} and {@code raw_syscalls}, whose records a fixed BPF program (generated from the tracepoint's format, no script
         * expression in it) copies into the perf buffer when its samples are needed (docs/language.md, "Interrupt-context
         * events"; not with --no-bpf), and for a system call tracepoint whose action takes a stack (a system call's perf
         * sample has the user's registers, so only the copy's call chain has kernel frames). Empty otherwise.
         */
        public List<String> kernel() {
            boolean systemCall = attach.startsWith("tracepoint:syscalls:") || attach.startsWith("tracepoint:raw_syscalls:");
            return attach.startsWith("tracepoint:") && (!systemCall || takesCallChain()) ? List.of("record copy") : List.of();
        }

        /** Whether the probe's samples carry the call chain: its action takes a stack (symbols of addresses need none). */
        public boolean takesCallChain() {
            return stacks.stream().anyMatch(s -> s.contains("stack"));
        }

        /** Whether the action takes a user stack of the event ({@code ustack}, in any mode). */
        public boolean takesUserStack() {
            return stacks.stream().anyMatch(s -> s.startsWith("ustack"));
        }

        /** True when the report lists this effect of the probe's action. */
        public boolean describes(Effect effect) {
            return switch (effect.kind()) {
                case MAP_READ -> mapsRead.contains(effect.name());
                case MAP_WRITE -> mapsWritten.contains(effect.name());
                case OUTPUT -> outputs.contains(effect.name());
            };
        }
    }

    /**
     * One map: {@code value} is the scalar value type ({@code int}, {@code str}) or the aggregation
     * ({@code count}, {@code lhist(0, 100, 10)}); {@code memoryBytes} = bytesPerEntry x the entries the map can hold (capacity, or 1 for a map without keys).
     */
    public record MapReport(String name, MapKind kind, List<ValueType> keyTypes, String value, int capacity,
            boolean threadLocal, long bytesPerEntry, long memoryBytes) {
        public MapReport {
            keyTypes = List.copyOf(keyTypes);
        }
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("probes: ").append(probes.size()).append('\n');
        for (ProbeReport p : probes) {
            sb.append("  ").append(Diagnostic.printable(p.attach()));
            if (!p.nameAgrees()) {
                sb.append("  (it calls itself ").append(Diagnostic.printable(p.name())).append(')');
            }
            sb.append("  (action ").append(p.action()).append(")\n");
            sb.append("    worst case: ").append(p.worstCaseInstructions()).append(" instructions per firing (budget ")
                    .append(Limits.INSTRUCTION_BUDGET).append(")\n");
            line(sb, "fields read", p.fieldsRead());
            line(sb, "maps read", p.mapsRead());
            line(sb, "maps written", p.mapsWritten());
            line(sb, "output", p.outputs());
            if (!p.stacks().isEmpty()) {
                line(sb, "stacks", p.stacks());
            }
            if (!p.kernel().isEmpty()) {
                line(sb, "kernel", p.kernel());
            }
            if (!p.attach().equals("BEGIN") && !p.attach().equals("END") && !p.attach().startsWith("interval:")) {
                sb.append("    order: ").append(p.order().equals("any")
                        ? "any (it only aggregates: each ring's worker runs it, the maps are merged when read)"
                        : "time (" + Diagnostic.printable(p.orderReason()) + ")").append('\n');
            }
        }
        sb.append("maps: ").append(maps.size()).append('\n');
        for (MapReport m : maps) {
            sb.append("  ").append(Diagnostic.printable(m.name())).append("  ").append(m.value());
            sb.append("  keys (").append(String.join(", ", m.keyTypes().stream().map(t -> t.name().toLowerCase()).toList())).append(')');
            if (m.threadLocal()) {
                sb.append("  thread-local");
            }
            sb.append("  capacity ").append(m.capacity()).append("  ").append(m.bytesPerEntry()).append(" bytes/entry  max ")
                    .append(bytes(m.memoryBytes())).append('\n');
        }
        sb.append("memory bound: ").append(bytes(totalMemoryBytes)).append(" of a budget of ").append(bytes(memoryBudgetBytes))
                .append('\n');
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, List<String> items) {
        sb.append("    ").append(label).append(": ")
                .append(items.isEmpty() ? "none" : String.join(", ", items.stream().map(Diagnostic::printable).toList())).append('\n');
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s (%d B)", v, units[u], n);
    }

    /** One JSON object on one line; keys in a fixed order (schema in docs/verify-json.md). */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{\"schema\":\"safetap-verify/1\",\"instructionBudget\":")
                .append(Limits.INSTRUCTION_BUDGET).append(",\"probes\":[");
        for (int i = 0; i < probes.size(); i++) {
            ProbeReport p = probes.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(jsonString(p.name()))
                    .append(",\"attach\":").append(jsonString(p.attach()))
                    .append(",\"period\":").append(p.period())
                    .append(",\"action\":").append(p.action())
                    .append(",\"worstCaseInstructions\":").append(p.worstCaseInstructions())
                    .append(",\"fieldsRead\":").append(jsonArray(p.fieldsRead()))
                    .append(",\"mapsRead\":").append(jsonArray(p.mapsRead()))
                    .append(",\"mapsWritten\":").append(jsonArray(p.mapsWritten()))
                    .append(",\"outputs\":").append(jsonArray(p.outputs()))
                    .append(",\"kernel\":").append(jsonArray(p.kernel()))
                    .append(",\"stacks\":").append(jsonArray(p.stacks()))
                    .append(",\"order\":").append(jsonString(p.order()))
                    .append(",\"orderReason\":").append(jsonString(p.orderReason())).append('}');
        }
        sb.append("],\"maps\":[");
        for (int i = 0; i < maps.size(); i++) {
            MapReport m = maps.get(i);
            sb.append(i == 0 ? "" : ",").append("{\"name\":").append(jsonString(m.name()))
                    .append(",\"kind\":").append(jsonString(m.kind().name().toLowerCase()))
                    .append(",\"keyTypes\":").append(jsonArray(m.keyTypes().stream().map(t -> t.name().toLowerCase()).toList()))
                    .append(",\"value\":").append(jsonString(m.value()))
                    .append(",\"capacity\":").append(m.capacity())
                    .append(",\"threadLocal\":").append(m.threadLocal())
                    .append(",\"bytesPerEntry\":").append(m.bytesPerEntry())
                    .append(",\"memoryBytes\":").append(m.memoryBytes()).append('}');
        }
        return sb.append("],\"totalMemoryBytes\":").append(totalMemoryBytes).append(",\"memoryBudgetBytes\":").append(memoryBudgetBytes)
                .append('}').toString();
    }

    private static String jsonArray(List<String> items) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < items.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(jsonString(items.get(i)));
        }
        return sb.append(']').toString();
    }

    private static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
