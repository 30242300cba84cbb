package dev.safetap.fuzz;

import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.SafetyViolation;
import java.util.List;

/** The run-time properties checked on every accepted program: each returns a description of the failure, or null. */
final class Oracle {
    private Oracle() {
    }

    /** Property 1 and 2: the checked interpreter trips no check and no firing exceeds the proven bound. */
    static String safety(VerifiedProgram verified, List<GeneratedEvent> events) {
        try {
            Execution run = Execution.checked(verified, events);
            return run.overBound() == null ? null : "instruction bound exceeded: " + run.overBound();
        } catch (SafetyViolation v) {
            return "safety violation: " + v.getMessage();
        } catch (RuntimeException e) {
            return "checked interpreter threw " + e;
        }
    }

    /**
     * Property 4: the fast and the checked interpreter print the same, in every output format, and end with the
     * same maps and counters.
     */
    static String agreement(VerifiedProgram verified, List<GeneratedEvent> events) {
        Execution fast = null;
        Execution checked = null;
        for (OutputFormat format : OutputFormat.values()) {
            try {
                fast = Execution.fast(verified, events, format);
            } catch (RuntimeException e) {
                return "fast interpreter threw " + e;
            }
            try {
                checked = Execution.checked(verified, events, format);
            } catch (RuntimeException e) {
                return "checked interpreter threw " + e;
            }
            if (!fast.output().equals(checked.output())) {
                return format + " outputs differ:\n--- fast\n" + fast.output() + "\n--- checked\n" + checked.output();
            }
        }
        if (!fast.maps().equals(checked.maps())) {
            return "final map state differs:\n--- fast\n" + fast.maps() + "\n--- checked\n" + checked.maps();
        }
        if (!fast.counters().equals(checked.counters())) {
            return "runtime counters differ: fast " + fast.counters() + ", checked " + checked.counters();
        }
        return null;
    }

    /** Every property that applies to an accepted program. */
    static String all(VerifiedProgram verified, List<GeneratedEvent> events) {
        String failure = safety(verified, events);
        return failure != null ? failure : agreement(verified, events);
    }
}
