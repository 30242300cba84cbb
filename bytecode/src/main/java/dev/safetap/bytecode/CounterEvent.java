package dev.safetap.bytecode;

import java.util.Optional;

/**
 * The software and hardware perf events a {@link ProbeKind#SOFTWARE} or {@link ProbeKind#HARDWARE} probe attaches
 * to, by bpftrace's names: the event's name is the probe's {@link AttachPoint#target()}, and its period counts events
 * (every {@code period}-th page fault), or nanoseconds for the two clocks. The default periods are bpftrace 0.17's,
 * but for {@code task-clock}, whose bpftrace default of 1 ns would make the kernel sample every 10 us.
 */
public enum CounterEvent {
    CPU_CLOCK(ProbeKind.SOFTWARE, "cpu-clock", "cpu", 1_000_000, true),
    TASK_CLOCK(ProbeKind.SOFTWARE, "task-clock", "", 1_000_000, true),
    PAGE_FAULTS(ProbeKind.SOFTWARE, "page-faults", "faults", 100, false),
    CONTEXT_SWITCHES(ProbeKind.SOFTWARE, "context-switches", "cs", 1000, false),
    CPU_MIGRATIONS(ProbeKind.SOFTWARE, "cpu-migrations", "", 1, false),
    MINOR_FAULTS(ProbeKind.SOFTWARE, "minor-faults", "", 100, false),
    MAJOR_FAULTS(ProbeKind.SOFTWARE, "major-faults", "", 1, false),
    ALIGNMENT_FAULTS(ProbeKind.SOFTWARE, "alignment-faults", "", 1, false),
    EMULATION_FAULTS(ProbeKind.SOFTWARE, "emulation-faults", "", 1, false),
    DUMMY(ProbeKind.SOFTWARE, "dummy", "", 1, false),
    CPU_CYCLES(ProbeKind.HARDWARE, "cpu-cycles", "cycles", 1_000_000, false),
    INSTRUCTIONS(ProbeKind.HARDWARE, "instructions", "", 1_000_000, false),
    CACHE_REFERENCES(ProbeKind.HARDWARE, "cache-references", "", 1_000_000, false),
    CACHE_MISSES(ProbeKind.HARDWARE, "cache-misses", "", 1_000_000, false),
    BRANCH_INSTRUCTIONS(ProbeKind.HARDWARE, "branch-instructions", "branches", 100_000, false),
    BRANCH_MISSES(ProbeKind.HARDWARE, "branch-misses", "", 100_000, false),
    BUS_CYCLES(ProbeKind.HARDWARE, "bus-cycles", "", 100_000, false),
    FRONTEND_STALLS(ProbeKind.HARDWARE, "frontend-stalls", "", 1_000_000, false),
    BACKEND_STALLS(ProbeKind.HARDWARE, "backend-stalls", "", 1_000_000, false),
    REF_CYCLES(ProbeKind.HARDWARE, "ref-cycles", "", 1_000_000, false);

    /** The largest period of an event that is not a clock: a sample every 10^12 events. */
    public static final long MAX_PERIOD = 1_000_000_000_000L;

    private final ProbeKind kind;
    private final String eventName;
    private final String alias;
    private final long defaultPeriod;
    private final boolean clock;

    CounterEvent(ProbeKind kind, String eventName, String alias, long defaultPeriod, boolean clock) {
        this.kind = kind;
        this.eventName = eventName;
        this.alias = alias;
        this.defaultPeriod = defaultPeriod;
        this.clock = clock;
    }

    /** {@link ProbeKind#SOFTWARE} or {@link ProbeKind#HARDWARE}. */
    public ProbeKind kind() {
        return kind;
    }

    /** bpftrace's (and perf's) name of the event, as the attach point holds it: {@code page-faults}. */
    public String eventName() {
        return eventName;
    }

    /** bpftrace's short name ({@code faults}), or "" when it has none. */
    public String alias() {
        return alias;
    }

    /** The period when a probe names none. */
    public long defaultPeriod() {
        return defaultPeriod;
    }

    /**
     * True for the clocks ({@code cpu-clock}, {@code task-clock}): their period is nanoseconds, from
     * {@link Limits#MIN_PERIOD_NANOS} to {@link Limits#MAX_PERIOD_NANOS} as a profile probe's; other events count
     * 1 to {@link #MAX_PERIOD} events.
     */
    public boolean clock() {
        return clock;
    }

    /** The event of {@code kind} called {@code name} (its name only, not its alias). */
    public static Optional<CounterEvent> of(ProbeKind kind, String name) {
        for (CounterEvent e : values()) {
            if (e.kind == kind && e.eventName.equals(name)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** Whether {@code period} is one this event can sample with. */
    public boolean validPeriod(long period) {
        return clock ? period >= Limits.MIN_PERIOD_NANOS && period <= Limits.MAX_PERIOD_NANOS
                : period >= 1 && period <= MAX_PERIOD;
    }
}
