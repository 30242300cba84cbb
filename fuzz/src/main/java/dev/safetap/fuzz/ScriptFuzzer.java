package dev.safetap.fuzz;

import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SourcePosition;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.CheckedInterpreter;
import dev.safetap.vm.RuntimeCounters;
import dev.safetap.vm.SafetyViolation;
import dev.safetap.vm.VmOptions;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The engine of {@code safetap fuzz}: runs a verified script in the checked interpreter on BEGIN,
 * {@code eventsPerProbe} generated events for every tracepoint and interval probe (from each
 * tracepoint's format in the catalog), and END, then reports coverage, instruction counts against
 * the proven bounds, map fill and runtime errors.
 */
public final class ScriptFuzzer {
    private ScriptFuzzer() {
    }

    public static FuzzReport fuzz(String scriptName, VerifiedProgram verified, TracepointCatalog catalog, int eventsPerProbe, long seed) {
        Program program = verified.program();
        List<GeneratedEvent> events = EventSequence.generate(program, catalog, new SplittableRandom(seed), eventsPerProbe);
        long[] output = new long[1];
        PrintStream sink = new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                output[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                output[0] += len;
            }
        });
        CheckedInterpreter vm = new CheckedInterpreter(verified, new VmOptions(sink, sink, 0, 0));
        long[] fired = new long[program.probes().size()];
        String violation = null;
        try {
            EventReplay.run(vm, events, e -> fired[e.probe()]++);
        } catch (SafetyViolation v) {
            violation = v.getMessage();
        }
        RuntimeCounters counters = vm.state().counters();
        List<FuzzReport.ProbeResult> probes = new ArrayList<>();
        for (int p = 0; p < program.probes().size(); p++) {
            ProbeDecl probe = program.probes().get(p);
            int a = probe.action();
            long count = switch (probe.kind()) {
                case BEGIN, END -> 1;
                default -> fired[p];
            };
            probes.add(new FuzzReport.ProbeResult(probe.name(), a, count, counters.malformedRecords().get(p), vm.coveredInstructions(a),
                    vm.instructionCount(a), vm.maxInstructions(a), verified.worstCaseInstructions(a)));
        }
        List<FuzzReport.MapFill> maps = new ArrayList<>();
        List<FuzzReport.RuntimeError> errors = new ArrayList<>();
        String file = program.debug().sourceName().isEmpty() ? scriptName : program.debug().sourceName();
        for (int m = 0; m < program.maps().size(); m++) {
            MapDecl decl = program.maps().get(m);
            long dropped = counters.droppedUpdates().get(m);
            maps.add(new FuzzReport.MapFill(decl.name(), vm.state().entries(m).size(), decl.capacity(), dropped));
            if (dropped > 0) {
                errors.add(new FuzzReport.RuntimeError("map " + decl.name() + " was full (" + decl.capacity() + " entries): " + dropped
                        + (dropped == 1 ? " update" : " updates") + " dropped", file, "", 0));
            }
        }
        for (RuntimeCounters.ZeroDivision z : counters.divisionsByZero()) {
            String what = z.opcode() == Opcode.DIV ? "division" : "modulo";
            errors.add(error(program.debug(), file, z.action(), z.pc(),
                    what + " by zero " + z.count() + (z.count() == 1 ? " time" : " times") + " (the result was taken as 0)"));
        }
        return new FuzzReport(scriptName, seed, eventsPerProbe, probes, maps, errors, violation, output[0], vm.exitRequested());
    }

    private static FuzzReport.RuntimeError error(DebugInfo debug, String file, int action, int pc, String message) {
        SourcePosition pos = debug.positionOf(action, pc);
        if (pos == null) {
            return new FuzzReport.RuntimeError(message, file + " (action " + action + ", pc " + pc + ")", "", 0);
        }
        return new FuzzReport.RuntimeError(message, file + ":" + pos.line() + ":" + pos.column(), debug.sourceLine(pos.line()), pos.column());
    }
}
