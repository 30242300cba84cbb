package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A script sees what it asks for: {@code pid == cpid} opens the -c command's events alone, so a busy neighbour
 * costs it nothing, and safetap's own threads never show up in results unless {@code --include-self}.
 */
class TraceOnlyWhatIsAskedTest {
    @Test
    void aBusyNeighbourDoesNotCostTheCommandAnEvent() throws Exception {
        int reads = 100_000;
        Process neighbour = new ProcessBuilder(LiveTracer.workload().toString(), "forever", "stwl_busy", "1").start();
        try (BufferedReader ready = new BufferedReader(new InputStreamReader(neighbour.getInputStream()))) {
            assertEquals("running", ready.readLine());
            // A 32 MiB ring holds the command's 200,000 samples even if safetap read none before the end; the
            // neighbour's reads, over a million a second, would fill it in a fifth of a second were they sampled.
            Result r = LiveTracer.run(javaCommand(List.of(), "--strict", "--ring-pages", "8192", "-c",
                    workloadCommand("read", "stwl_own", "" + reads, "1"), "-e",
                    "tracepoint:syscalls:sys_enter_read /pid == cpid && args.count == 1/ { @counted = count(); }"
                            + " tracepoint:syscalls:sys_enter_read /cpid == pid/ { @[comm] = count(); }"
                            + " tracepoint:syscalls:sys_enter_read /pid == cpid && args.count == 1/ { @h = hist(args.count); }"))
                    .assertOk();
            assertEquals(reads, r.value("@counted"), "counted by the kernel in the command alone");
            assertEquals(reads, r.histogramTotal("@h"), r.out());
            assertTrue(r.value("@[stwl_own]") >= reads, r.out());
            assertFalse(r.out().contains("stwl_busy"), r.out());
            assertTrue(neighbour.isAlive(), "the neighbour kept reading all along");
        } finally {
            neighbour.destroyForcibly();
            neighbour.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void safetapsOwnThreadsAreLeftOutUnlessAskedFor() throws Exception {
        for (boolean include : new boolean[] {false, true}) {
            TracerProcess t = TracerProcess.start(List.of(), include ? new String[] {"--include-self", "-e", SCRIPT}
                    : new String[] {"-e", SCRIPT});
            try {
                t.awaitLine("ready");
                Result r = t.finish().assertOk();
                String self = "@[" + t.process.pid() + "]";
                Map<String, Long> values = r.values();
                assertEquals(include, values.containsKey(self), "the tracer's own system calls (pid "
                        + t.process.pid() + ") with --include-self " + include + ":\n" + r.out());
            } finally {
                t.process.destroyForcibly();
            }
        }
    }

    /** Polling the rings for a second makes system calls in safetap's own threads. */
    private static final String SCRIPT = "BEGIN { printf(\"ready\\n\"); } tracepoint:raw_syscalls:sys_enter { @[pid] = count(); }"
            + " interval:s:1 { exit(); }";
}
