package dev.safetap.fuzz;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The events of one fuzzing run of a program: {@code perProbe} generated events for every probe but BEGIN and
 * END, each tracepoint's from the format of its tracepoint in the catalog (the others have no record), merged
 * in time order, as the kernel-bridge merges CPUs, so that probes interleave.
 */
public final class EventSequence {
    private EventSequence() {
    }

    public static List<GeneratedEvent> generate(Program program, TracepointCatalog catalog, RandomGenerator random, int perProbe) {
        List<GeneratedEvent> events = new ArrayList<>();
        for (int p = 0; p < program.probes().size(); p++) {
            ProbeDecl probe = program.probes().get(p);
            if (probe.kind() == ProbeKind.BEGIN || probe.kind() == ProbeKind.END) {
                continue;
            }
            TracepointFormat format = probe.kind() == ProbeKind.TRACEPOINT ? catalog.format(probe.attach().tracepointName()).orElse(null) : null;
            if (probe.kind() == ProbeKind.TRACEPOINT && format == null) {
                continue;
            }
            EventGenerator generator = new EventGenerator(format, random);
            for (int i = 0; i < perProbe; i++) {
                events.add(generator.next(p));
            }
        }
        events.sort(Comparator.comparingLong(GeneratedEvent::timeNanos));
        return events;
    }
}
