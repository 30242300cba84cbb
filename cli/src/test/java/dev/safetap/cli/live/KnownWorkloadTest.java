package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * safetap on the live kernel against workloads whose system calls are known exactly: every assertion is
 * an exact number. The workload runs through {@code -c} and is selected by the name it gives itself.
 */
class KnownWorkloadTest {
    private static final int READS = 1000;
    private static final int SIZE = 4096;

    @Test
    void countsAndSumsEveryReadOfTheWorkload() throws Exception {
        Result r = trace("-c", workloadCommand("read", "stwl_read", "" + READS, "" + SIZE),
                "-e", "tracepoint:syscalls:sys_enter_read /comm == \"stwl_read\"/ { @calls = count(); }"
                        + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_read\"/ { @bytes = sum(args.count); }")
                .assertOk();
        assertTrue(r.out().startsWith("Attaching 2 probes...\n"), r.out());
        assertEquals(READS, r.value("@calls"));
        assertEquals((long) READS * SIZE, r.value("@bytes"));
    }

    @Test
    void theDtraceSpellingCountsTheSame() throws Exception {
        Result r = trace("-q", "-c", workloadCommand("read", "stwl_read", "" + READS, "" + SIZE),
                "-e", "syscall::read:entry /execname == \"stwl_read\"/ { @calls = count(); @bytes = sum(arg2); }")
                .assertOk();
        assertTrue(!r.out().contains("Attaching"), "-q prints no 'Attaching' line: " + r.out());
        assertEquals(READS, r.value("@calls"));
        assertEquals((long) READS * SIZE, r.value("@bytes"));
    }

    /** DTrace's one-liner: every system call of a process by name, one clause over all 360-odd entry tracepoints. */
    @Test
    void systemCallsCountedByProbefuncAcrossEveryEntryProbe() throws Exception {
        Result r = trace("-c", workloadCommand("syscalls", "stwl_sys"),
                "-e", "syscall:::entry /execname == \"stwl_sys\"/ { @[probeprov, probefunc, probename] = count(); }")
                .assertOk();
        assertEquals(Map.of("@[syscall, getppid, entry]", 5L, "@[syscall, getuid, entry]", 2L,
                "@[syscall, sched_yield, entry]", 4L, "@[syscall, exit_group, entry]", 1L), r.values(), r.out());
    }

    @Test
    void aProcessThatRenamesItselfIsCountedUnderEachName() throws Exception {
        // 777-byte reads: only the workload's own loop reads that size (not the dynamic loader, not sh).
        Result r = trace("-c", workloadCommand("rename", "stwl_renamed", "30", "70", "777"), "-e",
                "tracepoint:syscalls:sys_enter_read /args.count == 777 && (comm == \"stwl\" || comm == \"stwl_renamed\")/"
                        + " { @[comm] = count(); }")
                .assertOk();
        Map<String, Long> values = r.values();
        assertEquals(Map.of("@[" + LiveTracer.WORKLOAD_NAME + "]", 30L, "@[stwl_renamed]", 70L), values, r.out());
    }

    /**
     * On sched_wakeup the record has a comm field of its own (the woken task), while the script's comm is the task
     * the event happened in (the waker): a predicate on comm pushed into the kernel must name the latter. The
     * workload's main thread wakes its reader thread exactly 300 times.
     */
    @Test
    void commInAPredicateIsTheWakerEvenWhenTheRecordHasACommField() throws Exception {
        Result r = trace("-c", workloadCommand("wake", "stwl_wk", "300"), "-e",
                "tracepoint:sched:sched_wakeup /comm == \"stwl_wk\" && args->comm == \"stwl_wk_w\"/ { @wakeups = count(); }"
                        + " tracepoint:sched:sched_wakeup /comm == \"stwl_wk\"/ { @woken[args->comm] = count(); }")
                .assertOk();
        assertEquals(300, r.value("@wakeups"));
        assertEquals(300, r.value("@woken[stwl_wk_w]"));
    }

    @Test
    void entriesAndReturnsOnDifferentCpusPairThroughAThreadLocal() throws Exception {
        int n = 400;
        int cpus = Runtime.getRuntime().availableProcessors();
        Result r = trace("-c", workloadCommand("migrate", "stwl_mig", "" + n), "-e", """
                tracepoint:syscalls:sys_enter_read /comm == "stwl_mig"/ { self->ts = nsecs; self->cpu = cpu; }
                tracepoint:syscalls:sys_exit_read /comm == "stwl_mig" && self->ts/ {
                    @latency = hist(nsecs - self->ts);
                    @pairs = count();
                    @moved[self->cpu != cpu] = count();
                    delete(self->ts);
                }
                """).assertOk();
        assertEquals(n, r.value("@pairs"));
        assertEquals(n, r.histogramTotal("@latency"), r.out());
        // The waker moves the blocked reader to the next CPU before every wake-up: each read returns
        // on another CPU than it entered on (a machine with one CPU has nowhere to move it).
        String moved = cpus > 1 ? "@moved[1]" : "@moved[0]";
        assertEquals(n, r.value(moved));
        assertEquals(1, r.values().keySet().stream().filter(k -> k.startsWith("@moved[")).count(), r.out());
    }

    @Test
    void everySyscallTracepointCountsWhatTheWorkloadCalled() throws Exception {
        String script = "tracepoint:syscalls:sys_enter_* /comm == \"stwl_sys\"/ { @[probe] = count(); }";
        Map<String, Long> expected = Map.of(
                "@[tracepoint:syscalls:sys_enter_getppid]", 5L,
                "@[tracepoint:syscalls:sys_enter_getuid]", 2L,
                "@[tracepoint:syscalls:sys_enter_sched_yield]", 4L,
                "@[tracepoint:syscalls:sys_enter_exit_group]", 1L);
        // Served by counting perf events: the comm predicate runs in the kernel, no sample is read.
        Result counted = trace("-c", workloadCommand("syscalls", "stwl_sys"), "-e", script).assertOk();
        assertEquals(expected, counted.values(), counted.out());
        // Without kernel filters the predicate runs in the VM on every sampled event: the same counts.
        Result sampled = trace("--no-kernel-filter", "-c", workloadCommand("syscalls", "stwl_sys"), "-e", script)
                .assertOk();
        assertEquals(expected, sampled.values(), sampled.out());
        assertTrue(counted.out().startsWith("Attaching "), counted.out());
    }

    @Test
    void resultsAreIdenticalWithAndWithoutKernelFilters() throws Exception {
        // Two processes of the same name: 300 reads of 100 bytes, then 200 of 4096. The predicate on a record
        // field is pushed into the kernel (count == 4096) unless --no-kernel-filter; the VM evaluates it anyway.
        String command = workloadCommand("read", "stwl_push", "300", "100") + "; "
                + workloadCommand("read", "stwl_push", "200", "4096");
        String script = "tracepoint:syscalls:sys_enter_read /args.count == 4096/ { @calls[comm] = count(); "
                + "@bytes[comm] = sum(args.count); @max[comm] = max(args.fd); }"
                + " tracepoint:syscalls:sys_enter_read /args.count >= 4096 && comm == \"stwl_push\"/ { @only = count(); }";
        Result pushed = trace("-c", command, "-e", script).assertOk();
        Result plain = trace("--no-kernel-filter", "-c", command, "-e", script).assertOk();
        for (Result r : new Result[] {pushed, plain}) {
            assertEquals(200, r.value("@calls[stwl_push]"));
            assertEquals(200L * 4096, r.value("@bytes[stwl_push]"));
            assertEquals(200, r.value("@only"));
        }
        assertEquals(pushed.value("@max[stwl_push]"), plain.value("@max[stwl_push]"));
    }
}
