package dev.safetap.session;

import dev.safetap.bytecode.Program;
import dev.safetap.kernel.EventSink;
import dev.safetap.kernel.HeldCommand;
import dev.safetap.kernel.KernelException;
import dev.safetap.kernel.Sample;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.JsonWriter;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import sun.misc.Signal;

/**
 * One tracing run on the live kernel: check every layout, attach every probe of the {@link AttachPlan},
 * run BEGIN, release the held command, feed time-ordered records and interval ticks to the tier from one
 * loop, and stop on exit(), Ctrl-C, SIGTERM or the command's exit; then END, the maps, and what was lost.
 */
public final class TraceRun implements EventSink {
    /** Longest wait for a released command to execute before its hold FIFO is removed anyway. */
    private static final long EXEC_WAIT_NANOS = 2_000_000_000L;

    private final VerifiedProgram verified;
    private final TraceSettings settings;
    private final PrintStream out;
    private final PrintStream err;
    private final EventContext ctx = new EventContext();
    private final EventContext tick = EventContext.ofTracer();
    private volatile boolean stopRequested;
    private boolean started;
    private Tier tier;
    private TraceSession session;
    private CountOnlyProbes counting;
    private long reportedLost;

    public TraceRun(VerifiedProgram verified, TraceSettings settings, PrintStream out, PrintStream err) {
        this.verified = verified;
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    /**
     * Traces until told to stop. Whatever the kernel bridge reports is turned into an {@link AttachException}: of
     * stage ATTACH until every probe is enabled, RUNTIME after.
     */
    public void run(KernelProbeCatalog catalog) {
        try {
            trace(catalog);
        } catch (KernelException e) {
            throw started ? AttachException.whileTracing(e) : AttachException.attach(e);
        }
    }

    private void trace(KernelProbeCatalog catalog) {
        Program program = verified.program();
        LayoutCheck.check(program, catalog.tracepointCatalog());
        MemoryBudget.check(verified, settings.ringPages(), settings.memoryBudget());
        HeldCommand command = null;
        boolean released = false;
        try {
            if (!settings.command().isEmpty()) {
                command = HeldCommand.start(settings.command());
            }
            int cpid = command == null ? 0 : command.pid();
            AttachPlan plan = new AttachPlan(verified, settings, cpid);
            SessionOptions options = new SessionOptions(settings.ringPages(), -1, settings.kernelFilters());
            if (!plan.countable().isEmpty()) {
                counting = CountOnlyProbes.open(catalog.tracepointCatalog(), plan.countable(), options);
            }
            Set<Integer> counted = new HashSet<>();
            if (counting != null) {
                counting.served().forEach(c -> counted.add(c.probe()));
            }
            session = TraceSession.open(catalog.tracepointCatalog(), plan.sampled(counted), options);
            long start = System.nanoTime();
            tier = TierKind.INTERP.create(verified, new VmOptions(out, err, start, cpid, settings.format()));
            installSignalHandlers();
            if (!settings.quiet()) {
                int n = program.probes().size();
                out.print(json() ? JsonWriter.attachedProbes(n) : "Attaching " + n + (n == 1 ? " probe...\n" : " probes...\n"));
                out.flush();
            }
            if (counting != null) {
                counting.enable();
            }
            session.enable();
            started = true;
            tier.begin();
            if (command != null) {
                String held = cmdline(cpid);
                command.release();
                released = true;
                awaitExec(command, cpid, held);
            }
            loop(program, plan.intervals(), start, command);
            if (!tier.exitRequested()) {
                session.finish(this);
            }
            if (counting != null) {
                counting.disable();
                counting.foldInto(tier.state());
            }
            reportLostEvents();
            tier.end();
            out.flush();
            tier.state().reportProblems();
            if (session.lost() > 0) {
                err.println("warning: " + session.lost() + " events lost (" + lostPerCpu() + "): the ring buffer was full;"
                        + " raise --ring-pages (now " + settings.ringPages() + ")");
            }
        } finally {
            if (counting != null) {
                counting.close();
            }
            if (session != null) {
                session.close();
            }
            if (command != null) {
                if (released) {
                    command.close();
                } else {
                    command.kill();
                }
            }
        }
    }

    /**
     * Waits until the released command has read its go-ahead and executed (its command line changes), so
     * that the hold FIFO can be removed at once: a tracer killed with SIGKILL later leaves no file behind.
     */
    private static void awaitExec(HeldCommand command, int pid, String held) {
        long deadline = System.nanoTime() + EXEC_WAIT_NANOS;
        while (command.isAlive() && held.equals(cmdline(pid)) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(100_000);
        }
        command.close();
    }

    private static String cmdline(int pid) {
        try {
            return Files.readString(Path.of("/proc/" + pid + "/cmdline"), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }

    private void loop(Program program, List<Integer> intervals, long start, HeldCommand command) {
        long[] next = new long[intervals.size()];
        for (int i = 0; i < next.length; i++) {
            next[i] = start + program.probes().get(intervals.get(i)).period();
        }
        while (!stopRequested && !tier.exitRequested()) {
            long now = System.nanoTime();
            long wait = 100;
            for (int i = 0; i < next.length; i++) {
                if (now >= next[i]) {
                    fireTick(intervals.get(i), now);
                    next[i] += program.probes().get(intervals.get(i)).period();
                    if (next[i] <= now) {
                        next[i] = now + program.probes().get(intervals.get(i)).period();
                    }
                }
                wait = Math.min(wait, Math.max(0, (next[i] - now) / 1_000_000));
            }
            if (stopRequested || tier.exitRequested()) {
                break;
            }
            session.poll(this, wait);
            reportLostEvents();
            out.flush();
            if (command != null && !command.isAlive()) {
                break;
            }
        }
    }

    /**
     * With {@code -f json}, prints the records lost since the last report as bpftrace does, in the stream of
     * output: {@code {"type": "lost_events", "data": {"events": N}}}. The total is also reported on stderr at exit.
     */
    private void reportLostEvents() {
        long lost = session.lost();
        if (json() && lost > reportedLost) {
            out.print(JsonWriter.lostEvents(lost - reportedLost));
            reportedLost = lost;
        }
    }

    private boolean json() {
        return settings.format() == OutputFormat.JSON;
    }

    /** "cpu0 12, cpu1 0": where events were lost. */
    private String lostPerCpu() {
        int[] cpus = session.cpus();
        long[] lost = session.lostPerCpu();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cpus.length; i++) {
            sb.append(i == 0 ? "" : ", ").append("cpu").append(cpus[i]).append(' ').append(lost[i]);
        }
        return sb.toString();
    }

    private void fireTick(int probe, long now) {
        if (counting != null) {
            counting.foldInto(tier.state());
        }
        tick.timeNanos = now;
        tier.fire(probe, tick);
    }

    @Override
    public void onSample(Sample sample) {
        if (tier.exitRequested() || settings.pid() > 0 && sample.pid() != settings.pid()) {
            return;
        }
        ctx.record = sample.buffer();
        ctx.offset = sample.rawOffset();
        ctx.length = sample.rawLength();
        ctx.pid = sample.pid();
        ctx.tid = sample.tid();
        ctx.cpu = sample.cpu();
        ctx.timeNanos = sample.timeNanos();
        ctx.commLength = session.comms().comm(sample.tid(), ctx.comm);
        tier.fire(sample.stream(), ctx);
    }

    private void installSignalHandlers() {
        Signal.handle(new Signal("INT"), s -> stopRequested = true);
        Signal.handle(new Signal("TERM"), s -> stopRequested = true);
    }
}
