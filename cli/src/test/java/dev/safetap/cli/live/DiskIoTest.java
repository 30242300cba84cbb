package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Disk I/O is measured at the disk, not at VFS: O_DIRECT reads of K blocks are exactly K block requests of
 * 4096 bytes, while re-reading a cached file makes K read(2) calls and no request at all.
 *
 * <p>Requests are selected by device and by the sectors the file occupies (from FIEMAP), not by comm:
 * block_rq_issue fires in whichever task issues the request (the reader, or a kworker when the request was
 * queued), and only this test reads these sectors while it runs; nobody writes them.
 */
class DiskIoTest {
    private static final int BLOCKS = 64;
    private static final int BLOCK = 4096;
    private Path dir;
    private Path file;

    @BeforeEach
    void writeFile() throws Exception {
        dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("user.dir"), "target")), "safetap-dio-");
        file = dir.resolve("data");
        byte[] bytes = new byte[BLOCKS * BLOCK];
        new Random(7).nextBytes(bytes);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes));
            ch.force(true);
        }
    }

    @AfterEach
    void removeFile() throws Exception {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Test
    void directReadsAreRequestsAtTheDiskAndCachedReadsAreNone() throws Exception {
        String predicate = sectorPredicate();
        String script = "tracepoint:block:block_rq_issue /" + predicate + "/ { @requests = count(); @bytes = sum(args.bytes); }"
                + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_io\"/ { @vfs_reads = count(); }";

        Result direct = trace("-c", workloadCommand("direct", "stwl_io", file.toString(), "" + BLOCKS), "-e", script)
                .assertOk();
        assertEquals(BLOCKS, direct.value("@vfs_reads"));
        assertEquals(BLOCKS, direct.value("@requests"));
        assertEquals((long) BLOCKS * BLOCK, direct.value("@bytes"));

        Files.readAllBytes(file);
        Result cached = trace("-c", workloadCommand("buffered", "stwl_io", file.toString(), "" + BLOCKS), "-e", script)
                .assertOk();
        assertEquals(BLOCKS, cached.value("@vfs_reads"));
        assertFalse(cached.values().containsKey("@requests"), "a cached re-read reaches no disk:\n" + cached.out());
    }

    /**
     * Completions run in interrupt context, on whichever CPU the disk interrupts; on this machine's kernel perf counts
     * such firings on one CPU without writing them, so only the record copy delivers them all. Any event counted and
     * not delivered on a CPU (also of the softirq and wakeup probes, which fire in interrupt context throughout) fails
     * the test; a firing the kernel skipped (reported as such) is the kernel's BPF recursion guard, not a loss of ours. Once while another process keeps a CPU busy, once with the machine otherwise idle.
     */
    @Test
    void everyIssuedRequestCompletesAndInterruptContextEventsAreAllDelivered() throws Exception {
        String predicate = sectorPredicate();
        String script = "tracepoint:block:block_rq_issue /" + predicate + "/ { @issued = count(); }"
                + " tracepoint:block:block_rq_complete /" + predicate + "/ { @completed = count(); @where[cpu] = count(); }"
                + " tracepoint:irq:softirq_entry { @softirqs[cpu] = count(); }"
                + " tracepoint:sched:sched_wakeup { @wakeups[cpu] = count(); }";
        for (boolean busy : new boolean[] {true, false}) {
            Process spinner = busy ? new ProcessBuilder("sh", "-c", "while :; do :; done").start() : null;
            try {
                Result run = trace("-c", workloadCommand("direct", "stwl_io", file.toString(), "" + BLOCKS),
                        "-e", script).assertOk();
                String context = (busy ? "with a busy neighbour" : "idle") + ":\n" + run.out() + run.err();
                assertEquals(BLOCKS, run.value("@issued"), context);
                assertEquals(BLOCKS, run.value("@completed"), context);
                // Every firing delivered; the only miss allowed is one the kernel itself counts: it did not run the
                // copy because a BPF program (another copy, interrupted) already ran on that CPU ("skipped N").
                for (String line : run.err().lines().toList()) {
                    assertFalse(line.contains("lost") || line.contains("not delivered")
                            && Pattern.compile("cpu\\d+ \\d+").matcher(line).find(), context);
                }
            } finally {
                if (spinner != null) {
                    spinner.destroyForcibly().waitFor();
                }
            }
        }
    }

    /** With --no-bpf the perf path alone serves them; whatever it misses is reported, never silently short. */
    @Test
    void withoutBpfWhatPerfMissesIsReported() throws Exception {
        String predicate = sectorPredicate();
        String script = "tracepoint:block:block_rq_complete /" + predicate + "/ { @completed = count(); @where[cpu] = count(); }";
        Result run = trace("--no-bpf", "-c", workloadCommand("direct", "stwl_io", file.toString(), "" + BLOCKS),
                "-e", script).assertOk();
        long completed = run.value("@completed");
        assertTrue(completed == BLOCKS || run.err().contains("not delivered"), run.out() + run.err());
    }

    /** {@code args.dev == D && (sector in extent 1 || ...)}, after checking the file lives on a block device. */
    private String sectorPredicate() throws Exception {
        Result extents = LiveTracer.run(List.of(LiveTracer.workload().toString(), "extents", "stwl_io", file.toString()));
        assertEquals(0, extents.code(), extents.err());
        List<String> ranges = new ArrayList<>();
        long dev = -1;
        for (String line : extents.out().strip().split("\n")) {
            String[] f = line.trim().split(" ");
            int major = Integer.parseInt(f[0]);
            int minor = Integer.parseInt(f[1]);
            assertTrue(Files.exists(Path.of("/sys/dev/block/" + major + ":" + minor)),
                    "the test file " + file + " must live on a block device (found device " + major + ":" + minor
                            + ", e.g. tmpfs or overlay): run the tests from a directory on a disk");
            dev = ((long) major << 20) | minor;
            long first = Long.parseLong(f[2]);
            ranges.add("(args.sector >= " + first + " && args.sector < " + (first + Long.parseLong(f[3])) + ")");
        }
        assertFalse(ranges.isEmpty(), "FIEMAP found no extent for " + file);
        return "args.dev == " + dev + " && (" + String.join(" || ", ranges) + ")";
    }
}
