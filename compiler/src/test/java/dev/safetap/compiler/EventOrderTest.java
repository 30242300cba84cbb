package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.verifier.EventOrder;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import org.junit.jupiter.api.Test;

/** Which probes of real scripts may run in any order (on the workers), decided from their verified bytecode. */
class EventOrderTest {
    private static EventOrder order(String script) {
        return Verifier.verify(Scripts.compile(script)).eventOrder();
    }

    @Test
    void probesThatOnlyAggregateRunInAnyOrderAndTheirMapsAreMerged() {
        EventOrder o = order("tracepoint:syscalls:sys_enter_read /args.count > 1/ { @[comm] = count(); @bytes = hist(args.count);"
                + " @s[pid, comm] = sum(args.count); @lo = min(args.count); @hi = max(args.count); @a = avg(args.count); }"
                + " interval:s:1 { print(@); clear(@); } END { print(@bytes); }");
        assertTrue(o.anyOrder(0));
        assertNull(o.reason(0));
        assertFalse(o.anyOrder(1), "interval probes run on the merging thread");
        for (int m = 0; m < 6; m++) {
            assertTrue(o.merged(m), "map " + m);
        }
    }

    /** Samples of profile, software and hardware probes are kernel events like a tracepoint's: the same rule decides. */
    @Test
    void sampledProbesThatOnlyAggregateRunInAnyOrderToo() {
        EventOrder o = order("profile:hz:99 { @[comm, cpu] = count(); } software:faults:1 { @f[pid] = count(); }"
                + " hardware:cycles { @c = count(); } profile:hz:49 { printf(\"%d\\n\", cpu); }"
                + " software:cs:1 { @s[tid] = nsecs; } interval:s:1 { exit(); }");
        assertTrue(o.anyOrder(0));
        assertTrue(o.anyOrder(1));
        assertTrue(o.anyOrder(2));
        assertEquals("it calls printf(\"%d\\n\")", o.reason(3));
        assertEquals("it writes @s", o.reason(4));
        assertEquals("safetap fires it, on the thread that merges the rings", o.reason(5));
        String text = Verifier.verify(Scripts.compile("profile:hz:99 { @[comm] = count(); }")).report().render();
        assertTrue(text.contains("    order: any (it only aggregates"), text);
    }

    @Test
    void printingReadingSettingAndExitingNeedTimeOrder() {
        assertEquals("it calls printf(\"%d\\n\")", order("tracepoint:syscalls:sys_enter_read { printf(\"%d\\n\", pid); }").reason(0));
        assertEquals("it calls exit()", order("tracepoint:syscalls:sys_enter_read { @ = count(); exit(); }").reason(0));
        assertEquals("it writes @x", order("tracepoint:syscalls:sys_enter_read { @x = 1; }").reason(0));
        EventOrder pairing = order("tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; }"
                + " tracepoint:syscalls:sys_exit_read /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }");
        assertFalse(pairing.anyOrder(0));
        assertEquals("it reads @start", pairing.reason(1));
        assertFalse(pairing.merged(0));
        assertFalse(pairing.merged(1), "@ns is aggregated by a probe that runs in time order");
    }

    @Test
    void aMapATimeOrderedTracepointReadsKeepsItsAggregatorsInTimeOrder() {
        EventOrder o = order("tracepoint:syscalls:sys_enter_read { @n = count(); }"
                + " tracepoint:syscalls:sys_enter_write { printf(\"%d\\n\", @n); }"
                + " tracepoint:syscalls:sys_enter_close { @other = count(); }"
                + " tracepoint:syscalls:sys_enter_openat { @other = count(); printf(\"x\\n\"); }");
        assertFalse(o.anyOrder(0));
        assertEquals("@n is also used by tracepoint:syscalls:sys_enter_write, which runs in time order", o.reason(0));
        assertTrue(o.anyOrder(2), "aggregating beside a time-ordered probe that also only aggregates into @other is fine");
        assertTrue(o.merged(1));
    }

    @Test
    void theReportShowsTheOrderAndWhy() {
        VerifiedProgram v = Verifier.verify(Scripts.compile("tracepoint:syscalls:sys_enter_read { @[comm] = count(); }"
                + " tracepoint:syscalls:sys_enter_write { printf(\"w\\n\"); } BEGIN { printf(\"go\\n\"); }"));
        String text = v.report().render();
        assertTrue(text.contains("    order: any (it only aggregates: each ring's worker runs it, the maps are merged when read)\n"), text);
        assertTrue(text.contains("    order: time (it calls printf(\"w\\n\"))\n"), text);
        assertEquals(2, text.split("order:", -1).length - 1, "BEGIN has no order line: " + text);
        String json = v.report().toJson();
        assertTrue(json.contains("\"order\":\"any\",\"orderReason\":\"\""), json);
        assertTrue(json.contains("\"order\":\"time\",\"orderReason\":\"it calls printf(\\\"w\\\\n\\\")\""), json);
    }
}
