package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import org.junit.jupiter.api.Test;

class ScriptFuzzerTest {
    private static FuzzReport fuzz(String source, int capacity, int events) {
        VerifiedProgram v = Verifier.verify(Scripts.compile(source, capacity));
        return ScriptFuzzer.fuzz("t.bt", v, Scripts.CATALOG, events, 7);
    }

    @Test
    void divisionByZeroOnBoundaryFieldsIsFoundWithItsSourceLine() {
        FuzzReport r = fuzz("tracepoint:syscalls:sys_enter_read {\n  @x = avg(args->count / args->fd);\n}\n", 4096, 300);
        assertTrue(r.failed());
        assertNull(r.violation());
        FuzzReport.RuntimeError e = r.errors().get(0);
        assertTrue(e.message().startsWith("division by zero"), e.message());
        assertEquals("fuzz.bt:2:24", e.where(), "the debug section names the script as compiled");
        assertEquals("  @x = avg(args->count / args->fd);", e.sourceLine());
        assertTrue(r.render().contains("fuzz.bt:2:24: warning: division by zero"), r.render());
        FuzzReport.ProbeResult p = r.probes().get(0);
        assertEquals(300, p.events());
        assertTrue(p.shortRecords() > 0 && p.shortRecords() < 300);
        assertEquals(1.0, p.coverage());
        assertTrue(p.maxInstructions() <= p.bound() && p.maxInstructions() > 0);
    }

    @Test
    void aFullMapIsReportedAsDroppedUpdates() {
        FuzzReport r = fuzz("tracepoint:sched:sched_switch { @[args->next_pid] = count(); }", 4, 200);
        assertTrue(r.failed());
        FuzzReport.MapFill m = r.maps().get(0);
        assertEquals(4, m.entries());
        assertEquals(4, m.capacity());
        assertTrue(m.droppedUpdates() > 0);
        assertTrue(r.errors().get(0).message().contains("was full"), r.errors().toString());
    }

    @Test
    void coverageShowsBranchesTheEventsNeverTook() {
        FuzzReport r = fuzz("tracepoint:syscalls:sys_enter_read { if (args->fd == 123456789) { printf(\"never\\n\"); } }", 4096, 100);
        assertFalse(r.failed(), r.render());
        FuzzReport.ProbeResult p = r.probes().get(0);
        assertTrue(p.coveredInstructions() < p.instructions(), r.render());
        assertTrue(r.render().contains("no runtime errors found"));
    }

    @Test
    void theSameSeedGivesTheSameReport() {
        String source = "tracepoint:sched:sched_process_exec { @[str(args->filename)] = count(); printf(\"%d\\n\", args->pid % args->old_pid); }";
        assertEquals(fuzz(source, 16, 150).render(), fuzz(source, 16, 150).render());
    }
}
