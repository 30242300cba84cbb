package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.live.LiveTracer.Result;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Probes that only aggregate run on the workers, one per CPU's ring, each with its own part of the maps, merged
 * before anything reads them: the numbers are those of the merged path, exactly, at full speed and at every
 * interval report.
 */
class WorkersTest {
    private static final String COUNTS = "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }"
            + " tracepoint:syscalls:sys_enter_read /comm == \"stwl_2m\"/ { @bytes = hist(args.count); @sum = sum(args.count); }";

    /**
     * 2,000,000 back-to-back 1-byte reads by one thread at full speed, default settings, one sample per read: counted
     * by comm, then a histogram of a field, each exact, nothing lost.
     */
    @Test
    void twoMillionBackToBackReadsAreCountedExactlyByTheWorkers() throws Exception {
        int reads = 2_000_000;
        Result byComm = trace("--strict", "-c", workloadCommand("read", "stwl_2m", "" + reads, "1"), "-e",
                "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }").assertOk();
        assertEquals(reads, byComm.value("@[stwl_2m]"), byComm.err());
        assertFalse(byComm.err().contains("warning"), byComm.err());
        Result hist = trace("--strict", "-c", workloadCommand("read", "stwl_2m", "" + reads, "1"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_2m\"/ { @bytes = hist(args.count); }").assertOk();
        assertEquals(reads, hist.histogramTotal("@bytes"), hist.out());
        assertTrue(Pattern.compile("(?m)^\\[1\\]\\s+2000000 \\|@+\\|$").matcher(hist.out()).find(), hist.out());
        assertFalse(hist.err().contains("warning"), hist.err());
    }

    /**
     * The same counts on one worker and on the merging thread. 100,000 reads: their 200,000 samples fit the default
     * ring, which the merging thread needs (it keeps up with about one sample per read at full speed, not two).
     */
    @Test
    void oneWorkerAndNoWorkerCountTheSame() throws Exception {
        int reads = 100_000;
        for (String workers : new String[] {"0", "1"}) {
            Result r = trace("--strict", "--workers", workers, "-c", workloadCommand("read", "stwl_2m", "" + reads, "3"), "-e",
                    COUNTS).assertOk();
            assertEquals(reads, r.value("@[stwl_2m]"), "--workers " + workers + ": " + r.err());
            assertEquals(3L * reads, r.value("@sum"));
            assertEquals(reads, r.histogramTotal("@bytes"), r.out());
        }
    }

    /** Each report holds what the workers counted up to it, cleared after it: the reports add up to every read. */
    @Test
    void intervalReportsOfWhatTheWorkersCountedAddUpToEveryRead() throws Exception {
        int reads = 1_000_000;
        Result r = trace("--strict", "-c", workloadCommand("read", "stwl_iv", "" + reads, "1"), "-e",
                "tracepoint:syscalls:sys_enter_read /comm == \"stwl_iv\"/ { @n = count(); }"
                        + " interval:ms:50 { print(@n); clear(@n); } END { printf(\"end\\n\"); }").assertOk();
        Matcher m = Pattern.compile("(?m)^@n: (\\d+)$").matcher(r.out());
        long total = 0;
        int reports = 0;
        long last = 0;
        int counting = 0;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
            total += last;
            reports++;
            counting += last > 0 ? 1 : 0;
        }
        assertEquals(reads, total, r.out());
        assertTrue(reports > 2, "several reports: " + r.out());
        assertTrue(counting > (last > 0 ? 1 : 0), "the workers' counts reach the reports while the reads go on, not only"
                + " at the end: " + r.out());
    }

    @Test
    void verboseShowsWhichProbesTheWorkersRun() throws Exception {
        Result r = trace("-v", "-c", workloadCommand("read", "stwl_v", "10", "1"), "-e",
                "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }"
                        + " tracepoint:syscalls:sys_enter_write /comm == \"stwl_v\"/ { printf(\"w\\n\"); }").assertOk();
        assertTrue(r.err().contains("order: any (it only aggregates"), r.err());
        assertTrue(r.err().contains("order: time (it calls printf(\"w\\n\"))"), r.err());
    }
}
