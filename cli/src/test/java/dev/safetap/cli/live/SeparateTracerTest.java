package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** safetap as separate processes: two instances at once, a flood with a tiny ring, and kill -9. */
class SeparateTracerTest {
    private static final String READY = "BEGIN { printf(\"ready\\n\"); } ";

    @Test
    void twoInstancesOfTheSameScriptBothCountExactly() throws Exception {
        String script = READY + "tracepoint:syscalls:sys_enter_read /comm == \"stwl_two\"/ { @calls = count(); }"
                + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_two\"/ { @bytes = sum(args.count); }";
        TracerProcess a = TracerProcess.start(List.of(), "-e", script);
        TracerProcess b = TracerProcess.start(List.of(), "-e", script);
        try {
            a.awaitLine("ready");
            b.awaitLine("ready");
            Result workload = LiveTracer.run(List.of(LiveTracer.workload().toString(), "read", "stwl_two", "5000", "64"));
            assertEquals(0, workload.code(), workload.err());
            for (TracerProcess t : List.of(a, b)) {
                Result r = t.stop().assertOk();
                assertEquals(5000, r.value("@calls"));
                assertEquals(5000L * 64, r.value("@bytes"));
            }
        } finally {
            a.process.destroyForcibly();
            b.process.destroyForcibly();
        }
    }

    /** As bpftrace, the tracer stops by itself (END runs, the maps are printed) once the process exits. */
    @Test
    void dashPTracesEveryThreadOfThatProcessAndNothingElseUntilItExits() throws Exception {
        int reads = 3000;
        Process workload = new ProcessBuilder(LiveTracer.workload().toString(), "threads", "stwl_p", "" + reads).start();
        TracerProcess t = TracerProcess.start(List.of(), "-p", "" + workload.pid(), "-e",
                READY + "tracepoint:syscalls:sys_enter_read { @[comm] = count(); } END { printf(\"end\\n\"); }");
        try {
            t.awaitLine("ready");
            workload.getOutputStream().write('\n');
            workload.getOutputStream().close();
            assertTrue(workload.waitFor(60, TimeUnit.SECONDS), "the workload finished");
            assertEquals(0, workload.exitValue());
            Result r = t.finish().assertOk();
            assertTrue(r.out().contains("end\n"), r.out());
            assertEquals(Map.of("@[stwl_p]", (long) reads, "@[stwl_p_t]", (long) reads), r.values(),
                    "both threads of the process, and no other process: " + r.out());
        } finally {
            t.process.destroyForcibly();
            workload.destroyForcibly();
        }
    }

    /**
     * -p opens the system call events on the threads of that process alone (and the threads they start), so a
     * neighbour reading as fast as it can never reaches the rings: a ring of 16 pages (about 600 samples, which the
     * neighbour fills in half a millisecond) holds the 200 reads of the traced process, and --strict sees nothing
     * lost. Traced system-wide (tried: --no-kernel-filter with /pid == N/), the neighbour overflows it at once.
     */
    @Test
    void dashPSamplesOnlyItsOwnThreadsWhileABusyNeighbourFloodsTheSameTracepoint() throws Exception {
        int reads = 100;
        Process neighbour = new ProcessBuilder(LiveTracer.workload().toString(), "read", "stwl_busy", "400000000", "1").start();
        Process workload = new ProcessBuilder(LiveTracer.workload().toString(), "threads", "stwl_pn", "" + reads).start();
        TracerProcess t = TracerProcess.start(List.of(), "--strict", "--ring-pages", "16", "-p", "" + workload.pid(), "-e",
                READY + "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }"
                        + " tracepoint:syscalls:sys_enter_read /args.count == 1/ { @ones = count(); }");
        try {
            t.awaitLine("ready");
            workload.getOutputStream().write('\n');
            workload.getOutputStream().close();
            assertTrue(workload.waitFor(60, TimeUnit.SECONDS), "the workload finished");
            assertEquals(0, workload.exitValue());
            assertTrue(neighbour.isAlive(), "the neighbour kept reading all along");
            Result r = t.finish().assertOk();
            assertEquals(Map.of("@[stwl_pn]", (long) reads, "@[stwl_pn_t]", (long) reads, "@ones", 2L * reads),
                    r.values(), "both threads, the one started after attaching included; no neighbour; nothing lost: "
                            + r.out() + r.err());
            assertFalse(r.err().contains("warning"), r.err());
        } finally {
            t.process.destroyForcibly();
            workload.destroyForcibly();
            neighbour.destroyForcibly();
        }
    }

    /**
     * The -c command's own events: with /pid == cpid/ its system calls are counted by the kernel and sampled from
     * events opened on it alone, so a neighbour reading as fast as it can neither reaches the 16-page ring nor
     * makes --strict see a loss.
     */
    @Test
    void dashCSamplesOnlyTheCommandWhileABusyNeighbourFloodsTheSameTracepoint() throws Exception {
        int reads = 300;
        Process neighbour = new ProcessBuilder(LiveTracer.workload().toString(), "read", "stwl_busy", "400000000", "1").start();
        try {
            Result r = LiveTracer.trace("--strict", "--ring-pages", "16",
                    "-c", LiveTracer.workloadCommand("read", "stwl_cn", "" + reads, "3"), "-e",
                    "tracepoint:syscalls:sys_enter_read /pid == cpid && args.count == 3/ { @counted = count(); }"
                            + " tracepoint:syscalls:sys_enter_read /pid == cpid/ { @bytes = hist(args.count); }").assertOk();
            assertTrue(neighbour.isAlive(), "the neighbour kept reading all along");
            assertEquals(reads, r.value("@counted"));
            assertTrue(Pattern.compile("(?m)^\\[2, 4\\)\\s+" + reads + " \\|").matcher(r.out()).find(), r.out());
            assertFalse(r.err().contains("warning"), r.err());
        } finally {
            neighbour.destroyForcibly();
        }
    }

    /**
     * Every event accounted for: what the tiny ring could not hold is reported, per probe and CPU, and the samples
     * delivered plus those reported lost are exactly the reads made, at the end and next to each interval report.
     */
    @Test
    void aFloodIntoATinyRingIsReportedAsLostExactlyAndMemoryStaysBounded() throws Exception {
        // @sampled only aggregates: by default a worker runs it; --workers 0 puts it on the merging thread.
        flood("--workers", "2");
        flood("--workers", "0");
    }

    private static void flood(String... workers) throws Exception {
        int reads = 2_000_000;
        // One page per ring (about 40 records) cannot hold what a tight read loop writes between two polls.
        // The heap is capped: a tracer that buffered what it could not process would die of OutOfMemoryError.
        Result r = LiveTracer.run(javaCommand(List.of("-Xmx48m"), workers[0], workers[1], "--ring-pages", "1",
                "-c", LiveTracer.workloadCommand("read", "stwl_flood", "" + reads, "1"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_flood\"/ { @served_by_counting = count(); }"
                        + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_flood\"/ { @sampled = sum(args.count); }"
                        + " interval:ms:100 { print(@sampled); }"))
                .assertOk();
        Matcher total = Pattern.compile("(?m)^warning: (\\d+) events lost \\(tracepoint:syscalls:sys_enter_read: cpu").matcher(r.err());
        assertTrue(total.find(), "lost events must be reported:\n" + r.err());
        long lost = Long.parseLong(total.group(1));
        assertEquals(reads, r.value("@served_by_counting"), "counting needs no ring and loses nothing");
        long sampled = r.value("@sampled");
        assertTrue(sampled < reads, "the ring was too small to hold them all: " + sampled);
        assertEquals(reads, sampled + lost, "every read is either delivered or reported lost: sampled " + sampled
                + ", lost " + lost + "\n" + r.err());
        Matcher intervals = Pattern.compile("(?m)^warning: (\\d+) events lost since the last report").matcher(r.err());
        long reported = 0;
        while (intervals.find()) {
            reported += Long.parseLong(intervals.group(1));
        }
        assertTrue(reported > 0 && reported <= lost, "losses are reported while tracing, next to the reports: " + r.err());
        assertFalse(r.err().contains("not delivered"), r.err());
    }

    /** {@code --strict}: the first missed event is an error, exit code 4, without END and without the maps. */
    @Test
    void strictStopsAtTheFirstLostEvent() throws Exception {
        Result r = LiveTracer.run(javaCommand(List.of(), "--strict", "--ring-pages", "1",
                "-c", LiveTracer.workloadCommand("read", "stwl_strict", "2000000", "1"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_strict\"/ { @sampled = sum(args.count); }"
                        + " END { printf(\"end\\n\"); }"));
        assertEquals(4, r.code(), r.err());
        assertTrue(r.err().matches("(?s).*error: \\d+ events lost \\(tracepoint:syscalls:sys_enter_read: cpu\\d+ \\d+.*"
                + "--strict stops at the first missed event.*"), r.err());
        assertFalse(r.out().contains("end") || r.out().contains("@sampled"), r.out());
    }

    /** {@code --strict} costs nothing when nothing is missed. */
    @Test
    void strictIsSilentWhenEveryEventIsDelivered() throws Exception {
        Result r = LiveTracer.run(javaCommand(List.of(), "--strict",
                "-c", LiveTracer.workloadCommand("read", "stwl_strict_ok", "20000", "3"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_strict_ok\"/ { @sampled = sum(args.count); }"))
                .assertOk();
        assertEquals(60000, r.value("@sampled"));
        assertFalse(r.err().contains("warning"), r.err());
    }

    /**
     * SIGKILL leaves no perf event, file or tracefs state, and the command receives SIGTERM, as bpftrace's child
     * does on its parent's death (PR_SET_PDEATHSIG); the workload reports it, and survives it, on the stdout it
     * shares with the tracer.
     */
    @Test
    void killMinusNineLeavesNothingBehindAndSendsTheCommandSigterm() throws Exception {
        Path tmp = Files.createTempDirectory("safetap-kill-");
        Map<String, String> tracefsBefore = tracefsState();
        TracerProcess t = TracerProcess.start(List.of("-Djava.io.tmpdir=" + tmp),
                "-c", LiveTracer.workloadCommand("term", "stwl_kill"),
                "-e", READY + "tracepoint:syscalls:sys_enter_read /comm == \"stwl_kill\"/ { @bytes = sum(args.count); }"
                        + " tracepoint:syscalls:sys_enter_* /comm == \"stwl_kill\"/ { @[probe] = count(); }");
        long workload = -1;
        try {
            t.awaitLine("ready");
            workload = Long.parseLong(t.awaitLineStarting("running ").substring("running ".length()));
            assertEquals(List.of(workload), children(t.process.pid(), LiveTracer.WORKLOAD_NAME),
                    "the workload is the tracer's child: cpid is the command itself");
            assertTrue(perfFds(t.process.pid()) > 0, "the tracer holds perf events while it runs");
            assertEquals(0, perfFds(workload), "the traced command must not inherit perf events");
            t.killHard();
            assertTrue(t.process.waitFor(30, TimeUnit.SECONDS), "the tracer did not die of SIGKILL");
            t.awaitLine("got SIGTERM");
            assertFalse(Files.exists(Path.of("/proc/" + t.process.pid())), "the tracer's /proc entry remains");
            assertEquals(0, perfFds(workload), "no perf event survives in the traced command");
            assertTrue(TracerProcess.awaitNoShellFor(workload), "the shell that watched the command for the tracer exits");
            try (Stream<Path> left = Files.list(tmp)) {
                assertEquals(List.of(), left.toList(), "the tracer's temporary files remain");
            }
            assertEquals(tracefsBefore, tracefsState(), "tracefs changed");
        } finally {
            t.process.destroyForcibly();
            ProcessHandle.of(workload).ifPresent(ProcessHandle::destroyForcibly);
            Files.deleteIfExists(tmp);
        }
    }

    /** The tracefs files where a tracer could leave state: dynamic events, enabled events, instances. */
    private static Map<String, String> tracefsState() throws IOException {
        Map<String, String> state = new TreeMap<>();
        Path root = Path.of("/sys/kernel/tracing");
        for (String name : List.of("set_event", "dynamic_events", "uprobe_events", "kprobe_events", "tracing_on")) {
            Path p = root.resolve(name);
            if (Files.isReadable(p)) {
                state.put(name, Files.readString(p));
            }
        }
        try (Stream<Path> instances = Files.list(root.resolve("instances"))) {
            state.put("instances", instances.map(Path::toString).sorted().toList().toString());
        }
        return state;
    }

    /** The children of {@code pid} whose executable is named {@code name}. */
    static List<Long> children(long pid, String name) {
        return ProcessHandle.of(pid).orElseThrow().children()
                .filter(p -> p.info().command().map(c -> c.endsWith("/" + name)).orElse(false))
                .map(ProcessHandle::pid).toList();
    }

    private static int perfFds(long pid) throws IOException {
        Path fds = Path.of("/proc/" + pid + "/fd");
        if (!Files.exists(fds)) {
            return 0;
        }
        int n = 0;
        try (Stream<Path> list = Files.list(fds)) {
            for (Path fd : list.toList()) {
                try {
                    if (Files.readSymbolicLink(fd).toString().contains("perf_event")) {
                        n++;
                    }
                } catch (IOException closedMeanwhile) {
                    // the fd was closed between listing and reading: it holds nothing
                }
            }
        }
        return n;
    }
}
