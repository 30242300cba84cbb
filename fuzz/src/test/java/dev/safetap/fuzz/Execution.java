package dev.safetap.fuzz;

import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.CheckedInterpreter;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.Interpreter;
import dev.safetap.vm.MapEntry;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.RuntimeCounters;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What one run of a program over an event sequence produced: BEGIN, every event, END. For the
 * checked run also the most instructions a firing of each action executed, and the firing that
 * exceeded the verifier's bound, if any.
 */
record Execution(String output, List<Set<MapEntry>> maps, RuntimeCounters counters, long[] maxInstructions, String overBound) {

    static Execution checked(VerifiedProgram verified, List<GeneratedEvent> events) {
        return checked(verified, events, OutputFormat.TEXT);
    }

    static Execution checked(VerifiedProgram verified, List<GeneratedEvent> events, OutputFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CheckedInterpreter vm = new CheckedInterpreter(verified, options(out, format));
        int actions = verified.program().actions().size();
        String overBound = null;
        vm.begin();
        EventContext ctx = new EventContext();
        for (GeneratedEvent e : events) {
            vm.fire(e.probe(), e.fill(ctx));
            int action = verified.program().probes().get(e.probe()).action();
            if (overBound == null && vm.lastInstructions() > verified.worstCaseInstructions(action)) {
                overBound = "action " + action + " executed " + vm.lastInstructions() + " instructions, bound "
                        + verified.worstCaseInstructions(action) + ", on " + e.toText();
            }
        }
        vm.end();
        long[] max = new long[actions];
        for (int a = 0; a < actions; a++) {
            max[a] = vm.maxInstructions(a);
        }
        List<Set<MapEntry>> maps = new ArrayList<>();
        for (int m = 0; m < verified.program().maps().size(); m++) {
            maps.add(new HashSet<>(vm.entries(m)));
        }
        return new Execution(out.toString(StandardCharsets.UTF_8), maps, vm.counters(), max, overBound);
    }

    static Execution fast(VerifiedProgram verified, List<GeneratedEvent> events) {
        return fast(verified, events, OutputFormat.TEXT);
    }

    static Execution fast(VerifiedProgram verified, List<GeneratedEvent> events, OutputFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Interpreter vm = new Interpreter(verified, options(out, format));
        vm.begin();
        EventContext ctx = new EventContext();
        for (GeneratedEvent e : events) {
            vm.fire(e.probe(), e.fill(ctx));
        }
        vm.end();
        List<Set<MapEntry>> maps = new ArrayList<>();
        for (int m = 0; m < verified.program().maps().size(); m++) {
            maps.add(new HashSet<>(vm.entries(m)));
        }
        return new Execution(out.toString(StandardCharsets.UTF_8), maps, vm.counters(), new long[0], null);
    }

    private static VmOptions options(ByteArrayOutputStream out, OutputFormat format) {
        PrintStream s = new PrintStream(out, true, StandardCharsets.UTF_8);
        return new VmOptions(s, s, 500_000_000L, 0, format);
    }
}
