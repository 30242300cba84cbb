package dev.safetap.fuzz;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.TracepointFormat;
import dev.safetap.session.CountOnlyProbes;
import dev.safetap.session.PushdownAnalysis;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.MapEntry;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The kernel-filter properties of a verified program on generated events, with the kernel's filter played by
 * {@link TracepointFilterModel}. Each method returns a description of the failure, or null.
 */
final class FilterOracle {
    /** The pid the runs give the -c command: one of the event generator's pids, so that {@code cpid} tests hit. */
    static final int CPID = 42;

    private FilterOracle() {
    }

    static String all(VerifiedProgram verified, List<GeneratedEvent> events) {
        String failure = soundness(verified, events);
        return failure != null ? failure : countOnlyEquivalence(verified, events);
    }

    /**
     * Soundness: an event the kernel filter rejects is never one the action acts on. Two tiers run in lockstep,
     * one on every event, one on the events the filters admit; after every rejected event their maps and output
     * must still be equal, and at the end their counters too.
     */
    static String soundness(VerifiedProgram verified, List<GeneratedEvent> events) {
        Program program = verified.program();
        PushdownAnalysis.Pushdown[] pushdowns = pushdowns(verified);
        Run all = new Run(verified);
        Run filtered = new Run(verified);
        all.tier.begin();
        filtered.tier.begin();
        for (GeneratedEvent e : events) {
            all.fire(e);
            boolean admitted;
            try {
                admitted = admitted(program, pushdowns, e);
            } catch (TracepointFilterModel.Refused r) {
                return "the kernel would refuse filter '" + pushdowns[e.probe()].filter() + "': " + r.getMessage();
            }
            if (admitted) {
                filtered.fire(e);
            } else if (!all.sameAs(filtered)) {
                return "the filter '" + pushdowns[e.probe()].filter() + "'" + (pushdowns[e.probe()].commandScoped()
                        ? " in the command's process" : "") + " of " + program.probes().get(e.probe()).name()
                        + " rejects an event the action acts on: " + e.toText() + "\n--- every event\n" + all.describe()
                        + "\n--- admitted events\n" + filtered.describe();
            }
        }
        all.tier.end();
        filtered.tier.end();
        if (!all.sameAs(filtered) || !all.tier.state().counters().equals(filtered.tier.state().counters())) {
            return "the filtered run ends differently:\n--- every event\n" + all.describe() + "\n--- admitted events\n" + filtered.describe();
        }
        return null;
    }

    /**
     * Count-only equivalence: serving the count-only probes by counting the events their filters admit, folded in
     * before every interval tick and at the end as the session does, ends in the maps and output of sampling every
     * event. Records shorter than their format are left out: the kernel never writes one.
     */
    static String countOnlyEquivalence(VerifiedProgram verified, List<GeneratedEvent> events) {
        Program program = verified.program();
        List<CountOnlyProbes.CountedProbe> counted = CountOnlyProbes.plan(verified, CPID, true);
        if (counted.isEmpty()) {
            return null;
        }
        Map<Integer, CountOnlyProbes.CountedProbe> byProbe = new HashMap<>();
        counted.forEach(c -> byProbe.put(c.probe(), c));
        long[] pending = new long[program.probes().size()];
        Run sampled = new Run(verified);
        Run served = new Run(verified);
        sampled.tier.begin();
        served.tier.begin();
        for (GeneratedEvent e : events) {
            ProbeDecl probe = program.probes().get(e.probe());
            if (probe.kind() == ProbeKind.TRACEPOINT && e.record().length < format(probe).fixedSize()) {
                continue;
            }
            sampled.fire(e);
            CountOnlyProbes.CountedProbe c = byProbe.get(e.probe());
            if (c == null) {
                if (probe.kind() == ProbeKind.INTERVAL) {
                    fold(served, counted, pending);
                }
                served.fire(e);
            } else if (inScope(c.commandScoped(), e, format(probe)) && TracepointFilterModel.admits(format(probe), c.filter(), e.record(), e.comm())) {
                pending[e.probe()]++;
            }
        }
        fold(served, counted, pending);
        sampled.tier.end();
        served.tier.end();
        if (!sampled.sameAs(served)) {
            return "counting " + counted.stream().map(c -> program.probes().get(c.probe()).name()).toList()
                    + " ends differently from sampling them:\n--- sampled\n" + sampled.describe() + "\n--- counted\n" + served.describe();
        }
        return null;
    }

    private static void fold(Run run, List<CountOnlyProbes.CountedProbe> counted, long[] pending) {
        for (CountOnlyProbes.CountedProbe c : counted) {
            c.update().addTo(run.tier.state(), pending[c.probe()]);
            pending[c.probe()] = 0;
        }
    }

    /** What the kernel does for every probe, as the session derives it. */
    private static PushdownAnalysis.Pushdown[] pushdowns(VerifiedProgram verified) {
        Program program = verified.program();
        PushdownAnalysis.Pushdown[] pushdowns = new PushdownAnalysis.Pushdown[program.probes().size()];
        for (int p = 0; p < pushdowns.length; p++) {
            pushdowns[p] = PushdownAnalysis.of(verified, p, CPID);
        }
        return pushdowns;
    }

    /**
     * A probe scoped to the command sees only the events of its process: those with pid {@link #CPID}. A record
     * shorter than its format is let through, as the filter model does: the kernel never writes one, and the VM
     * counts it as malformed, which the filtered run must count too.
     */
    private static boolean inScope(boolean commandScoped, GeneratedEvent e, TracepointFormat format) {
        return !commandScoped || e.pid() == CPID || e.record().length < format.fixedSize();
    }

    private static boolean admitted(Program program, PushdownAnalysis.Pushdown[] pushdowns, GeneratedEvent e) {
        ProbeDecl probe = program.probes().get(e.probe());
        PushdownAnalysis.Pushdown p = pushdowns[e.probe()];
        return probe.kind() != ProbeKind.TRACEPOINT || inScope(p.commandScoped(), e, format(probe))
                && TracepointFilterModel.admits(format(probe), p.filter(), e.record(), e.comm());
    }

    private static TracepointFormat format(ProbeDecl probe) {
        return Scripts.CATALOG.format(probe.attach().tracepointName()).orElseThrow();
    }

    /** One tier with its own output. */
    private static final class Run {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final Tier tier;
        final EventContext ctx = new EventContext();

        Run(VerifiedProgram verified) {
            PrintStream s = new PrintStream(out, true, StandardCharsets.UTF_8);
            tier = TierKind.INTERP.create(verified, new VmOptions(s, s, 500_000_000L, CPID));
        }

        void fire(GeneratedEvent e) {
            tier.fire(e.probe(), e.fill(ctx));
        }

        List<Set<MapEntry>> maps() {
            List<Set<MapEntry>> maps = new ArrayList<>();
            for (int m = 0; m < tier.state().mapCount(); m++) {
                maps.add(new HashSet<>(tier.state().entries(m)));
            }
            return maps;
        }

        boolean sameAs(Run other) {
            return out.toString(StandardCharsets.UTF_8).equals(other.out.toString(StandardCharsets.UTF_8)) && maps().equals(other.maps());
        }

        String describe() {
            return "maps " + maps() + "\noutput:\n" + out.toString(StandardCharsets.UTF_8);
        }
    }
}
