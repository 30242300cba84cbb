package dev.safetap.fuzz;

import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.CheckedInterpreter;
import dev.safetap.vm.MapEntry;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.RuntimeCounters;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one run of a program over an event sequence produced in one tier: BEGIN, every event, END. For the
 * checked tier also the most instructions a firing of each action executed, and the firing that exceeded the
 * verifier's bound, if any.
 */
record Execution(String output, List<Set<MapEntry>> maps, RuntimeCounters counters, long[] maxInstructions, String overBound) {

    static Execution checked(VerifiedProgram verified, List<GeneratedEvent> events) {
        return of(TierKind.CHECKED, verified, events, OutputFormat.TEXT);
    }

    static Execution of(TierKind kind, VerifiedProgram verified, List<GeneratedEvent> events, OutputFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream s = new PrintStream(out, true, StandardCharsets.UTF_8);
        Tier tier = kind.create(verified, new VmOptions(s, s, 500_000_000L, 0, format));
        CheckedInterpreter checked = tier instanceof CheckedInterpreter c ? c : null;
        String[] overBound = new String[1];
        EventReplay.run(tier, events, e -> {
            int action = verified.program().probes().get(e.probe()).action();
            if (checked != null && overBound[0] == null && checked.lastInstructions() > verified.worstCaseInstructions(action)) {
                overBound[0] = "action " + action + " executed " + checked.lastInstructions() + " instructions, bound "
                        + verified.worstCaseInstructions(action) + ", on " + e.toText();
            }
        });
        int actions = verified.program().actions().size();
        long[] max = new long[checked == null ? 0 : actions];
        for (int a = 0; a < max.length; a++) {
            max[a] = checked.maxInstructions(a);
        }
        List<Set<MapEntry>> maps = new ArrayList<>();
        for (int m = 0; m < verified.program().maps().size(); m++) {
            maps.add(new HashSet<>(tier.state().entries(m)));
        }
        return new Execution(out.toString(StandardCharsets.UTF_8), maps, tier.state().counters(), max, overBound[0]);
    }
}
