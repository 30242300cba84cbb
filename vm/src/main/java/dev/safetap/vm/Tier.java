package dev.safetap.vm;

import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;

/**
 * One way of running the actions of a verified program on events: the {@link Interpreter}, the
 * {@link CheckedInterpreter} that re-checks every property of the contract, later a JIT. Every tier
 * acts on a {@link ProgramState} of its own (maps, output, runtime counters), so two tiers given the
 * same events end in comparable states; the session, fuzz and the tests drive a tier only through
 * this interface. A tier is not thread-safe: one thread fires it.
 */
public interface Tier {
    /** The maps, output and counters the actions act on. */
    ProgramState state();

    /** The program this tier runs. */
    default Program program() {
        return state().program();
    }

    /**
     * Runs the action of probe {@code probe} (an index into the program's probes) on this event. A record
     * shorter than the probe's layout is not run on: it is dropped and counted.
     */
    void fire(int probe, EventContext ctx);

    /** Runs every BEGIN probe, in program order, on a context describing the tracer's own thread. */
    default void begin() {
        fireAll(ProbeKind.BEGIN);
    }

    /** Runs every END probe, then prints every map as bpftrace does at exit ({@link ProgramState#printExitMaps}). */
    default void end() {
        fireAll(ProbeKind.END);
        state().printExitMaps();
    }

    /** True once an action has called exit(). */
    default boolean exitRequested() {
        return state().exitRequested();
    }

    private void fireAll(ProbeKind kind) {
        EventContext self = EventContext.ofTracer();
        for (int p = 0; p < program().probes().size(); p++) {
            if (program().probes().get(p).kind() == kind) {
                fire(p, self);
            }
        }
    }
}
