package dev.safetap.fuzz;

import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.SafetyViolation;
import dev.safetap.vm.TierKind;
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
     * Property 4: every tier prints what the checked interpreter prints, in every output format, and ends with the
     * same maps and counters.
     */
    static String agreement(VerifiedProgram verified, List<GeneratedEvent> events) {
        for (TierKind kind : TierKind.values()) {
            if (kind == TierKind.CHECKED) {
                continue;
            }
            Execution tier = null;
            Execution checked = null;
            for (OutputFormat format : OutputFormat.values()) {
                try {
                    tier = Execution.of(kind, verified, events, format);
                } catch (RuntimeException e) {
                    return kind.label() + " tier threw " + e;
                }
                try {
                    checked = Execution.of(TierKind.CHECKED, verified, events, format);
                } catch (RuntimeException e) {
                    return "checked interpreter threw " + e;
                }
                if (!tier.output().equals(checked.output())) {
                    return format + " outputs differ:\n--- " + kind.label() + "\n" + tier.output() + "\n--- checked\n" + checked.output();
                }
            }
            if (!tier.maps().equals(checked.maps())) {
                return "final map state differs:\n--- " + kind.label() + "\n" + tier.maps() + "\n--- checked\n" + checked.maps();
            }
            if (!tier.counters().equals(checked.counters())) {
                return "runtime counters differ: " + kind.label() + " " + tier.counters() + ", checked " + checked.counters();
            }
        }
        return null;
    }

    /** Every property that applies to an accepted program. */
    static String all(VerifiedProgram verified, List<GeneratedEvent> events) {
        String failure = safety(verified, events);
        return failure != null ? failure : agreement(verified, events);
    }
}
