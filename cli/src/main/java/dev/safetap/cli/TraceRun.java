package dev.safetap.cli;

import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.EventSink;
import dev.safetap.kernel.HeldCommand;
import dev.safetap.kernel.KernelException;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TraceSession;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.Interpreter;
import dev.safetap.vm.JsonWriter;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.VmOptions;
import dev.safetap.verifier.VerifiedProgram;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import sun.misc.Signal;

/**
 * One tracing run on the live kernel: attach every probe, run BEGIN, release the held command,
 * feed time-ordered records and interval ticks to the interpreter from one loop, and stop on
 * exit(), Ctrl-C, SIGTERM or the command's exit; then END, the maps, and what was lost.
 */
final class TraceRun implements EventSink {
    /** How the run was asked for on the command line. */
    record Settings(boolean quiet, int pid, List<String> command, int ringPages, boolean kernelFilters, OutputFormat format) {
    }

    /** Longest wait for a released command to execute before its hold FIFO is removed anyway. */
    private static final long EXEC_WAIT_NANOS = 2_000_000_000L;

    private final VerifiedProgram verified;
    private final Settings settings;
    private final PrintStream out;
    private final PrintStream err;
    private final EventContext ctx = new EventContext();
    private final EventContext tick = EventContext.ofTracer();
    private volatile boolean stopRequested;
    private Interpreter interpreter;
    private TraceSession session;
    private CountOnly counting;
    private long reportedLost;

    TraceRun(VerifiedProgram verified, Settings settings, PrintStream out, PrintStream err) {
        this.verified = verified;
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    /** Traces until told to stop; returns the exit code. */
    int run(TracepointCatalog catalog) {
        Program program = verified.program();
        List<Integer> intervals = new ArrayList<>();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            if (probe.kind() == ProbeKind.INTERVAL) {
                intervals.add(i);
            } else if (probe.kind() == ProbeKind.TRACEPOINT) {
                checkLayout(catalog, program, probe);
            }
        }
        HeldCommand command = null;
        boolean released = false;
        try {
            if (!settings.command().isEmpty()) {
                command = HeldCommand.start(settings.command());
            }
            int cpid = command == null ? 0 : command.pid();
            // -p selects a process, every thread of it: the events stay system-wide and records of other
            // processes are dropped before the VM (a per-task perf event would follow one thread only), and
            // clauses are sampled rather than counted, since a counting event cannot tell processes apart.
            SessionOptions options = new SessionOptions(settings.ringPages(), -1, settings.kernelFilters());
            List<CountOnly.CountedProbe> countable = settings.pid() > 0 ? List.of()
                    : CountOnly.plan(program, cpid, settings.kernelFilters());
            if (!countable.isEmpty()) {
                counting = CountOnly.open(catalog, countable, options);
            }
            session = TraceSession.open(catalog, sampledRequests(program, cpid), options);
            long start = System.nanoTime();
            interpreter = new Interpreter(verified, new VmOptions(out, err, start, cpid, settings.format()));
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
            interpreter.begin();
            if (command != null) {
                String held = cmdline(cpid);
                command.release();
                released = true;
                awaitExec(command, cpid, held);
            }
            loop(program, intervals, start, command);
            if (!interpreter.exitRequested()) {
                session.finish(this);
            }
            if (counting != null) {
                counting.disable();
                counting.foldInto(interpreter);
            }
            reportLostEvents();
            interpreter.end();
            out.flush();
            interpreter.reportProblems();
            if (session.lost() > 0) {
                err.println("warning: " + session.lost() + " events lost (" + lostPerCpu() + "): the ring buffer was full;"
                        + " raise --ring-pages (now " + settings.ringPages() + ")");
            }
            return ExitCode.OK;
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
     * One request per tracepoint probe that counting does not serve, with the filter read off its verified
     * bytecode, unless filters are off.
     */
    private List<TraceRequest> sampledRequests(Program program, int cpid) {
        Set<Integer> counted = new HashSet<>();
        if (counting != null) {
            counting.served().forEach(c -> counted.add(c.probe()));
        }
        List<TraceRequest> requests = new ArrayList<>();
        for (int i = 0; i < program.probes().size(); i++) {
            ProbeDecl probe = program.probes().get(i);
            if (probe.kind() == ProbeKind.TRACEPOINT && !counted.contains(i)) {
                String filter = settings.kernelFilters() ? PushdownAnalysis.of(program, i, cpid).filter() : null;
                requests.add(new TraceRequest(probe.tracepoint(), i, filter));
            }
        }
        return requests;
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
            next[i] = start + program.probes().get(intervals.get(i)).periodNanos();
        }
        while (!stopRequested && !interpreter.exitRequested()) {
            long now = System.nanoTime();
            long wait = 100;
            for (int i = 0; i < next.length; i++) {
                if (now >= next[i]) {
                    fireTick(intervals.get(i), now);
                    next[i] += program.probes().get(intervals.get(i)).periodNanos();
                    if (next[i] <= now) {
                        next[i] = now + program.probes().get(intervals.get(i)).periodNanos();
                    }
                }
                wait = Math.min(wait, Math.max(0, (next[i] - now) / 1_000_000));
            }
            if (stopRequested || interpreter.exitRequested()) {
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
            counting.foldInto(interpreter);
        }
        tick.timeNanos = now;
        interpreter.fire(probe, tick);
    }

    @Override
    public void onSample(int stream, int cpu, int pid, int tid, long timeNanos, ByteBuffer buf, int offset, int length) {
        if (interpreter.exitRequested() || settings.pid() > 0 && pid != settings.pid()) {
            return;
        }
        ctx.record = buf;
        ctx.offset = offset;
        ctx.length = length;
        ctx.pid = pid;
        ctx.tid = tid;
        ctx.cpu = cpu;
        ctx.timeNanos = timeNanos;
        ctx.commLength = session.comms().comm(tid, ctx.comm);
        interpreter.fire(stream, ctx);
    }

    private void installSignalHandlers() {
        Signal.handle(new Signal("INT"), s -> stopRequested = true);
        Signal.handle(new Signal("TERM"), s -> stopRequested = true);
    }

    private static void checkLayout(TracepointCatalog catalog, Program program, ProbeDecl probe) {
        TracepointFormat live = catalog.format(probe.tracepoint()).orElseThrow(() -> new KernelException(
                "tracepoint " + probe.tracepoint() + " does not exist in the running kernel; recompile the script on this machine"));
        List<String> diffs = LayoutCheck.differences(program.layouts().get(probe.layout()), live);
        if (!diffs.isEmpty()) {
            throw new KernelException("refusing to attach " + probe.name() + ": the kernel's record format differs from the one the program was verified against:\n  "
                    + String.join("\n  ", diffs) + "\nrecompile the script on this machine");
        }
    }
}
