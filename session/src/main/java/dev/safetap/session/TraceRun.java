package dev.safetap.session;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.kernel.CommTable;
import dev.safetap.kernel.EventSink;
import dev.safetap.kernel.HeldCommand;
import dev.safetap.kernel.KernelException;
import dev.safetap.kernel.LibC;
import dev.safetap.kernel.Sample;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.JsonWriter;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.StackTable;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import sun.misc.Signal;

/**
 * One tracing run on the live kernel: check every layout, attach every probe of the {@link AttachPlan},
 * run BEGIN, release the held command, feed time-ordered records and interval ticks to the tier from one
 * loop, and stop on exit(), Ctrl-C, SIGTERM, the exit of the command or of the {@code -p} process; then END,
 * the maps, and what was lost. A closed or failing standard output stops it at once, without END.
 *
 * <p>The {@code -c} command is ended as bpftrace 0.17 ends its child: on exit() it receives SIGTERM at once
 * and SIGKILL once END and the maps are printed if it still runs; on Ctrl-C or SIGTERM of the tracer, SIGKILL
 * then; if the tracer dies, SIGTERM (see {@link HeldCommand}).
 */
public final class TraceRun implements EventSink {
    /** How often the loop checks that the {@code -p} process still runs. */
    private static final long PROCESS_CHECK_NANOS = 100_000_000L;
    /** Missed ticks are reported at once, then at most this often (per run), summed per probe. */
    private static final long MISSED_TICKS_REPORT_NANOS = 1_000_000_000L;
    /** Events are accounted for at every tick, and at least this often. */
    private static final long ACCOUNTING_NANOS = 1_000_000_000L;

    /** Why a run stopped. */
    public enum Ending {
        /** The script called exit(). */
        EXIT,
        /** SIGINT or SIGTERM (before BEGIN, if it came while attaching). */
        SIGNAL,
        /** The {@code -c} command exited. */
        COMMAND_EXITED,
        /** The {@code -p} process exited. */
        PROCESS_EXITED,
        /** The reader of standard output went away: nothing more was printed. */
        OUTPUT_CLOSED,
        /** With {@code --strict}, an event was lost or not delivered: END did not run, the maps were not printed. */
        EVENTS_MISSED
    }

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
    private ShardWorkers workers;
    private CommTable.Reader comms;
    private EventAccounting accounting;
    private long nextAccounting;
    private int ringPages;
    private List<EventAccounting.Shortfall> strictShortfall;
    private long[] missedTicks;
    private long nextMissedTicksReport;
    private SampleDelivery delivery;

    public TraceRun(VerifiedProgram verified, TraceSettings settings, PrintStream out, PrintStream err) {
        this.verified = verified;
        this.settings = settings;
        this.out = out;
        this.err = err;
    }

    /**
     * Traces until told to stop, and says why it stopped. Whatever the kernel bridge reports is turned into an
     * {@link AttachException}: of stage ATTACH until every probe is enabled, RUNTIME after.
     */
    public Ending run(KernelProbeCatalog catalog) {
        try {
            return trace(catalog);
        } catch (KernelException e) {
            throw started ? AttachException.whileTracing(e) : AttachException.attach(e);
        }
    }

    /** Refuses a kaddr("name") the kernel lists no symbol for, before anything is attached. */
    private static void checkKernelAddresses(Program program, MachineSymbols symbols) {
        for (var action : program.actions()) {
            byte[] code = action.code();
            for (int pc = 0; pc < code.length; ) {
                Instruction insn = Instruction.decode(code, pc);
                if (insn.opcode() == Opcode.KADDR) {
                    String name = program.strings().get(insn.intOperand(1));
                    if (symbols.kernelAddress(name) == 0) {
                        throw AttachException.attach("kaddr(\"" + Diagnostic.printable(name) + "\"): the kernel lists no symbol "
                                + Diagnostic.printable(name) + " in /proc/kallsyms (or hides its addresses: kernel.kptr_restrict)");
                    }
                }
                pc += insn.length();
            }
        }
    }

    /** Whether some probe takes a user stack or symbol, whose names need the mappings processes make while tracing. */
    private static boolean namesUserAddresses(VerifiedProgram verified) {
        return verified.report().probes().stream().flatMap(p -> p.stacks().stream()).anyMatch(s -> s.startsWith("u"));
    }

    private Ending trace(KernelProbeCatalog catalog) {
        Program program = verified.program();
        LayoutCheck.check(program, catalog.tracepointCatalog());
        int workerCount = AttachPlan.mayShard(verified, settings)
                ? MemoryBudget.workersFitting(verified, settings.memoryBudget(), settings.workersFor(TraceSession.onlineCpuCount())) : 0;
        ringPages = settings.ringPages() > 0 ? settings.ringPages()
                : MemoryBudget.defaultRingPages(verified, settings.memoryBudget(), workerCount);
        MemoryBudget.check(verified, ringPages, settings.memoryBudget(), workerCount);
        MachineSymbols symbols = new MachineSymbols(err);
        checkKernelAddresses(program, symbols);
        installSignalHandlers();
        TracedProcess target = settings.pid() > 0 ? TracedProcess.of(settings.pid()) : null;
        HeldCommand command = null;
        try {
            if (!settings.command().isEmpty()) {
                command = HeldCommand.start(settings.command());
            }
            int cpid = command == null ? 0 : command.pid();
            AttachPlan plan = new AttachPlan(verified, settings, cpid, catalog);
            SessionOptions options = new SessionOptions(ringPages, settings.pid(), settings.kernelFilters(), settings.recordCopy(),
                    namesUserAddresses(verified));
            if (!plan.countable().isEmpty()) {
                counting = CountOnlyProbes.open(catalog.tracepointCatalog(), plan.countable(), options);
            }
            Set<Integer> counted = new HashSet<>();
            if (counting != null) {
                counting.served().forEach(c -> counted.add(c.probe()));
            }
            List<TraceRequest> sampled = plan.sampled(counted, workerCount > 0);
            session = TraceSession.open(catalog.tracepointCatalog(), sampled, options);
            symbols.track(session.mappings());
            delivery = new SampleDelivery(program, settings, plan.takers(), session.cpus(), symbols);
            delivery.prepare(ctx);
            comms = session.comms().reader();
            for (String note : session.notes()) {
                err.println("warning: " + note);
            }
            accounting = new EventAccounting(sampled.stream().map(plan::name).toList());
            if (stopRequested) {
                return Ending.SIGNAL;
            }
            long start = System.nanoTime();
            VmOptions vmOptions = new VmOptions(out, err, start, cpid, settings.format(),
                    new StackTable(symbols));
            tier = TierKind.INTERP.create(verified, vmOptions);
            if (session.shardCount() > 0) {
                workers = new ShardWorkers(verified, session, workerCount, vmOptions, delivery);
            }
            if (!settings.quiet()) {
                int n = program.probes().size();
                PrintStream to = settings.format() == OutputFormat.FOLDED ? err : out;
                to.print(json() ? JsonWriter.attachedProbes(n) : "Attaching " + n + (n == 1 ? " probe...\n" : " probes...\n"));
                to.flush();
            }
            if (counting != null) {
                counting.enable();
            }
            session.enable();
            started = true;
            if (workers != null) {
                workers.start();
            }
            tier.begin();
            if (command != null && !tier.exitRequested() && !stopRequested) {
                command.release();
            }
            Ending ending = loop(program, plan.intervals(), start, command, target);
            reportMissedTicks(program, plan.intervals());
            if (command != null && (ending == Ending.EXIT || ending == Ending.OUTPUT_CLOSED)) {
                command.terminate();
            }
            if (ending == Ending.OUTPUT_CLOSED) {
                return outputFailed();
            }
            if (ending == Ending.EVENTS_MISSED) {
                return eventsMissed(strictShortfall, command);
            }
            if (!tier.exitRequested()) {
                session.finish(this);
            } else if (workers != null) {
                session.disable();
            }
            if (workers != null) {
                workers.finish(!tier.exitRequested());
                workers.absorbInto(tier.state());
            }
            if (counting != null) {
                counting.disable();
                counting.foldInto(tier.state());
            }
            List<EventAccounting.Shortfall> last = accounting.check(session.deliveryCounts(), true);
            if (json()) {
                printLostEvents(last);
            }
            if (settings.strict() && !last.isEmpty()) {
                return eventsMissed(last, command);
            }
            tier.end();
            out.flush();
            if (out.checkError()) {
                return outputFailed();
            }
            if (settings.flameGraph() != null) {
                FlameGraphFile.write(tier.state(), settings.flameGraph(), "safetap " + String.join(" ",
                        program.probes().stream().map(ProbeDecl::name).distinct().limit(4).toList()));
            }
            tier.state().reportProblems();
            reportTotalShortfall();
            return ending;
        } finally {
            if (workers != null) {
                workers.stop();
            }
            if (counting != null) {
                counting.close();
            }
            if (session != null) {
                session.close();
            }
            if (command != null) {
                command.close();
            }
        }
    }

    /** A write to standard output failed: quietly, if its reader went away (as bpftrace dies of SIGPIPE); else an error. */
    private Ending outputFailed() {
        TracerOutput stdout = out instanceof TracerOutput t ? t : null;
        if (stdout != null && stdout.readerGone()) {
            return Ending.OUTPUT_CLOSED;
        }
        throw OutputException.failed(stdout == null ? null : stdout.failure());
    }

    private Ending loop(Program program, List<Integer> intervals, long start, HeldCommand command, TracedProcess target) {
        long[] next = new long[intervals.size()];
        missedTicks = new long[intervals.size()];
        for (int i = 0; i < next.length; i++) {
            next[i] = start + program.probes().get(intervals.get(i)).period();
        }
        long nextProcessCheck = start;
        while (true) {
            if (stopRequested) {
                return Ending.SIGNAL;
            }
            if (tier.exitRequested()) {
                return Ending.EXIT;
            }
            long now = System.nanoTime();
            long wait = 100;
            for (int i = 0; i < next.length && !tier.exitRequested(); i++) {
                ProbeDecl probe = program.probes().get(intervals.get(i));
                if (now >= next[i]) {
                    fireTick(intervals.get(i), now);
                    nextAccounting = now;
                    next[i] += probe.period();
                    if (next[i] <= now) {
                        long missed = (now - next[i]) / probe.period() + 1;
                        next[i] += missed * probe.period();
                        missedTicks[i] += missed;
                    }
                }
                wait = Math.min(wait, Math.max(0, (next[i] - now) / 1_000_000));
            }
            if (now >= nextMissedTicksReport && reportMissedTicks(program, intervals)) {
                nextMissedTicksReport = now + MISSED_TICKS_REPORT_NANOS;
            }
            if (now >= nextAccounting && !tier.exitRequested() && !account()) {
                return Ending.EVENTS_MISSED;
            }
            if (stopRequested || tier.exitRequested()) {
                continue;
            }
            session.poll(this, wait);
            out.flush();
            if (out.checkError()) {
                return Ending.OUTPUT_CLOSED;
            }
            if (command != null && !command.isAlive()) {
                return Ending.COMMAND_EXITED;
            }
            if (target != null && System.nanoTime() >= nextProcessCheck) {
                nextProcessCheck = System.nanoTime() + PROCESS_CHECK_NANOS;
                if (target.exited()) {
                    return Ending.PROCESS_EXITED;
                }
            }
        }
    }

    /**
     * A tick fires at most once however late it is (firing the missed ones at once would show a burst that never
     * happened), so the ticks a stopped or starved tracer missed are reported, never skipped silently: at once, then
     * summed over at most a second, and what is left when the run stops. Returns whether anything was reported.
     */
    private boolean reportMissedTicks(Program program, List<Integer> intervals) {
        boolean reported = false;
        for (int i = 0; i < missedTicks.length; i++) {
            long missed = missedTicks[i];
            if (missed > 0) {
                err.println("warning: " + program.probes().get(intervals.get(i)).name() + " missed " + missed
                        + (missed == 1 ? " tick" : " ticks") + ": safetap was stopped or could not keep up, and fires one"
                        + " tick after such a gap, not each one missed");
                missedTicks[i] = 0;
                reported = true;
            }
        }
        return reported;
    }

    /**
     * Accounts for the events since the last check (see {@link EventAccounting}) and reports what was lost or not
     * delivered, right where it happened in the output: on stderr as a warning, and with {@code -f json} as a
     * {@code lost_events} object in the stream of output, as bpftrace reports its lost events. False if
     * {@code --strict} makes the shortfall an error, which is then reported.
     */
    private boolean account() {
        nextAccounting = System.nanoTime() + ACCOUNTING_NANOS;
        List<EventAccounting.Shortfall> shortfalls = accounting.check(session.deliveryCounts(), false);
        if (shortfalls.isEmpty()) {
            return true;
        }
        if (settings.strict()) {
            strictShortfall = shortfalls;
            return false;
        }
        out.flush();
        if (json()) {
            printLostEvents(shortfalls);
        }
        long lost = EventAccounting.lost(shortfalls);
        if (lost > 0) {
            err.println("warning: " + lost + " events lost since the last report (" + EventAccounting.where(shortfalls, true)
                    + "): the ring buffer was full, so what is printed from now on misses them; raise --ring-pages (now "
                    + ringPages + ")");
        }
        long undelivered = EventAccounting.undelivered(shortfalls);
        if (undelivered > 0) {
            err.println("warning: " + undelivered + " events the kernel counted were not delivered since the last report ("
                    + EventAccounting.where(shortfalls, false) + "), so what is printed from now on misses them");
        }
        long throttled = EventAccounting.throttled(shortfalls);
        if (throttled > 0) {
            err.println("warning: the kernel throttled sampling " + times(throttled) + " since the last report ("
                    + EventAccounting.whereThrottled(shortfalls) + "), " + throttledWhy() + ", so what is printed from now on"
                    + " misses samples");
        }
        return true;
    }

    /** Why the kernel throttles a sampling event, and what to do; see {@link EventAccounting}. */
    private static String throttledWhy() {
        return "stopping each such event until its next tick because it sampled faster than"
                + " kernel.perf_event_max_sample_rate allows (now " + TraceSession.maxSampleRate() + " a second); sample less often";
    }


    private static String times(long n) {
        return n == 1 ? "once" : n + " times";
    }

    private void printLostEvents(List<EventAccounting.Shortfall> shortfalls) {
        if (!shortfalls.isEmpty()) {
            out.print(JsonWriter.lostEvents(EventAccounting.lost(shortfalls), EventAccounting.undelivered(shortfalls),
                    EventAccounting.throttled(shortfalls), EventAccounting.perProbe(shortfalls)));
        }
    }

    /** The whole run's shortfall, on stderr once the maps are printed. */
    private void reportTotalShortfall() {
        List<EventAccounting.Shortfall> total = accounting.total();
        long lost = EventAccounting.lost(total);
        if (lost > 0) {
            err.println("warning: " + lost + " events lost (" + EventAccounting.where(total, true) + "): the ring buffer"
                    + " was full; raise --ring-pages (now " + ringPages + ")");
        }
        long undelivered = EventAccounting.undelivered(total);
        if (undelivered > 0) {
            err.println("warning: " + undelivered + " events the kernel counted were not delivered ("
                    + EventAccounting.where(total, false) + ")");
        }
        long throttled = EventAccounting.throttled(total);
        if (throttled > 0) {
            err.println("warning: the kernel throttled sampling " + times(throttled) + " (" + EventAccounting.whereThrottled(total)
                    + "), " + throttledWhy());
        }
    }

    /** {@code --strict}: a shortfall ends the run as an error, without END and maps, whose numbers would be short. */
    private Ending eventsMissed(List<EventAccounting.Shortfall> shortfalls, HeldCommand command) {
        if (command != null) {
            command.terminate();
        }
        out.flush();
        long lost = EventAccounting.lost(shortfalls);
        long undelivered = EventAccounting.undelivered(shortfalls);
        long throttled = EventAccounting.throttled(shortfalls);
        List<String> parts = new ArrayList<>();
        if (lost > 0) {
            parts.add(lost + " events lost (" + EventAccounting.where(shortfalls, true) + ")");
        }
        if (undelivered > 0) {
            parts.add(undelivered + " events the kernel counted not delivered (" + EventAccounting.where(shortfalls, false) + ")");
        }
        if (throttled > 0) {
            parts.add("sampling throttled by the kernel " + times(throttled) + " (" + EventAccounting.whereThrottled(shortfalls)
                    + "; kernel.perf_event_max_sample_rate is " + TraceSession.maxSampleRate() + ")");
        }
        String what = String.join(" and ", parts);
        err.println("error: " + what + ": --strict stops at the first missed event, so END did not run and the maps were"
                + " not printed" + (lost > 0 ? "; raise --ring-pages (now " + ringPages + ")" : ""));
        return Ending.EVENTS_MISSED;
    }

    private boolean json() {
        return settings.format() == OutputFormat.JSON;
    }

    private void fireTick(int probe, long now) {
        if (counting != null) {
            counting.foldInto(tier.state());
        }
        if (workers != null) {
            workers.absorbInto(tier.state());
        }
        tick.timeNanos = now;
        tier.fire(probe, tick);
    }

    @Override
    public void onSample(Sample sample) {
        if (!tier.exitRequested()) {
            delivery.run(sample, ctx, comms, tier);
        }
    }

    /**
     * Installed before anything is attached or started, so that a signal while attaching still releases everything.
     * A signal inherited as ignored (safetap started in the background by a shell script) is reset first: the JVM
     * would keep ignoring it, and {@code kill -INT} must stop safetap as it stops bpftrace.
     */
    private void installSignalHandlers() {
        for (String name : List.of("INT", "TERM")) {
            Signal signal = new Signal(name);
            LibC.signal(signal.getNumber(), null);
            Signal.handle(signal, s -> stopRequested = true);
        }
    }
}
