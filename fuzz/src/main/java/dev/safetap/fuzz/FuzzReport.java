package dev.safetap.fuzz;

import dev.safetap.bytecode.Diagnostic;
import java.util.List;
import java.util.Locale;

/**
 * What {@code safetap fuzz} found for one script: per probe the events delivered, how much of its
 * action ran and the most instructions one firing took against the proven bound; per map how full
 * it got; the runtime errors with their source lines; and a safety violation, which would mean a
 * verifier bug.
 */
public record FuzzReport(String script, long seed, int eventsPerProbe, List<ProbeResult> probes, List<MapFill> maps,
        List<RuntimeError> errors, String violation, long outputBytes, boolean exitRequested) {

    public FuzzReport {
        probes = List.copyOf(probes);
        maps = List.copyOf(maps);
        errors = List.copyOf(errors);
    }

    /** One probe: events fired, records dropped as short, instructions of its action covered, max instructions vs the bound. */
    public record ProbeResult(String probe, int action, long events, long shortRecords, int coveredInstructions,
            int instructions, long maxInstructions, long bound) {
        public double coverage() {
            return instructions == 0 ? 0 : (double) coveredInstructions / instructions;
        }
    }

    /** One map at the end of the run. */
    public record MapFill(String name, int entries, int capacity, long droppedUpdates) {
    }

    /**
     * One runtime error: what happened and how often, and where ({@code where} is {@code file:line:col},
     * or the action and pc when the program has no line table), with the source line.
     */
    public record RuntimeError(String message, String where, String sourceLine, int column) {
    }

    /** True when the script hit runtime errors or a check tripped: {@code safetap fuzz} then exits 1. */
    public boolean failed() {
        return !errors.isEmpty() || violation != null;
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "fuzzed %s: %d events per probe, seed %d%n%n", Diagnostic.printable(script), eventsPerProbe, seed));
        int width = Math.max(5, probes.stream().mapToInt(p -> Diagnostic.printable(p.probe()).length()).max().orElse(5));
        sb.append(String.format(Locale.ROOT, "%-" + width + "s  %7s  %6s  %-17s  %s%n", "probe", "events", "short", "coverage",
                "max instructions / bound"));
        for (ProbeResult p : probes) {
            sb.append(String.format(Locale.ROOT, "%-" + width + "s  %7d  %6d  %-17s  %d / %d (%.0f%%)%n", Diagnostic.printable(p.probe()), p.events(),
                    p.shortRecords(), String.format(Locale.ROOT, "%d/%d (%.0f%%)", p.coveredInstructions(), p.instructions(), 100 * p.coverage()),
                    p.maxInstructions(), p.bound(), p.bound() == 0 ? 0.0 : 100.0 * p.maxInstructions() / p.bound()));
        }
        if (!maps.isEmpty()) {
            sb.append("\nmaps:\n");
            for (MapFill m : maps) {
                sb.append(String.format(Locale.ROOT, "  %-20s %d / %d entries (%.1f%%)%s%n", Diagnostic.printable(m.name()), m.entries(), m.capacity(),
                        100.0 * m.entries() / m.capacity(), m.droppedUpdates() > 0 ? ", " + m.droppedUpdates() + " updates dropped" : ""));
            }
        }
        sb.append(String.format(Locale.ROOT, "%noutput: %d bytes%s%n", outputBytes, exitRequested ? "; exit() was reached" : ""));
        if (violation != null) {
            sb.append("\nSAFETY VIOLATION (a verifier bug; please report it with this script): ").append(violation).append('\n');
        }
        if (errors.isEmpty()) {
            sb.append("\nno runtime errors found\n");
            return sb.toString();
        }
        sb.append("\nruntime errors:\n");
        for (RuntimeError e : errors) {
            sb.append(Diagnostic.printable(e.where())).append(": warning: ").append(Diagnostic.printable(e.message())).append('\n');
            if (!e.sourceLine().isEmpty()) {
                Diagnostic.appendExcerpt(sb, e.sourceLine(), e.column());
            }
        }
        return sb.toString();
    }
}
