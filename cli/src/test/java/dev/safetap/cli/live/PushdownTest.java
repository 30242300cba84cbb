package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.kernel.TraceSession;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.session.PushdownAnalysis;
import dev.safetap.session.PushdownAnalysis.CountUpdate;
import dev.safetap.session.PushdownAnalysis.Pushdown;
import dev.safetap.verifier.Verifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The kernel filters read off verified bytecode: their exact text, count-only detection, and that the live
 * kernel accepts every filter written here (a rejected one would silently cost the speed-up).
 */
class PushdownTest {
    private static final String READ = "tracepoint:syscalls:sys_enter_read";
    private static final String U64_MAX_SIGNED = "9223372036854775807";

    @Test
    void filtersAndCountOnlyClausesAreReadOffTheBytecode() throws Exception {
        check("/args.count == 4096/ { @[comm] = count(); }", "count == 4096", null);
        check("/tid == 5 && args.count == 8/ { @[probe] = count(); }", "common_pid == 5 && count == 8",
                new CountUpdate(0, List.of(READ)));
        check("/args.fd > 2/ { @reads = count(); }", "fd > 2 && fd <= " + U64_MAX_SIGNED, new CountUpdate(0, List.of()));
        check("/comm == \"stwl\" || args.count < 10/ { @small = count(); }",
                "COMM == \"stwl\" || (COMM != \"stwl\" && (count < 10 || count > " + U64_MAX_SIGNED + "))",
                new CountUpdate(0, List.of()));
        check("/!(args.fd == 3 || tid != 7)/ { @x[\"k\", 2] = count(); }", "fd != 3 && common_pid == 7",
                new CountUpdate(0, List.of("k", 2L)));
        check("/args.__syscall_nr < 5000000000/ { @all = count(); }", null, new CountUpdate(0, List.of()));
        // pid is the process id; the kernel only knows the thread id: nothing is pushed.
        check("/pid == 5/ { @x = count(); }", null, null);
        // Counting plus anything else is not count-only; the filter still spares the VM the other events.
        check("/args.count == 1/ { @x = count(); @y = sum(args.fd); }", "count == 1", null);
        check("{ @x = count(); }", null, new CountUpdate(0, List.of()));
        check("/args.count == 1/ { printf(\"%d\\n\", args.fd); }", "count == 1", null);
    }

    /**
     * {@code pid == cpid} on every path scopes the probe to the -c command's process, whose events alone are then
     * opened; any other use of pid is taken as true in the filter and leaves nothing exact to count.
     */
    @Test
    void pidEqualToCpidScopesTheProbeToTheCommand() throws Exception {
        int cpid = 4242;
        Pushdown scopedCount = pushdown("/pid == cpid && args.count == 1/ { @ = count(); }", cpid);
        assertEquals(new Pushdown("count == 1", new CountUpdate(0, List.of()), true), scopedCount);
        assertEquals(new Pushdown(null, null, true), pushdown("/pid == cpid/ { @[comm] = count(); }", cpid));
        assertEquals(new Pushdown("count == 1", null, true),
                pushdown("/cpid == pid/ { if (args.count == 1) { @[comm] = count(); } }", cpid));
        assertEquals(new Pushdown(null, null, false), pushdown("/pid == cpid || args.count == 1/ { @ = count(); }", cpid));
        assertEquals(new Pushdown(null, null, false), pushdown("/pid != cpid/ { @ = count(); }", cpid));
        assertEquals(new Pushdown("count == 1", null, false),
                pushdown("/pid == 5 && args.count == 1/ { @ = count(); }", cpid), "only cpid starts as one thread");
        assertEquals(new Pushdown(null, null, false), pushdown("/pid == cpid/ { @ = count(); }", 0), "no -c command");
    }

    @Test
    void theLiveKernelAcceptsTheFilters() throws Exception {
        List<TraceRequest> requests = new ArrayList<>();
        for (String script : List.of("/args.fd > 2/ { @reads = count(); }",
                "/comm == \"stwl\" || args.count < 10/ { @small = count(); }",
                "/!(args.fd == 3 || tid != 7)/ { @x[\"k\", 2] = count(); }")) {
            requests.add(new TraceRequest("syscalls:sys_enter_read", requests.size(), pushdown(script).filter()));
        }
        try (TraceSession session = TraceSession.open(TracepointCatalog.live(), requests, SessionOptions.DEFAULT)) {
            assertEquals(List.of(), session.rejectedFilters());
        }
    }

    private static void check(String clause, String filter, CountUpdate count) throws Exception {
        Pushdown p = pushdown(clause);
        assertEquals(filter, p.filter(), clause);
        if (count == null) {
            assertNull(p.count(), clause);
        } else {
            assertEquals(count, p.count(), clause);
        }
    }

    private static Pushdown pushdown(String clause) throws Exception {
        return pushdown(clause, 0);
    }

    private static Pushdown pushdown(String clause, int cpid) throws Exception {
        Path file = Files.createTempFile("safetap-pushdown-", ".stb");
        try {
            trace("compile", "-o", file.toString(), "-e", READ + " " + clause).assertOk();
            return PushdownAnalysis.of(Verifier.verify(ProgramCodec.decode(Files.readAllBytes(file))), 0, cpid);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
