package dev.safetap.cli.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs safetap on the live kernel for the tests: in this JVM through {@link Main#run}, or as a separate
 * JVM on this test's class path; and builds the known C workload (resources/live/workload.c) once.
 */
final class LiveTracer {
    /** The workload binary's name, hence its comm until it renames itself. */
    static final String WORKLOAD_NAME = "stwl";
    private static final Pattern HIST_ROW = Pattern.compile("^\\[[^\\]]*[\\])]\\s+(\\d+)\\s+\\|");
    private static Path workload;
    private static Path exact;

    private LiveTracer() {
    }

    /** What a run printed and returned. */
    record Result(int code, String out, String err) {
        /** Every integer map line ({@code @name: 5}, {@code @name[key]: 5}) by its left side, in print order. */
        Map<String, Long> values() {
            Map<String, Long> values = new LinkedHashMap<>();
            for (String line : out.split("\n")) {
                int colon = line.lastIndexOf(": ");
                if (line.startsWith("@") && colon > 0 && line.substring(colon + 2).matches("-?\\d+")) {
                    values.put(line.substring(0, colon), Long.parseLong(line.substring(colon + 2)));
                }
            }
            return values;
        }

        long value(String name) {
            Long v = values().get(name);
            if (v == null) {
                fail("no line " + name + ": in the output:\n" + out + "\nstderr:\n" + err);
            }
            return v;
        }

        /** Sum of the counts of the histogram rows printed under {@code @name:}. */
        long histogramTotal(String name) {
            long total = 0;
            boolean inside = false;
            for (String line : out.split("\n")) {
                if (line.startsWith("@")) {
                    inside = line.strip().equals(name + ":");
                } else if (inside) {
                    Matcher m = HIST_ROW.matcher(line);
                    if (m.find()) {
                        total += Long.parseLong(m.group(1));
                    }
                }
            }
            return total;
        }

        Result assertOk() {
            assertEquals(0, code, () -> "exit code; stdout:\n" + out + "\nstderr:\n" + err);
            return this;
        }
    }

    /** Runs safetap in this JVM (its stdout is captured by replacing System.out for the run). */
    static synchronized Result trace(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream savedOut = System.out;
        PrintStream savedErr = System.err;
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code;
        try {
            System.setOut(o);
            System.setErr(e);
            code = Main.run(args, o, e);
        } finally {
            System.setOut(savedOut);
            System.setErr(savedErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** A command line that starts safetap in a new JVM on this test's class path. */
    static List<String> javaCommand(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs a command to its end; stdin is empty, stdout and stderr are captured. */
    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = pump(p.getErrorStream(), err);
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("command did not finish in 120 s: " + command);
        }
        errReader.join();
        return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
    }

    /** Copies a stream to a buffer on a daemon thread. */
    static Thread pump(InputStream in, ByteArrayOutputStream to) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                for (int n; (n = in.read(buf)) > 0; ) {
                    synchronized (to) {
                        to.write(buf, 0, n);
                    }
                }
            } catch (IOException e) {
                synchronized (to) {
                    to.writeBytes(("\n[stream closed: " + e.getMessage() + "]\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The workload binary, compiled with gcc into target/live-workload on first use. */
    static synchronized Path workload() throws IOException, InterruptedException {
        if (workload == null) {
            workload = compile("workload.c", WORKLOAD_NAME, List.of("-O2", "-Wall", "-pthread"));
        }
        return workload;
    }

    /**
     * The command of resources/live/exact.c, whose system calls after its execve are exactly getppid x5, getuid x3
     * and exit_group: no C library, no dynamic loader.
     */
    static synchronized Path exactCommand() throws IOException, InterruptedException {
        if (exact == null) {
            exact = compile("exact.c", "stwl_exact", List.of("-O2", "-static", "-nostdlib", "-fno-stack-protector",
                    "-fno-asynchronous-unwind-tables"));
        }
        return exact;
    }

    /** Compiles resources/live/SOURCE with gcc and these flags into target/live-workload/BINARY. */
    static Path compile(String source, String binary, List<String> flags) throws IOException, InterruptedException {
        Path dir = Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "live-workload"));
        Path file = dir.resolve(source);
        try (InputStream in = LiveTracer.class.getResourceAsStream("/live/" + source)) {
            Files.copy(in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path out = dir.resolve(binary);
        List<String> command = new ArrayList<>(List.of("gcc"));
        command.addAll(flags);
        command.addAll(List.of("-o", out.toString(), file.toString()));
        Result gcc = run(command);
        assertEquals(0, gcc.code(), () -> "gcc must be installed to build " + source + ":\n" + gcc.err());
        return out;
    }

    /** The -c command that runs the workload with these arguments. */
    static String workloadCommand(String... args) throws IOException, InterruptedException {
        return workload() + " " + String.join(" ", args);
    }
}
