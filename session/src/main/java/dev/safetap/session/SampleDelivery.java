package dev.safetap.session;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.CommTable;
import dev.safetap.kernel.Sample;
import dev.safetap.kernel.TraceSession;
import dev.safetap.vm.EventContext;

/**
 * What a sample goes through before a tier runs on it, on the merging thread and on the workers alike: whether the
 * script sees it at all (only the {@code -p} process; safetap's own threads left out), and the event context filled
 * from it. Immutable: one instance serves every thread.
 */
final class SampleDelivery {
    /** safetap's own process: its threads' events (polling the rings, the JIT compiler's) are not the script's business. */
    static final int SELF = (int) ProcessHandle.current().pid();

    private final int pid;
    private final boolean[] leavesOutSelf;

    SampleDelivery(Program program, TraceSettings settings) {
        this.pid = settings.pid();
        this.leavesOutSelf = new boolean[program.probes().size()];
        for (int i = 0; i < leavesOutSelf.length; i++) {
            ProbeDecl probe = program.probes().get(i);
            leavesOutSelf[i] = !settings.includeSelf() && probe.kind() == ProbeKind.TRACEPOINT
                    && TraceSession.systemCall(probe.attach().tracepointName());
        }
    }

    /**
     * Whether the script sees {@code sample}: it is of the {@code -p} process, if one was given, and not one of
     * safetap's own system calls (unless --include-self). Other tracepoints keep events in safetap's threads: an
     * interrupt, a softirq or a wakeup lands in whatever task runs, safetap's included, and is no doing of it (a disk
     * completion that interrupted the tracer is still a completion).
     */
    boolean wanted(Sample sample) {
        return !(pid > 0 && sample.pid() != pid || sample.pid() == SELF && leavesOutSelf[sample.stream()]);
    }

    /** Fills {@code ctx} from {@code sample}: its record and call chain in place, task, CPU, time, and the thread's name then. */
    static void fill(EventContext ctx, Sample sample, CommTable.Reader comms) {
        ctx.record = sample.buffer();
        ctx.offset = sample.rawOffset();
        ctx.length = sample.rawLength();
        ctx.pid = sample.pid();
        ctx.tid = sample.tid();
        ctx.cpu = sample.cpu();
        ctx.timeNanos = sample.timeNanos();
        ctx.commLength = comms.comm(sample.tid(), sample.timeNanos(), ctx.comm);
        ctx.callchainOffset = sample.callchainOffset();
        ctx.callchainLength = sample.callchainLength();
    }
}
