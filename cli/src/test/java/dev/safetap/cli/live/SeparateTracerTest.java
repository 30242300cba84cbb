package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        Tracer a = Tracer.start(List.of(), "-e", script);
        Tracer b = Tracer.start(List.of(), "-e", script);
        try {
            a.awaitLine("ready");
            b.awaitLine("ready");
            Result workload = LiveTracer.run(List.of(LiveTracer.workload().toString(), "read", "stwl_two", "5000", "64"));
            assertEquals(0, workload.code(), workload.err());
            for (Tracer t : List.of(a, b)) {
                Result r = t.stop().assertOk();
                assertEquals(5000, r.value("@calls"));
                assertEquals(5000L * 64, r.value("@bytes"));
            }
        } finally {
            a.process.destroyForcibly();
            b.process.destroyForcibly();
        }
    }

    @Test
    void dashPTracesEveryThreadOfThatProcessAndNothingElse() throws Exception {
        int reads = 3000;
        Process workload = new ProcessBuilder(LiveTracer.workload().toString(), "threads", "stwl_p", "" + reads).start();
        Tracer t = Tracer.start(List.of(), "-p", "" + workload.pid(), "-e",
                READY + "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }");
        try {
            t.awaitLine("ready");
            workload.getOutputStream().write('\n');
            workload.getOutputStream().close();
            assertTrue(workload.waitFor(60, TimeUnit.SECONDS), "the workload finished");
            assertEquals(0, workload.exitValue());
            Result r = t.stop().assertOk();
            assertEquals(Map.of("@[stwl_p]", (long) reads, "@[stwl_p_t]", (long) reads), r.values(),
                    "both threads of the process, and no other process: " + r.out());
        } finally {
            t.process.destroyForcibly();
            workload.destroyForcibly();
        }
    }

    @Test
    void aFloodIntoATinyRingIsReportedAsLostAndMemoryStaysBounded() throws Exception {
        int reads = 2_000_000;
        // One page per ring (about 40 records) cannot hold what a tight read loop writes between two polls.
        // The heap is capped: a tracer that buffered what it could not process would die of OutOfMemoryError.
        Result r = LiveTracer.run(javaCommand(List.of("-Xmx48m"), "--ring-pages", "1",
                "-c", LiveTracer.workloadCommand("read", "stwl_flood", "" + reads, "1"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_flood\"/ { @served_by_counting = count(); }"
                        + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_flood\"/ { @sampled = sum(args.count); }"))
                .assertOk();
        Matcher lost = Pattern.compile("warning: (\\d+) events lost").matcher(r.err());
        assertTrue(lost.find(), "lost events must be reported:\n" + r.err());
        long lostCount = Long.parseLong(lost.group(1));
        assertEquals(reads, r.value("@served_by_counting"), "counting needs no ring and loses nothing");
        long sampled = r.value("@sampled");
        assertTrue(sampled < reads && sampled + lostCount >= reads,
                "every sample is either counted or reported lost: sampled " + sampled + ", lost " + lostCount);
    }

    @Test
    void killMinusNineLeavesNothingBehind() throws Exception {
        Path tmp = Files.createTempDirectory("safetap-kill-");
        Map<String, String> tracefsBefore = tracefsState();
        Tracer t = Tracer.start(List.of("-Djava.io.tmpdir=" + tmp),
                "-c", LiveTracer.workloadCommand("forever", "stwl_kill", "64"),
                "-e", READY + "tracepoint:syscalls:sys_enter_read /comm == \"stwl_kill\"/ { @bytes = sum(args.count); }"
                        + " tracepoint:syscalls:sys_enter_* /comm == \"stwl_kill\"/ { @[probe] = count(); }");
        long workload = -1;
        try {
            t.awaitLine("ready");
            t.awaitLine("running");
            workload = ProcessHandle.of(t.process.pid()).orElseThrow().descendants()
                    .filter(p -> p.info().command().map(c -> c.endsWith("/" + LiveTracer.WORKLOAD_NAME)).orElse(false))
                    .findFirst().orElseThrow(() -> new AssertionError("the workload is not a descendant of the tracer"))
                    .pid();
            assertTrue(perfFds(t.process.pid()) > 0, "the tracer holds perf events while it runs");
            assertEquals(0, perfFds(workload), "the traced command must not inherit perf events");
            t.process.destroyForcibly();
            assertTrue(t.process.waitFor(30, TimeUnit.SECONDS), "the tracer did not die of SIGKILL");
            assertFalse(Files.exists(Path.of("/proc/" + t.process.pid())), "the tracer's /proc entry remains");
            assertEquals(0, perfFds(workload), "no perf event survives in the traced command");
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

    /** A tracer in its own JVM, its stdout read line by line. */
    private static final class Tracer {
        final Process process;
        final List<String> lines = new ArrayList<>();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final Thread reader;

        private Tracer(Process process) {
            this.process = process;
            LiveTracer.pump(process.getErrorStream(), err);
            reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(line);
                            lines.notifyAll();
                        }
                    }
                } catch (IOException e) {
                    synchronized (lines) {
                        lines.add("[stdout closed: " + e.getMessage() + "]");
                        lines.notifyAll();
                    }
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        static Tracer start(List<String> jvmOptions, String... args) throws IOException {
            return new Tracer(new ProcessBuilder(javaCommand(jvmOptions, args)).start());
        }

        void awaitLine(String line) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            synchronized (lines) {
                while (!lines.contains(line)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || !process.isAlive() && lines.isEmpty()) {
                        fail("no line '" + line + "' from the tracer; stdout " + lines + "; stderr " + err);
                    }
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
            }
        }

        /** Sends SIGTERM (the tracer then prints its maps and exits) and collects the run. */
        Result stop() throws InterruptedException {
            process.toHandle().destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail("the tracer did not stop on SIGTERM");
            }
            reader.join();
            String out;
            synchronized (lines) {
                out = String.join("\n", lines) + "\n";
            }
            synchronized (err) {
                return new Result(process.exitValue(), out, err.toString(StandardCharsets.UTF_8));
            }
        }
    }
}
