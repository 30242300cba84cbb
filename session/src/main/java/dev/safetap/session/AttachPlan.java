package dev.safetap.session;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.EventSource;
import dev.safetap.kernel.SampleContent;
import dev.safetap.kernel.SampleField;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a run asks of the kernel, read off the verified program only: which probes the event loop fires
 * itself (intervals), which tracepoints the kernel may count instead of sampling, and the sampling request
 * of every other tracepoint with the filter its predicate allows. A probe kind this safetap cannot attach
 * is refused here, before anything is opened.
 */
final class AttachPlan {
    private final VerifiedProgram verified;
    private final TraceSettings settings;
    private final int cpid;
    private final List<Integer> intervals = new ArrayList<>();
    private final List<CountOnlyProbes.CountedProbe> countable;

    AttachPlan(VerifiedProgram verified, TraceSettings settings, int cpid) {
        this.verified = verified;
        this.settings = settings;
        this.cpid = cpid;
        Program program = verified.program();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            switch (probe.kind()) {
                case BEGIN, END, TRACEPOINT -> {
                }
                case INTERVAL -> intervals.add(i);
                default -> throw AttachException.attach("cannot attach " + probe.name() + ": " + probe.kind().name().toLowerCase()
                        + " probes are not supported by this version of safetap; it attaches tracepoint, interval, BEGIN and END probes");
            }
        }
        // -p selects a process, every thread of it: the session opens system call events on each of its threads
        // (others stay system-wide) and records of other processes are dropped before the VM, and clauses are sampled
        // rather than counted, since a counting event would have to be opened and read per thread.
        // System-wide counting events on tracepoints outside the system calls miss firings on some kernels (this
        // machine's: sched_switch counted 2,344 where the record copy delivered 3,834 in the same run), so with the
        // record copy those clauses are sampled and copied, and checked against the copy's own count.
        countable = countable(verified, settings, cpid);
    }

    private static List<CountOnlyProbes.CountedProbe> countable(VerifiedProgram verified, TraceSettings settings, int cpid) {
        List<CountOnlyProbes.CountedProbe> planned = settings.pid() > 0 ? List.of()
                : CountOnlyProbes.plan(verified, cpid, settings.kernelFilters());
        return planned.stream().filter(c -> !settings.recordCopy() || c.process() > 0
                || TraceSession.systemCall(c.tracepoint())).toList();
    }

    /**
     * Whether some probe will likely be sampled and run on the workers: it may run in any order and counting will not
     * serve it. Decided before the {@code -c} command exists, so a probe that counting serves only once its pid is
     * known is taken as sampled: the memory check then reserves the workers' parts for nothing, never too little.
     */
    static boolean mayShard(VerifiedProgram verified, TraceSettings settings) {
        Set<Integer> counted = new HashSet<>();
        for (CountOnlyProbes.CountedProbe c : countable(verified, settings, 0)) {
            counted.add(c.probe());
        }
        Program program = verified.program();
        for (int i = 0; i < program.probes().size(); i++) {
            if (program.probes().get(i).kind() == ProbeKind.TRACEPOINT && verified.eventOrder().anyOrder(i)
                    && !counted.contains(i)) {
                return true;
            }
        }
        return false;
    }

    /** What the samples of a probe carry: its record, and the call chain when its action takes a stack. */
    static SampleContent samples(Program program, ProbeDecl probe) {
        return takesStacks(program.actions().get(probe.action())) ? SampleContent.of(SampleField.RAW, SampleField.CALLCHAIN)
                : SampleContent.RAW;
    }

    /** Whether an action takes a stack or a symbol of the event (STACK, SYM). */
    static boolean takesStacks(Action action) {
        byte[] code = action.code();
        for (int pc = 0; pc < code.length; ) {
            Instruction insn = Instruction.decode(code, pc);
            if (insn.opcode() == Opcode.STACK) {
                return true;
            }
            pc += insn.length();
        }
        return false;
    }

    /** The interval probes, in program order. */
    List<Integer> intervals() {
        return intervals;
    }

    /** The tracepoint probes counting could serve. */
    List<CountOnlyProbes.CountedProbe> countable() {
        return countable;
    }

    /**
     * One sampling request per tracepoint probe that counting does not serve ({@code counted}), with the filter
     * read off its verified bytecode, and opened on the {@code -c} command's process alone when its action acts only
     * there; neither when filters are off. With {@code sharded}, the probes that may run in any order are taken in any
     * order (by the workers).
     */
    List<TraceRequest> sampled(Set<Integer> counted, boolean sharded) {
        Program program = verified.program();
        List<TraceRequest> requests = new ArrayList<>();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            if (probe.kind() == ProbeKind.TRACEPOINT && !counted.contains(i)) {
                PushdownAnalysis.Pushdown pushdown = settings.kernelFilters() ? PushdownAnalysis.of(verified, i, cpid)
                        : PushdownAnalysis.Pushdown.NONE;
                EventSource source = new EventSource.Tracepoint(probe.attach().target(), probe.attach().function());
                SampleContent samples = samples(program, probe);
                // A system call's kernel frames come only through the record copy, which is system-wide: the
                // command's events are then picked out by the filter in the bytecode rather than by the kernel.
                boolean copiedForStacks = settings.recordCopy() && samples != SampleContent.RAW
                        && TraceSession.systemCall(probe.attach().tracepointName());
                requests.add(new TraceRequest(source, samples, i, pushdown.filter(),
                        pushdown.commandScoped() && !copiedForStacks ? cpid : -1, sharded && verified.eventOrder().anyOrder(i)));
            }
        }
        return requests;
    }
}
