package dev.safetap.session;

import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.UprobeRegisters;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.EventSource;
import dev.safetap.kernel.SampleContent;
import dev.safetap.kernel.SampleField;
import dev.safetap.symbols.UserStack;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a run asks of the kernel, read off the verified program only: which probes the event loop fires
 * itself (intervals), which tracepoints the kernel may count instead of sampling, and the sampling request
 * of every other tracepoint with the filter its predicate allows, of every profile (a cpu-clock event per CPU)
 * and of every software and hardware event. A probe kind this safetap cannot attach is refused here, before
 * anything is opened.
 *
 * <p><b>Which tasks.</b> A profile samples the CPUs, whatever runs (as bpftrace's, with {@code -p} and {@code -c}
 * too; {@code -p} then keeps the samples of its process). A software or hardware event counts what tasks do: it is
 * opened on the {@code -c} command's task alone when its action acts only there ({@code pid == cpid}), and, with
 * {@code -p}, on each thread of the process; {@code cpu-clock} is the CPU's timer, and stays on every CPU.
 *
 * <p><b>One kernel event per software kind.</b> The kernel writes the samples of two events of one software kind
 * that an occurrence makes overflow with the first one's id, so they could not be told apart
 * ({@code TraceSession}). The probes of one such kind (a page fault, a context switch) therefore share one
 * request: its period is the greatest common divisor of theirs, and each probe of period P takes every
 * (P / gcd)-th sample of a CPU (the {@link Takers}), which is the sample the kernel would have written for it; the
 * request is scoped to the command only when all of them are, and runs in any order only when all of them may.
 */
final class AttachPlan {
    private final VerifiedProgram verified;
    private final TraceSettings settings;
    /** The file offset each uprobe attaches at, by probe. */
    private final Map<Integer, Long> uprobeOffsets = new HashMap<>();
    private final int cpid;
    private final List<Integer> intervals = new ArrayList<>();
    private final List<CountOnlyProbes.CountedProbe> countable;
    /** Per sampled request's stream (its first probe): the probes its samples run, when there are several. */
    private final Map<Integer, Takers> takers = new LinkedHashMap<>();

    /**
     * The probes the samples of one request run, in program order, each on every {@code everyNth[i]}-th sample of a
     * CPU (1: every sample).
     */
    record Takers(int[] probes, long[] everyNth) {
    }

    AttachPlan(VerifiedProgram verified, TraceSettings settings, int cpid) {
        this(verified, settings, cpid, null);
    }

    /** A plan whose uprobes find their functions' file offsets in {@code binaries} (null: a plan without uprobes). */
    AttachPlan(VerifiedProgram verified, TraceSettings settings, int cpid, KernelProbeCatalog binaries) {
        this.verified = verified;
        this.settings = settings;
        this.cpid = cpid;
        Program program = verified.program();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            switch (probe.kind()) {
                case BEGIN, END, TRACEPOINT, PROFILE, SOFTWARE, HARDWARE -> {
                }
                case UPROBE, URETPROBE -> uprobeOffsets.put(i, uprobeOffset(probe, binaries));
                case INTERVAL -> intervals.add(i);
                default -> throw AttachException.attach("cannot attach " + probe.name() + ": " + probe.kind().name().toLowerCase()
                        + " probes are not supported by this version of safetap; it attaches tracepoint, uprobe, uretprobe,"
                        + " interval, profile, software, hardware, BEGIN and END probes");
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
            if (!program.probes().get(i).kind().isSynthetic() && verified.eventOrder().anyOrder(i) && !counted.contains(i)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where probe {@code probe}'s uprobe goes in its binary: the function's file offset, looked up again now (the
     * binary may have changed since the script was compiled).
     */
    private static long uprobeOffset(ProbeDecl probe, KernelProbeCatalog binaries) {
        String path = probe.attach().target();
        String function = probe.attach().function();
        if (binaries == null) {
            throw AttachException.attach("cannot attach " + probe.name() + ": no binaries were given to find " + function + " in");
        }
        long offset = binaries.uprobeOffset(path, function).orElseThrow(() -> AttachException.attach("cannot attach "
                + probe.name() + ": " + path + " has no function " + function + " now (it was rebuilt or replaced since the"
                + " script was compiled); recompile the script on this machine"));
        return offset + probe.attach().offset();
    }

    /**
     * What the samples of probe {@code i} carry: its record (tracepoints), the call chain when it takes a stack, and
     * the user registers and stack when it takes a user stack walked with DWARF ({@link CallGraph}).
     */
    private SampleContent samples(int i) {
        boolean stacks = takesStacks(i);
        SampleContent content;
        ProbeKind kind = verified.program().probes().get(i).kind();
        if (kind == ProbeKind.TRACEPOINT) {
            content = stacks ? SampleContent.of(SampleField.RAW, SampleField.CALLCHAIN) : SampleContent.RAW;
        } else if (kind == ProbeKind.UPROBE || kind == ProbeKind.URETPROBE) {
            SampleContent registers = (stacks ? SampleContent.of(SampleField.CALLCHAIN) : SampleContent.of())
                    .withUserRegisters(UprobeRegisters.MASK);
            return walksDwarf(i) ? registers.withUserStack(settings.callGraph().userStackBytes()) : registers;
        } else {
            content = stacks ? SampleContent.of(SampleField.CALLCHAIN) : SampleContent.of();
        }
        return walksDwarf(i) ? withUserState(content) : content;
    }

    /** Whether probe {@code i} takes a user stack that is walked from its samples' user registers and stack. */
    private boolean walksDwarf(int i) {
        return verified.report().probes().get(i).takesUserStack()
                && settings.callGraph().dwarf(verified.program().probes().get(i).kind());
    }

    /** {@code content} and the user registers and stack the DWARF walk needs. */
    private SampleContent withUserState(SampleContent content) {
        return content.withUserRegisters(UserStack.GENERAL_MASK).withUserStack(settings.callGraph().userStackBytes());
    }

    /** Whether probe {@code i}'s action takes a stack of the event, as the verifier reports it. */
    private boolean takesStacks(int i) {
        return verified.report().probes().get(i).takesCallChain();
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
     * there; neither when filters are off. One per profile and hardware probe, and one per software kind (see the
     * class comment); software and hardware probes are scoped to the command as tracepoints are. With {@code sharded},
     * the probes that may run in any order are taken in any order (by the workers).
     */
    List<TraceRequest> sampled(Set<Integer> counted, boolean sharded) {
        Program program = verified.program();
        List<TraceRequest> requests = new ArrayList<>();
        Map<String, List<Integer>> byKind = new LinkedHashMap<>();
        takers.clear();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            boolean anyOrder = sharded && verified.eventOrder().anyOrder(i);
            switch (probe.kind()) {
                case TRACEPOINT -> {
                    if (!counted.contains(i)) {
                        PushdownAnalysis.Pushdown pushdown = pushdown(i);
                        EventSource source = new EventSource.Tracepoint(probe.attach().target(), probe.attach().function());
                        SampleContent samples = samples(i);
                        // A system call's kernel frames come only through the record copy, which is system-wide: the
                        // command's events are then picked out by the filter in the bytecode rather than by the kernel.
                        boolean copiedForStacks = settings.recordCopy() && samples != SampleContent.RAW
                                && TraceSession.systemCall(probe.attach().tracepointName());
                        requests.add(new TraceRequest(source, samples, i, pushdown.filter(),
                                pushdown.commandScoped() && !copiedForStacks ? cpid : -1, anyOrder));
                    }
                }
                case UPROBE, URETPROBE -> requests.add(new TraceRequest(new EventSource.Uprobe(probe.attach().target(),
                        uprobeOffsets.get(i), probe.kind() == ProbeKind.URETPROBE), samples(i), i, null,
                        pushdown(i).commandScoped() ? cpid : -1, anyOrder));
                case PROFILE -> requests.add(new TraceRequest(new EventSource.Software("cpu-clock", probe.period()),
                        samples(i), i, null, -1, anyOrder));
                case HARDWARE -> requests.add(new TraceRequest(new EventSource.Hardware(probe.attach().target(),
                        probe.period()), samples(i), i, null, pushdown(i).commandScoped() ? cpid : -1, anyOrder));
                case SOFTWARE -> {
                    if (CounterEvent.of(ProbeKind.SOFTWARE, probe.attach().target()).orElseThrow().clock()) {
                        EventSource source = new EventSource.Software(probe.attach().target(), probe.period());
                        requests.add(new TraceRequest(source, samples(i), i, null,
                                source.inTask() && pushdown(i).commandScoped() ? cpid : -1, anyOrder));
                    } else {
                        byKind.computeIfAbsent(probe.attach().target(), k -> new ArrayList<>()).add(i);
                    }
                }
                default -> {
                }
            }
        }
        for (Map.Entry<String, List<Integer>> kind : byKind.entrySet()) {
            requests.add(shared(kind.getKey(), kind.getValue(), sharded));
        }
        requests.sort(Comparator.comparingInt(TraceRequest::stream));
        return requests;
    }

    /** The request the software probes {@code probes} of event {@code event} share, and their takers. */
    private TraceRequest shared(String event, List<Integer> probes, boolean sharded) {
        Program program = verified.program();
        long gcd = 0;
        boolean scoped = true;
        boolean anyOrder = sharded;
        boolean stacks = false;
        boolean dwarf = false;
        for (int i : probes) {
            stacks |= takesStacks(i);
            dwarf |= walksDwarf(i);
            gcd = gcd(gcd, program.probes().get(i).period());
            scoped &= pushdown(i).commandScoped();
            anyOrder &= verified.eventOrder().anyOrder(i);
        }
        long[] everyNth = new long[probes.size()];
        for (int k = 0; k < everyNth.length; k++) {
            everyNth[k] = program.probes().get(probes.get(k)).period() / gcd;
        }
        int stream = probes.get(0);
        if (probes.size() > 1 || everyNth[0] != 1) {
            takers.put(stream, new Takers(probes.stream().mapToInt(Integer::intValue).toArray(), everyNth));
        }
        SampleContent content = stacks ? SampleContent.of(SampleField.CALLCHAIN) : SampleContent.of();
        return new TraceRequest(new EventSource.Software(event, gcd), dwarf ? withUserState(content) : content, stream,
                null, scoped ? cpid : -1, anyOrder);
    }

    private PushdownAnalysis.Pushdown pushdown(int probe) {
        return settings.kernelFilters() ? PushdownAnalysis.of(verified, probe, cpid) : PushdownAnalysis.Pushdown.NONE;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The probes each sampled request's samples run, by its stream, where that is more than its own probe. */
    Map<Integer, Takers> takers() {
        return takers;
    }

    /** What the accounting calls a sampled request: its probe, or the probes that share it. */
    String name(TraceRequest request) {
        Program program = verified.program();
        Takers shared = takers.get(request.stream());
        if (shared == null) {
            return program.probes().get(request.stream()).name();
        }
        List<String> names = new ArrayList<>();
        for (int probe : shared.probes()) {
            names.add(program.probes().get(probe).name());
        }
        return String.join(", ", names);
    }
}
