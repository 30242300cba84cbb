package dev.safetap.session;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.CountingSession;
import dev.safetap.kernel.EventSource;
import dev.safetap.kernel.SampleContent;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.session.PushdownAnalysis.CountUpdate;
import dev.safetap.verifier.EventOrder;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.ProgramState;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Serves count-only probes from the kernel's counting perf events: no sample crosses a ring buffer. Each
 * served probe's count, filtered in the kernel by the same predicate the action evaluates, is folded into
 * its map entry whenever a tick or END is about to read the maps ({@link #foldInto}), so printed maps hold
 * exactly what sampling every firing would have produced. A probe whose filter the kernel rejects is handed
 * back to be sampled: it is not among the {@link #served} ones.
 */
public final class CountOnlyProbes implements AutoCloseable {
    /**
     * A probe served by counting: its index, tracepoint, kernel filter (null for none), its update, and the process
     * whose events alone it counts (the {@code -c} command's, see {@link PushdownAnalysis.Pushdown#commandScoped}),
     * or -1 for every process.
     */
    public record CountedProbe(int probe, String tracepoint, String filter, CountUpdate update, int process) {
        public boolean commandScoped() {
            return process > 0;
        }
    }

    /**
     * The probes of a verified program that counting can serve: their action only adds one to a constant
     * key of a count map, under a predicate the kernel can evaluate (with {@code kernelFilters}), and no
     * sampled action (of a tracepoint, profile, software or hardware probe) reads or changes that map, since ticks and END are the only points where
     * the kernel's counts are folded in. {@code cpid} is the value of the {@code cpid} builtin.
     */
    public static List<CountedProbe> plan(VerifiedProgram verified, long cpid, boolean kernelFilters) {
        Program program = verified.program();
        List<CountedProbe> candidates = new ArrayList<>();
        Set<Integer> sampledMapUse = new HashSet<>();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            if (probe.kind() != ProbeKind.TRACEPOINT) {
                if (!probe.kind().isSynthetic()) {
                    sampledMapUse.addAll(EventOrder.mapsUsed(program.actions().get(probe.action()).code()));
                }
                continue;
            }
            PushdownAnalysis.Pushdown pushdown = PushdownAnalysis.of(verified, i, cpid);
            boolean kernelHelp = pushdown.filter() != null || pushdown.commandScoped();
            if (pushdown.count() != null && (!kernelHelp || kernelFilters)) {
                candidates.add(new CountedProbe(i, probe.attach().tracepointName(), pushdown.filter(), pushdown.count(),
                        pushdown.commandScoped() ? (int) cpid : -1));
            } else {
                sampledMapUse.addAll(EventOrder.mapsUsed(program.actions().get(probe.action()).code()));
            }
        }
        candidates.removeIf(c -> sampledMapUse.contains(c.update().map()));
        return candidates;
    }

    private final CountingSession session;
    private final List<CountedProbe> served;
    private final long[] folded;

    private CountOnlyProbes(CountingSession session, List<CountedProbe> served) {
        this.session = session;
        this.served = List.copyOf(served);
        this.folded = new long[served.size()];
    }

    /**
     * Opens (disabled) a counter per probe and CPU. Probes whose filter the kernel rejects are not counted (the
     * caller samples every probe not {@link #served}): the counters are reopened without them until every remaining
     * filter is accepted.
     */
    static CountOnlyProbes open(TracepointCatalog catalog, List<CountedProbe> probes, SessionOptions options) {
        List<CountedProbe> served = new ArrayList<>(probes);
        while (true) {
            List<TraceRequest> requests = new ArrayList<>();
            for (CountedProbe p : served) {
                requests.add(new TraceRequest(EventSource.Tracepoint.parse(p.tracepoint()), SampleContent.RAW, p.probe(),
                        p.filter(), p.process()));
            }
            CountingSession session = CountingSession.open(catalog, requests, options);
            if (session.rejectedFilters().isEmpty()) {
                return new CountOnlyProbes(session, served);
            }
            session.close();
            Set<Integer> refused = new HashSet<>();
            for (TraceRequest r : session.rejectedFilters()) {
                refused.add(r.stream());
            }
            served.removeIf(p -> refused.contains(p.probe()));
        }
    }

    /** Probes counted by the kernel. */
    List<CountedProbe> served() {
        return served;
    }

    void enable() {
        session.enable();
    }

    void disable() {
        session.disable();
    }

    /** Adds to each served probe's map entry what its counter gained since the last fold. */
    void foldInto(ProgramState state) {
        if (served.isEmpty()) {
            return;
        }
        long[] counts = session.readCounts();
        for (int i = 0; i < counts.length; i++) {
            served.get(i).update().addTo(state, counts[i] - folded[i]);
            folded[i] = counts[i];
        }
    }

    @Override
    public void close() {
        session.close();
    }
}
