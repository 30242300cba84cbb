package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * How a run starts and ends: the held {@code -c} command counted exactly, the command ended as bpftrace 0.17 ends
 * its child, {@code -p} ending with its process, signals (while attaching, inherited as ignored, SIGSTOP), and a
 * closed or full standard output. Which signals the command receives is counted by a second tracer, on
 * {@code signal:signal_generate}: a signal sent counts even when the process dies before handling it.
 */
class CommandAndSignalTest {
    private static final String READY = "BEGIN { printf(\"ready\\n\"); } ";
    private static final int SIGKILL = 9;
    private static final int SIGTERM = 15;
    private static final int SIGCONT = 18;

    /**
     * The held shell makes no system call between its release and the command's execve, so a script on the
     * command's pid sees exactly the system calls of resources/live/exact.c, sampled (pid is filtered in the VM)
     * or counted by the kernel (tid == cpid is pushed into its filter).
     */
    @Test
    void aScriptOnCpidCountsExactlyTheCommandsSystemCalls() throws Exception {
        Map<String, Long> expected = Map.of(
                "@[tracepoint:syscalls:sys_enter_execve]", 1L,
                "@[tracepoint:syscalls:sys_exit_execve]", 1L,
                "@[tracepoint:syscalls:sys_enter_getppid]", 5L,
                "@[tracepoint:syscalls:sys_exit_getppid]", 5L,
                "@[tracepoint:syscalls:sys_enter_getuid]", 3L,
                "@[tracepoint:syscalls:sys_exit_getuid]", 3L,
                "@[tracepoint:syscalls:sys_enter_exit_group]", 1L);
        String command = LiveTracer.exactCommand().toString();
        for (String predicate : List.of("pid == cpid", "tid == cpid")) {
            Result r = trace("-c", command, "-e", "tracepoint:syscalls:sys_enter_* /" + predicate + "/ { @[probe] = count(); }"
                    + " tracepoint:syscalls:sys_exit_* /" + predicate + "/ { @[probe] = count(); }").assertOk();
            assertEquals(expected, r.values(), predicate + ":\n" + r.out());
        }
    }

    /** bpftrace sends SIGTERM at exit(), then SIGKILL once END has run if the command still lives. */
    @Test
    void exitSendsTheCommandSigtermThenSigkillAfterEnd() throws Exception {
        String comm = "stwl_exit";
        Map<Integer, Long> signals = signalsTo(comm, () -> {
            Result r = LiveTracer.run(javaCommand(List.of(), "-c", workloadCommand("term", comm), "-e",
                    "tracepoint:syscalls:sys_enter_getppid /comm == \"" + comm + "\"/ { exit(); }"
                            + " END { printf(\"end\\n\"); }")).assertOk();
            assertTrue(r.out().contains("end\n"), r.out());
            assertCommandGone(r.out());
        });
        assertEquals(Map.of(SIGTERM, 1L, SIGKILL, 1L), signals);
    }

    /** bpftrace sends its child nothing but SIGKILL after END when it is stopped by SIGINT or SIGTERM. */
    @Test
    void sigintOrSigtermOfTheTracerKillsTheCommandAfterEnd() throws Exception {
        for (String signal : List.of("INT", "TERM")) {
            String comm = "stwl_sig" + signal.toLowerCase();
            Map<Integer, Long> signals = signalsTo(comm, () -> {
                TracerProcess t = TracerProcess.start(List.of(), "-c", workloadCommand("term", comm), "-e",
                        READY + "END { printf(\"end\\n\"); }");
                try {
                    t.awaitLine("ready");
                    t.awaitLineStarting("running ");
                    kill(signal, t.process.pid());
                    Result r = t.finish().assertOk();
                    assertTrue(r.out().contains("end\n"), r.out());
                    assertCommandGone(r.out());
                } finally {
                    t.process.destroyForcibly();
                }
            });
            assertEquals(Map.of(SIGKILL, 1L), signals, "SIG" + signal);
        }
    }

    /** bpftrace's child receives SIGTERM when bpftrace dies (PR_SET_PDEATHSIG); a held command also SIGCONT. */
    @Test
    void aTracerKilledWithSigkillSendsTheCommandSigterm() throws Exception {
        String comm = "stwl_orphan";
        long[] workload = {-1};
        Map<Integer, Long> signals;
        try {
            signals = signalsTo(comm, () -> {
                TracerProcess t = TracerProcess.start(List.of(), "-c", workloadCommand("term", comm), "-e", READY);
                try {
                    t.awaitLine("ready");
                    workload[0] = pidOf(t.awaitLineStarting("running "));
                    t.killHard();
                    assertTrue(t.process.waitFor(30, TimeUnit.SECONDS));
                    t.awaitLine("got SIGTERM");
                    assertTrue(TracerProcess.awaitNoShellFor(workload[0]), "the watcher exits");
                } finally {
                    t.process.destroyForcibly();
                }
            });
        } finally {
            ProcessHandle.of(workload[0]).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertEquals(Map.of(SIGTERM, 1L, SIGCONT, 1L), signals);
    }

    /**
     * A signal while the probes are being attached (the command held, stopped, in its shell): the command never
     * runs, and no process, file or perf event remains.
     */
    @Test
    void aSignalWhileAttachingLeavesNothingAndTheCommandNeverRuns() throws Exception {
        String script = "tracepoint:syscalls:sys_enter_* { @[probe] = count(); } tracepoint:syscalls:sys_exit_* { @[probe] = count(); }";
        for (String signal : List.of("KILL", "TERM", "INT")) {
            Path tmp = Files.createTempDirectory("safetap-attach-");
            Path marker = tmp.resolve("ran");
            TracerProcess t = TracerProcess.start(List.of("-Djava.io.tmpdir=" + tmp), "-c", "/usr/bin/touch " + marker,
                    "-e", script);
            try {
                long held = awaitHeldChild(t.process);
                kill(signal, t.process.pid());
                Result r = t.finish();
                assertEquals(signal.equals("KILL") ? 137 : 0, r.code(), "SIG" + signal + ": " + r.err());
                assertTrue(TracerProcess.awaitNoShellFor(held), "SIG" + signal + ": the held shell and its watcher exit");
                assertFalse(Files.exists(marker), "SIG" + signal + ": the held command ran");
                try (Stream<Path> left = Files.list(tmp)) {
                    assertEquals(List.of(), left.toList(), "SIG" + signal + ": files left");
                }
                assertEquals("", r.err(), "SIG" + signal);
            } finally {
                t.process.destroyForcibly();
                Files.deleteIfExists(marker);
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** A tracer started in the background by a shell script inherits SIGINT ignored; kill -INT still stops it. */
    @Test
    void sigintInheritedAsIgnoredStillStopsTheTracer() throws Exception {
        String java = String.join(" ", javaCommand(List.of(), "-e", READY + "END { printf(\"end\\n\"); }").stream()
                .map(CommandAndSignalTest::quote).toList());
        TracerProcess t = TracerProcess.of(new ProcessBuilder("/bin/sh", "-c", java + " & echo $! >&2; wait"));
        try {
            t.awaitLine("ready");
            long pid = Long.parseLong(t.stderr().lines().findFirst().orElseThrow().strip());
            kill("INT", pid);
            Result r = t.finish().assertOk();
            assertTrue(r.out().contains("end\n"), r.out());
        } finally {
            t.process.destroyForcibly();
        }
    }

    /** Ticks missed while the tracer was stopped are reported with their probe, not skipped silently. */
    @Test
    void ticksMissedWhileStoppedAreReported() throws Exception {
        TracerProcess t = TracerProcess.start(List.of(), "-e", READY + "interval:ms:100 { @ticks = count(); }");
        try {
            t.awaitLine("ready");
            kill("STOP", t.process.pid());
            while (!state(t.process.pid()).equals("T")) {
                Thread.sleep(1);
            }
            Thread.sleep(1000);
            kill("CONT", t.process.pid());
            t.awaitStderr("warning: interval:ms:100 missed ");
            Result r = t.stop().assertOk();
            Matcher m = Pattern.compile("warning: interval:ms:100 missed (\\d+) ticks: safetap was stopped or could not"
                    + " keep up, and fires one tick after such a gap, not each one missed\n").matcher(r.err());
            assertTrue(m.find(), r.err());
            assertTrue(Long.parseLong(m.group(1)) >= 9, "a stop of a second misses at least 9 ticks of 100 ms: " + r.err());
        } finally {
            t.process.destroyForcibly();
        }
    }

    /** A closed stdout stops the tracer at once, quietly, with the status of a process killed by SIGPIPE. */
    @Test
    void aClosedStdoutStopsTheTracerAndTheCommand() throws Exception {
        String comm = "stwl_pipe";
        Map<Integer, Long> signals = signalsTo(comm, () -> {
            Process p = new ProcessBuilder(javaCommand(List.of(), "-c", workloadCommand("term", comm), "-e",
                    READY + "interval:ms:10 { printf(\"tick\\n\"); } END { printf(\"end\\n\"); }")).start();
            try {
                StringBuilder err = new StringBuilder();
                Thread errReader = new Thread(() -> {
                    try {
                        err.append(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        err.append(e);
                    }
                });
                errReader.start();
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                long workload = -1;
                boolean ticked = false;
                for (String line; (!ticked || workload < 0) && (line = out.readLine()) != null; ) {
                    workload = line.startsWith("running ") ? pidOf(line) : workload;
                    ticked |= line.equals("tick");
                }
                out.close();
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the tracer did not stop when its stdout was closed");
                errReader.join();
                assertEquals(141, p.exitValue(), err.toString());
                assertEquals("", err.toString().replaceAll("warning: interval:ms:10 missed \\d+ ticks?: .*\n", ""),
                        "nothing but ticks missed by a loaded machine");
                assertTrue(workload > 0);
                assertFalse(ProcessHandle.of(workload).map(ProcessHandle::isAlive).orElse(false), "the command was ended");
            } finally {
                p.destroyForcibly();
            }
        });
        assertEquals(1L, signals.get(SIGTERM), signals.toString());
    }

    @Test
    void aFullStdoutIsAnError() throws Exception {
        Process p = new ProcessBuilder(javaCommand(List.of(), "-e", "interval:ms:10 { printf(\"tick\\n\"); }"))
                .redirectOutput(new File("/dev/full")).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(3, p.exitValue(), err);
        // On a loaded machine a tick may be late; that warning is allowed beside the error, nothing else.
        String expected = "safetap: cannot write to standard output (No space left on device), so tracing stopped: free space"
                + " on its device or redirect the output elsewhere\n";
        assertTrue(err.endsWith(expected), err);
        for (String line : err.substring(0, err.length() - expected.length()).lines().toList()) {
            assertTrue(line.startsWith("warning: interval:ms:10 missed "), err);
        }
    }

    @Test
    void dashPOfNoProcessOrOfAThreadIsRefused() throws Exception {
        Result none = trace("-p", "999999", "-e", "BEGIN { exit(); }");
        assertEquals(3, none.code());
        assertEquals("safetap: no such process 999999: check the pid given with -p\n", none.err());
        long self = ProcessHandle.current().pid();
        long thread;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            thread = tasks.map(p -> Long.parseLong(p.getFileName().toString())).filter(tid -> tid != self)
                    .findFirst().orElseThrow();
        }
        Result ofThread = trace("-p", Long.toString(thread), "-e", "BEGIN { exit(); }");
        assertEquals(3, ofThread.code());
        assertEquals("safetap: " + thread + " is a thread of process " + self + ": give -p the process id, " + self
                + ", to trace all its threads\n", ofThread.err());
    }

    /** Runs {@code run} while a second tracer counts, by signal number, the signals sent to processes named {@code comm}. */
    private static Map<Integer, Long> signalsTo(String comm, ThrowingRunnable run) throws Exception {
        TracerProcess observer = TracerProcess.start(List.of(), "-e", READY
                + "tracepoint:signal:signal_generate /args->comm == \"" + comm + "\"/ { @[args->sig] = count(); }");
        try {
            observer.awaitLine("ready");
            run.run();
            Result r = observer.stop().assertOk();
            Map<Integer, Long> signals = new java.util.TreeMap<>();
            r.values().forEach((k, v) -> signals.put(Integer.parseInt(k.substring(2, k.length() - 1)), v));
            return signals;
        } finally {
            observer.process.destroyForcibly();
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    /** The workload's pid, from its "running PID" line in the output, no longer names a process. */
    private static void assertCommandGone(String out) {
        Optional<String> running = out.lines().filter(l -> l.startsWith("running ")).findFirst();
        assertTrue(running.isPresent(), out);
        long pid = pidOf(running.get());
        assertFalse(Files.exists(Path.of("/proc", Long.toString(pid))), "the command " + pid + " outlived the tracer");
    }

    private static long pidOf(String runningLine) {
        return Long.parseLong(runningLine.substring("running ".length()).strip());
    }

    /** Waits for the tracer's held command: its child /bin/sh, stopped. */
    private static long awaitHeldChild(Process tracer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline && tracer.isAlive()) {
            List<Long> held = new ArrayList<>();
            tracer.toHandle().children().forEach(c -> {
                if (state(c.pid()).equals("T")) {
                    held.add(c.pid());
                }
            });
            if (!held.isEmpty()) {
                return held.get(0);
            }
            Thread.sleep(1);
        }
        return fail("the tracer never held its command");
    }

    /** The state letter of /proc/PID/stat, or "" if there is no such process. */
    private static String state(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
        } catch (IOException e) {
            return "";
        }
    }

    private static void kill(String signal, long pid) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor());
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
