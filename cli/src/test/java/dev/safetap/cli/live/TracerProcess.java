package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A tracer in its own JVM (or a command that starts one), its stdout read line by line. */
final class TracerProcess {
    final Process process;
    private final List<String> lines = new ArrayList<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Thread reader;

    private TracerProcess(Process process) {
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

    static TracerProcess start(List<String> jvmOptions, String... args) throws IOException {
        return of(new ProcessBuilder(javaCommand(jvmOptions, args)));
    }

    static TracerProcess of(ProcessBuilder builder) throws IOException {
        return new TracerProcess(builder.start());
    }

    void awaitLine(String line) throws InterruptedException {
        awaitLineStarting(line, true);
    }

    /** Waits for a line that starts with {@code prefix} and returns it. */
    String awaitLineStarting(String prefix) throws InterruptedException {
        return awaitLineStarting(prefix, false);
    }

    private String awaitLineStarting(String prefix, boolean whole) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        synchronized (lines) {
            while (true) {
                for (String l : lines) {
                    if (whole ? l.equals(prefix) : l.startsWith(prefix)) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && !reader.isAlive()) {
                    fail("no line '" + prefix + "' from the tracer; stdout " + lines + "; stderr " + stderr());
                }
                lines.wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /**
     * Waits (up to 30 s) until no {@code /bin/sh} has {@code pid} as its last argument, as the shells that hold and
     * watch a {@code -c} command do; false if one remains.
     */
    static boolean awaitNoShellFor(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (shellsFor(pid) > 0) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private static long shellsFor(long pid) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().map(c -> c.endsWith("/sh") || c.endsWith("/dash")).orElse(false))
                .filter(p -> p.info().arguments().map(a -> a.length > 0 && a[a.length - 1].equals(Long.toString(pid)))
                        .orElse(false))
                .count();
    }

    /** Waits (up to 60 s) until stderr contains {@code text}. */
    void awaitStderr(String text) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!stderr().contains(text)) {
            if (System.nanoTime() > deadline || !process.isAlive()) {
                fail("no '" + text + "' on the tracer's stderr: " + stderr());
            }
            Thread.sleep(5);
        }
    }

    String stderr() {
        synchronized (err) {
            return err.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends SIGKILL with kill(1): {@link Process#destroyForcibly} would also close the pipes this class reads, and
     * with them what the command, which shares the tracer's stdout, still prints.
     */
    void killHard() throws IOException, InterruptedException {
        if (new ProcessBuilder("kill", "-KILL", Long.toString(process.pid())).start().waitFor() != 0) {
            fail("kill -KILL " + process.pid() + " failed");
        }
    }

    /** Sends SIGTERM (the tracer then prints its maps and exits) and collects the run. */
    Result stop() throws InterruptedException {
        process.toHandle().destroy();
        return finish();
    }

    /** Waits for the tracer to exit by itself and collects the run. */
    Result finish() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("the tracer did not stop; stdout " + lines + "; stderr " + stderr());
        }
        reader.join();
        String out;
        synchronized (lines) {
            out = String.join("\n", lines) + "\n";
        }
        return new Result(process.exitValue(), out, stderr());
    }
}
