package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * profile, software and hardware probes on the live kernel, against workloads whose numbers are known: the CPU time a
 * command burns, the pages it touches. Every run is accounted for: nothing undelivered, and --strict passes.
 */
class SamplingProbesTest {
    private static final Pattern CPU_NS = Pattern.compile("(?m)^cpu_ns (\\d+)$");

    /**
     * A 997 Hz profile samples a command that burns 1.5 s of CPU about 997 times per second of that CPU time: the
     * kernel's cpu-clock fires every 1,003,009 ns on each CPU, and the command runs at a sampled instant in proportion
     * to its CPU time. The probe only aggregates, so it runs on the workers, or with --workers 0 on the merging thread.
     */
    @Test
    void aProfileOfACommandCountsNineHundredNinetySevenSamplesPerSecondOfItsCpuTime() throws Exception {
        for (String workers : new String[] {"1", "0"}) {
            burnAndProfile(workers);
        }
    }

    private static void burnAndProfile(String workers) throws Exception {
        Result r = LiveTracer.run(javaCommand(List.of(), "--strict", "--workers", workers, "-c",
                workloadCommand("burn", "stwl_burn", "1500"),
                "-e", "profile:hz:997 /pid == cpid/ { @samples = count(); @comm[comm] = count(); }")).assertOk();
        Matcher m = CPU_NS.matcher(r.out());
        assertTrue(m.find(), r.out());
        double expected = 997 * Long.parseLong(m.group(1)) / 1e9;
        long samples = r.value("@samples");
        assertTrue(Math.abs(samples - expected) <= 0.1 * expected, samples + " samples for " + expected + " expected");
        long named = r.values().entrySet().stream().filter(e -> e.getKey().startsWith("@comm[")).mapToLong(Map.Entry::getValue).sum();
        assertEquals(samples, named, r.out());
        assertTrue(r.value("@comm[stwl_burn]") >= samples - 5, "all but the first instants are after it names itself: " + r.out());
        assertFalse(r.err().contains("not delivered") || r.err().contains("lost"), r.err());
    }

    /**
     * A profile samples every CPU, whatever runs there: the idle task of CPU N has pid 0 and is named swapper/N, as
     * bpftrace names it.
     */
    @Test
    void aProfileSamplesEveryCpuAndNamesTheIdleTaskAfterIt() {
        Result r = trace("--strict", "-e", "profile:hz:997 { @cpus[cpu] = count(); }"
                + " profile:hz:997 /pid == 0/ { @idle[comm, cpu, tid] = count(); } interval:s:2 { exit(); }").assertOk();
        Map<String, Long> values = r.values();
        for (int cpu = 0; cpu < Runtime.getRuntime().availableProcessors(); cpu++) {
            assertTrue(values.containsKey("@cpus[" + cpu + "]"), "no sample on cpu " + cpu + ":\n" + r.out());
        }
        long idle = 0;
        for (Map.Entry<String, Long> e : values.entrySet()) {
            if (e.getKey().startsWith("@idle[")) {
                Matcher m = Pattern.compile("@idle\\[swapper/(\\d+), (\\d+), 0\\]").matcher(e.getKey());
                assertTrue(m.matches() && m.group(1).equals(m.group(2)), e.getKey());
                idle += e.getValue();
            }
        }
        assertTrue(idle > 0, "in 2 s of 997 samples a second on each CPU, some CPU was idle once:\n" + r.out());
        assertFalse(r.err().contains("not delivered"), r.err());
    }

    /**
     * A command that touches K fresh pages takes K page faults, and a few more to start: every one is a sample of
     * software:page-faults:1 scoped to it, a hundredth of them of software:page-faults:100, in one run or each alone
     * (every 100th of each CPU's, as the kernel counts them: up to one fewer per CPU).
     */
    @Test
    void pageFaultsOfTheCommandAreCountedExactlyAndEveryHundredth() throws Exception {
        int pages = 20_000;
        int startUp = 200;
        int cpus = Runtime.getRuntime().availableProcessors();
        Result both = trace("--strict", "-c", workloadCommand("touch", "stwl_touch", "" + pages), "-e",
                "software:page-faults:1 /pid == cpid/ { @every = count(); }"
                + " s:faults:100 /pid == cpid/ { @hundredth = count(); }").assertOk();
        long every = both.value("@every");
        assertTrue(every >= pages && every <= pages + startUp, "page faults: " + every);
        long shared = both.value("@hundredth");
        assertTrue(shared <= every / 100 && shared >= every / 100 - cpus, every + " faults, " + shared + " every 100th");
        Result alone = trace("--strict", "-c", workloadCommand("touch", "stwl_touch", "" + pages), "-e",
                "software:page-faults:100 /pid == cpid/ { @hundredth = count(); }").assertOk();
        long hundredth = alone.value("@hundredth");
        assertTrue(hundredth >= pages / 100 - cpus && hundredth <= (pages + startUp) / 100, "every 100th fault: " + hundredth);
        Result one = trace("--strict", "-c", workloadCommand("touch", "stwl_touch", "" + pages), "-e",
                "software:page-faults:1 /pid == cpid/ { @every = count(); }").assertOk();
        assertTrue(one.value("@every") >= pages && one.value("@every") <= pages + startUp, one.out());
        for (Result r : List.of(both, alone, one)) {
            assertFalse(r.err().contains("not delivered") || r.err().contains("lost"), r.err());
        }
    }

    /**
     * With -p, a software event is opened on the threads of the process alone and a profile samples every CPU, keeping
     * the process's samples: no other pid shows up in either.
     */
    @Test
    void withPidTheProcessAloneIsSampled() throws Exception {
        Process reader = new ProcessBuilder(LiveTracer.workload().toString(), "forever", "stwl_forever", "1").start();
        try (BufferedReader ready = new BufferedReader(new InputStreamReader(reader.getInputStream()))) {
            assertEquals("running", ready.readLine());
            Result r = trace("-p", "" + reader.pid(), "-e", "software:task-clock { @clock[pid] = count(); }"
                    + " profile:hz:997 { @profile[pid, comm] = count(); } interval:s:1 { exit(); }").assertOk();
            Map<String, Long> values = r.values();
            assertTrue(values.containsKey("@clock[" + reader.pid() + "]"), r.out());
            assertTrue(values.containsKey("@profile[" + reader.pid() + ", stwl_forever]"), r.out());
            assertEquals(2, values.size(), "the process alone:\n" + r.out());
        } finally {
            reader.destroyForcibly();
            reader.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** safetap's own CPU time is not the workload's: its samples are left out unless --include-self. */
    @Test
    void safetapsOwnSamplesAreLeftOutUnlessAskedFor() throws Exception {
        String script = "BEGIN { printf(\"ready\\n\"); } profile:hz:997 { @[pid] = count(); } software:faults:1 { @f[pid] = count(); }"
                + " interval:s:2 { exit(); }";
        for (boolean include : new boolean[] {false, true}) {
            TracerProcess t = TracerProcess.start(List.of(), include ? new String[] {"--include-self", "-e", script}
                    : new String[] {"-e", script});
            try {
                t.awaitLine("ready");
                Result r = t.finish().assertOk();
                Map<String, Long> values = r.values();
                boolean seen = values.containsKey("@[" + t.process.pid() + "]") || values.containsKey("@f[" + t.process.pid() + "]");
                assertEquals(include, seen, "the tracer's own samples (pid " + t.process.pid() + ") with --include-self "
                        + include + ":\n" + r.out());
            } finally {
                t.process.destroyForcibly();
            }
        }
    }

    /**
     * A hardware event needs a hardware PMU: on a machine without one (this VM) attaching fails with exit code 3 and says
     * so, naming the event; where there is one, the event is sampled.
     */
    @Test
    void aHardwareEventWithoutAPmuFailsToAttachAndSaysWhy() {
        Result r = trace("-e", "hardware:cycles:1000000 { @ = count(); } interval:ms:200 { exit(); }");
        if (Files.exists(Path.of("/sys/bus/event_source/devices/cpu"))) {
            r.assertOk();
            return;
        }
        assertEquals(3, r.code(), r.out() + r.err());
        assertEquals("safetap: perf_event_open for hardware:cpu-cycles on cpu 0 failed (ENOENT: No such file or directory):"
                + " this machine has no hardware PMU that could count cpu-cycles (there is no `cpu` in"
                + " /sys/bus/event_source/devices: virtual machines usually have none, and the kernel then logs \"no PMU"
                + " driver, software events only\"); sample with `profile:hz:N` or a software event instead, which need none\n",
                r.err());
        assertFalse(r.out().contains("Attaching"), r.out());
    }

    /**
     * A profile faster than kernel.perf_event_max_sample_rate allows is throttled by the kernel, which stops the event
     * until its next tick and counts none of the samples it misses: the THROTTLE records say so on stderr, and
     * --strict stops the run. The limit is lowered to 2000 a second for these runs only (8 samples per 4 ms tick, so a
     * 997 Hz profile elsewhere on this machine is not throttled by it) and restored.
     */
    @Test
    void aThrottledProfileIsReportedAndFailsStrict() throws Exception {
        // a sysctl file answers only a read from its start: Files.readString would get "1" of 100000
        Path rate = Path.of("/proc/sys/kernel/perf_event_max_sample_rate");
        String saved = Files.readAllLines(rate).get(0).strip();
        assertTrue(saved.matches("\\d{4,}"), saved);
        Result warned;
        Result strict;
        try {
            Files.writeString(rate, "2000");
            warned = trace("-e", "profile:hz:10000 { @ = count(); } interval:ms:500 { exit(); }");
            strict = trace("--strict", "-e", "profile:hz:10000 { @ = count(); } interval:ms:500 { exit(); }");
        } finally {
            Files.writeString(rate, saved);
        }
        warned.assertOk();
        assertTrue(warned.err().contains("warning: the kernel throttled sampling ") && warned.err().contains(
                " (profile:hz:10000: cpu") && warned.err().contains("because it sampled faster than"
                + " kernel.perf_event_max_sample_rate allows (now 2000 a second); sample less often"), warned.err());
        assertEquals(4, strict.code(), strict.out() + strict.err());
        assertTrue(strict.err().contains("sampling throttled by the kernel ") && strict.err().contains(
                "kernel.perf_event_max_sample_rate is 2000)"), strict.err());
        assertEquals(saved, Files.readAllLines(rate).get(0).strip());
    }

    /** `safetap -l` lists the software and hardware events as bpftrace spells them. */
    @Test
    void theEventsAreListed() {
        Result r = trace("-l", "software:*").assertOk();
        assertTrue(r.out().startsWith("software:cpu-clock:\nsoftware:task-clock:\nsoftware:page-faults:\n"), r.out());
        assertEquals(10, r.out().lines().count(), r.out());
        assertTrue(trace("-l", "hardware:*").assertOk().out().contains("hardware:cache-misses:\n"));
    }
}
