package dev.safetap.session;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.CommTable;
import dev.safetap.kernel.Sample;
import dev.safetap.kernel.SampleField;
import dev.safetap.kernel.TraceSession;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.Tier;
import java.util.Arrays;
import java.util.Map;

/**
 * What a sample goes through before a tier runs on it, on the merging thread and on the workers alike: whether the
 * script sees it at all (only the {@code -p} process; safetap's own threads left out), the event context filled
 * from it, and the probes it runs (one, or those sharing a software kind, {@link AttachPlan.Takers}). One instance
 * serves every thread: the only state it changes is the count of samples each sharing probe has seen on each CPU,
 * and the samples of one request on one CPU are delivered by one thread (its ring's).
 */
final class SampleDelivery {
    /** safetap's own process: its threads' events (polling the rings, the JIT compiler's) are not the script's business. */
    static final int SELF = (int) ProcessHandle.current().pid();

    private final int pid;
    private final boolean[] leavesOutSelf;
    /** Per stream: the probes its samples run, each on every {@code everyNth}-th sample of a CPU; null: the stream's own. */
    private final int[][] takers;
    private final long[][] everyNth;
    /** Per stream with takers: samples seen per taker and CPU ({@code taker * cpuSlots + cpu}). */
    private final long[][] seen;
    private final int cpuSlots;
    private final MachineSymbols symbols;

    /**
     * @param takers  the probes of the requests whose samples run more than their own probe, by stream
     * @param cpus    the CPUs traced, by number
     * @param symbols what walks user stacks with call frame information, where samples copy the user state
     */
    SampleDelivery(Program program, TraceSettings settings, Map<Integer, AttachPlan.Takers> takers, int[] cpus,
            MachineSymbols symbols) {
        this.pid = settings.pid();
        this.symbols = symbols;
        int probes = program.probes().size();
        this.leavesOutSelf = new boolean[probes];
        for (int i = 0; i < probes; i++) {
            ProbeDecl probe = program.probes().get(i);
            leavesOutSelf[i] = !settings.includeSelf() && (probe.kind() == ProbeKind.TRACEPOINT
                    && TraceSession.systemCall(probe.attach().tracepointName()) || probe.kind() == ProbeKind.PROFILE
                    || probe.kind() == ProbeKind.SOFTWARE || probe.kind() == ProbeKind.HARDWARE
                    || probe.kind() == ProbeKind.UPROBE || probe.kind() == ProbeKind.URETPROBE);
        }
        this.cpuSlots = Arrays.stream(cpus).max().orElse(0) + 1;
        this.takers = new int[probes][];
        this.everyNth = new long[probes][];
        this.seen = new long[probes][];
        takers.forEach((stream, t) -> {
            this.takers[stream] = t.probes().clone();
            this.everyNth[stream] = t.everyNth().clone();
            this.seen[stream] = new long[t.probes().length * cpuSlots];
        });
    }

    /** Makes {@code ctx}, the context one thread fills for every sample it delivers, ready to walk user stacks. */
    void prepare(EventContext ctx) {
        ctx.walker = new DwarfStackWalker(symbols);
    }

    /**
     * Whether the script sees {@code sample}: it is of the {@code -p} process, if one was given, and not of safetap's own
     * process where the probe samples what tasks do (system calls, CPU time, page faults; unless --include-self). Other
     * tracepoints keep events in safetap's threads: an interrupt, a softirq or a wakeup lands in whatever task runs,
     * safetap's included, and is no doing of it (a disk completion that interrupted the tracer is still a completion).
     */
    boolean wanted(Sample sample) {
        return !(pid > 0 && sample.pid() != pid || sample.pid() == SELF && leavesOutSelf[sample.stream()]);
    }

    /**
     * Runs {@code sample} on {@code tier} if the script sees it: fills {@code ctx} and fires every probe that takes it,
     * in program order, until one calls exit().
     */
    void run(Sample sample, EventContext ctx, CommTable.Reader comms, Tier tier) {
        if (!wanted(sample)) {
            return;
        }
        fill(ctx, sample, comms);
        int stream = sample.stream();
        int[] probes = takers[stream];
        if (probes == null) {
            tier.fire(stream, ctx);
            return;
        }
        for (int t = 0; t < probes.length && !tier.exitRequested(); t++) {
            if (++seen[stream][t * cpuSlots + sample.cpu()] % everyNth[stream][t] == 0) {
                tier.fire(probes[t], ctx);
            }
        }
    }

    /**
     * Fills {@code ctx} from {@code sample}: its record, call chain and user state in place, task, CPU, time, and the thread's name then (the idle
     * task, tid 0, is {@code swapper/N} on CPU N).
     */
    static void fill(EventContext ctx, Sample sample, CommTable.Reader comms) {
        ctx.record = sample.buffer();
        if (sample.has(SampleField.RAW)) {
            ctx.offset = sample.rawOffset();
            ctx.length = sample.rawLength();
        } else {
            // a uprobe's record is its sampled registers (UprobeRegisters); other samples without RAW read none
            ctx.offset = sample.userRegsOffset();
            ctx.length = 8 * sample.userRegsCount();
        }
        ctx.pid = sample.pid();
        ctx.tid = sample.tid();
        ctx.cpu = sample.cpu();
        ctx.timeNanos = sample.timeNanos();
        ctx.commLength = comms.comm(sample.tid(), sample.cpu(), sample.timeNanos(), ctx.comm);
        ctx.callchainOffset = sample.callchainOffset();
        ctx.callchainLength = sample.callchainLength();
        ctx.userState = sample.userRegsMask() != 0 && sample.has(SampleField.STACK_USER);
        ctx.userRegsMask = sample.userRegsMask();
        ctx.userRegsOffset = sample.userRegsOffset();
        ctx.userRegsCount = sample.userRegsCount();
        ctx.userStackOffset = sample.userStackOffset();
        ctx.userStackSize = (int) Math.min(sample.userStackSize(), sample.userStackDynSize());
        ctx.newEvent();
    }
}
