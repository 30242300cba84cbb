package dev.safetap.vm;

import static dev.safetap.bytecode.MapKind.COUNT;
import static dev.safetap.bytecode.MapKind.MAX;
import static dev.safetap.bytecode.MapKind.SCALAR;
import static dev.safetap.bytecode.MapKind.SUM;
import static dev.safetap.bytecode.ValueType.INT;
import static dev.safetap.bytecode.ValueType.STR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.SlotKind;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InterpreterTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private Interpreter interpreter(ScriptBuilder s) {
        return new Interpreter(s.verify(), new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), 1_000, 77));
    }

    private static Map<List<Object>, Object> asMap(List<MapEntry> entries) {
        Map<List<Object>, Object> m = new HashMap<>();
        for (MapEntry e : entries) {
            m.put(e.key(), e.value());
        }
        return m;
    }

    @Test
    void arithmeticIsTotalAndWrapsLikeTwosComplement() {
        ScriptBuilder s = new ScriptBuilder();
        int r = s.map("@r", SCALAR, INT, INT);
        ScriptBuilder.Code c = s.code();
        int min = c.i(Long.MIN_VALUE);
        int minusOne = c.i(-1);
        int zero = c.i(0);
        int seven = c.i(7);
        c.set(r, c.op(Opcode.DIV, min, minusOne), c.i(1));
        c.set(r, c.op(Opcode.MOD, min, minusOne), c.i(2));
        c.set(r, c.op(Opcode.DIV, seven, zero), c.i(3));
        c.set(r, c.op(Opcode.MOD, seven, zero), c.i(4));
        c.set(r, c.op(Opcode.SHL, seven, c.i(65)), c.i(5));
        c.set(r, c.op(Opcode.SHR, c.i(-16), c.i(2)), c.i(6));
        c.set(r, c.op(Opcode.ADD, c.i(Long.MAX_VALUE), c.i(1)), c.i(7));
        c.set(r, c.op(Opcode.MOD, c.i(-7), c.i(3)), c.i(8));
        c.set(r, c.op(Opcode.DIV, c.i(-7), c.i(2)), c.i(9));
        c.set(r, c.op(Opcode.LT, c.i(-1), c.i(1)), c.i(10));
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        Map<List<Object>, Object> m = asMap(vm.state().entries(r));
        assertEquals(Long.MIN_VALUE, m.get(List.of(1L)));
        assertEquals(0L, m.get(List.of(2L)));
        assertEquals(0L, m.get(List.of(3L)));
        assertEquals(0L, m.get(List.of(4L)));
        assertEquals(14L, m.get(List.of(5L)));
        assertEquals(-4L, m.get(List.of(6L)));
        assertEquals(Long.MIN_VALUE, m.get(List.of(7L)));
        assertEquals(-1L, m.get(List.of(8L)));
        assertEquals(-3L, m.get(List.of(9L)));
        assertEquals(1L, m.get(List.of(10L)));
        assertEquals(2, vm.state().counters().divisionsByZero().size());
    }

    @Test
    void divisionByZeroIsReportedWithTheSourceLine() {
        String src = "tracepoint:syscalls:sys_enter_write\n{\n  @avg = 10 / $zero;\n}\n";
        ScriptBuilder s = new ScriptBuilder().source("script.bt", src);
        int avg = s.map("@avg", SCALAR, INT);
        int layout = s.layout(new EventLayout("syscalls:sys_enter_write", 8, List.of()));
        ScriptBuilder.Code c = s.code();
        c.mark(3, 10);
        int q = c.op(Opcode.DIV, c.i(10), c.i(0));
        c.mark(3, 3);
        c.set(avg, q);
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_write", layout, c);
        Interpreter vm = interpreter(s);
        EventContext ctx = event(new byte[8]);
        for (int i = 0; i < 5; i++) {
            vm.fire(probe, ctx);
        }
        vm.state().reportProblems();
        assertEquals("script.bt:3:10: warning: division by zero 5 times (the result was taken as 0)\n"
                + "      @avg = 10 / $zero;\n"
                + "             ^\n", err.toString(StandardCharsets.UTF_8));
        RuntimeCounters.ZeroDivision z = vm.state().counters().divisionsByZero().get(0);
        assertEquals(5, z.count());
        assertEquals(Opcode.DIV, z.opcode());
    }

    @Test
    void nothingIsReportedWhenNothingWentWrong() {
        ScriptBuilder s = new ScriptBuilder();
        int n = s.map("@n", COUNT, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(n, 0);
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        vm.state().reportProblems();
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(vm.state().counters().isClean());
        assertFalse(vm.exitRequested());
    }

    private static EventContext event(byte[] record) {
        EventContext ctx = new EventContext();
        ctx.record = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        ctx.offset = 0;
        ctx.length = record.length;
        return ctx;
    }

    @Test
    void fieldsAreReadLittleEndianWithTheirSignedness() {
        List<LayoutSlot> slots = List.of(
                new LayoutSlot("s8", 8, 1, SlotKind.SIGNED),
                new LayoutSlot("u8", 9, 1, SlotKind.UNSIGNED),
                new LayoutSlot("s16", 10, 2, SlotKind.SIGNED),
                new LayoutSlot("u16", 12, 2, SlotKind.UNSIGNED),
                new LayoutSlot("s32", 16, 4, SlotKind.SIGNED),
                new LayoutSlot("u32", 20, 4, SlotKind.UNSIGNED),
                new LayoutSlot("s64", 24, 8, SlotKind.SIGNED),
                new LayoutSlot("name", 32, 8, SlotKind.CHARS),
                new LayoutSlot("path", 40, 4, SlotKind.DATA_LOC));
        ScriptBuilder s = new ScriptBuilder();
        int ints = s.map("@i", SCALAR, INT, INT);
        int strs = s.map("@s", SCALAR, STR, INT);
        int layout = s.layout(new EventLayout("test:fields", 44, slots));
        ScriptBuilder.Code c = s.code();
        for (int slot = 0; slot < 7; slot++) {
            c.set(ints, c.field(slot), c.i(slot));
        }
        c.set(strs, c.fieldString(7), c.i(7));
        c.set(strs, c.fieldString(8), c.i(8));
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:test:fields", layout, c);
        Interpreter vm = interpreter(s);

        ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        b.put(8, (byte) -2).put(9, (byte) -2).putShort(10, (short) -3).putShort(12, (short) -3)
                .putInt(16, -4).putInt(20, -4).putLong(24, -5L);
        b.put(32, "abcdefgh".getBytes(StandardCharsets.US_ASCII), 0, 8);
        b.putInt(40, (6 << 16) | 50);
        b.put(50, "/tmp\0x".getBytes(StandardCharsets.US_ASCII), 0, 6);
        EventContext ctx = event(b.array());
        ctx.length = 56;
        vm.fire(probe, ctx);
        Map<List<Object>, Object> i = asMap(vm.state().entries(ints));
        assertEquals(-2L, i.get(List.of(0L)));
        assertEquals(254L, i.get(List.of(1L)));
        assertEquals(-3L, i.get(List.of(2L)));
        assertEquals(65533L, i.get(List.of(3L)));
        assertEquals(-4L, i.get(List.of(4L)));
        assertEquals(4294967292L, i.get(List.of(5L)));
        assertEquals(-5L, i.get(List.of(6L)));
        Map<List<Object>, Object> st = asMap(vm.state().entries(strs));
        assertEquals("abcdefgh", st.get(List.of(7L)), "a char[8] without NUL is read whole");
        assertEquals("/tmp", st.get(List.of(8L)), "a __data_loc string stops at its NUL");

        b.putInt(40, (30 << 16) | 52);
        vm.fire(probe, ctx);
        assertEquals("mp", asMap(vm.state().entries(strs)).get(List.of(8L)), "length clamped to the record");
        b.putInt(40, (4 << 16) | 60);
        vm.fire(probe, ctx);
        assertEquals("", asMap(vm.state().entries(strs)).get(List.of(8L)), "an offset past the record yields \"\"");
        assertTrue(vm.state().counters().isClean());
    }

    @Test
    void shortRecordsAreDroppedAndCounted() {
        ScriptBuilder s = new ScriptBuilder();
        int n = s.map("@n", COUNT, INT);
        int layout = s.layout(new EventLayout("syscalls:sys_enter_read", 32,
                List.of(new LayoutSlot("count", 24, 8, SlotKind.UNSIGNED))));
        ScriptBuilder.Code c = s.code();
        c.aggReg(n, c.field(0));
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_read", layout, c);
        Interpreter vm = interpreter(s);
        EventContext ctx = event(new byte[32]);
        ctx.length = 16;
        vm.fire(probe, ctx);
        ctx.length = 32;
        ctx.offset = 8;
        vm.fire(probe, ctx);
        ctx.offset = 0;
        vm.fire(probe, ctx);
        assertEquals(List.of(new MapEntry(List.of(), 1L)), vm.state().entries(n));
        assertEquals(List.of(2L), vm.state().counters().malformedRecords());
        vm.state().reportProblems();
        assertEquals("warning: tracepoint:syscalls:sys_enter_read: 2 records shorter than its format (32 bytes) dropped\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aFullMapDropsNewKeysAndSaysSo() {
        ScriptBuilder s = new ScriptBuilder();
        int bytes = s.map(MapDecl.of("@bytes", List.of(INT), SUM, INT, 2));
        ScriptBuilder.Code c = s.code();
        for (long k = 1; k <= 4; k++) {
            c.agg(bytes, 10, c.i(k));
        }
        c.agg(bytes, 5, c.i(1));
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals(Map.of(List.of(1L), 15L, List.of(2L), 10L), asMap(vm.state().entries(bytes)));
        assertEquals(2L, vm.state().counters().droppedUpdates().get(bytes));
        vm.state().reportProblems();
        assertEquals("warning: map @bytes was full (2 entries): 2 updates dropped; raise the limit with --map-capacity\n",
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void builtinsComeFromTheContextAndOptions() {
        ScriptBuilder s = new ScriptBuilder();
        int ints = s.map("@i", SCALAR, INT, STR);
        int strs = s.map("@s", SCALAR, STR, STR);
        int layout = s.layout(new EventLayout("sched:sched_switch", 8, List.of()));
        ScriptBuilder.Code c = s.code();
        for (Builtin b : Builtin.values()) {
            if (b.type() == INT) {
                c.set(ints, c.ctx(b), c.s(b.name()));
            } else {
                c.set(strs, c.ctx(b), c.s(b.name()));
            }
        }
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:sched:sched_switch", layout, c);
        Interpreter vm = interpreter(s);
        EventContext ctx = event(new byte[8]);
        ctx.pid = 10;
        ctx.tid = 11;
        ctx.cpu = 1;
        ctx.timeNanos = 5_000;
        byte[] comm = "bash\0junk".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(comm, 0, ctx.comm, 0, comm.length);
        ctx.commLength = comm.length;
        vm.fire(probe, ctx);
        assertEquals(Map.of(List.of("PID"), 10L, List.of("TID"), 11L, List.of("NSECS"), 5_000L, List.of("ELAPSED"), 4_000L,
                List.of("CPU"), 1L, List.of("CPID"), 77L), asMap(vm.state().entries(ints)));
        assertEquals(Map.of(List.of("COMM"), "bash", List.of("PROBE"), "tracepoint:sched:sched_switch", List.of("PROBEPROV"),
                "tracepoint", List.of("PROBEMOD"), "sched", List.of("PROBEFUNC"), "", List.of("PROBENAME"), "sched_switch"),
                asMap(vm.state().entries(strs)), "DTrace's four parts come from the attach point");
    }

    @Test
    void loopsRunTheirCountAndNest() {
        ScriptBuilder s = new ScriptBuilder();
        int n = s.map("@n", COUNT, INT, STR);
        ScriptBuilder.Code c = s.code();
        int outer = c.cb.beginLoop(3);
        int inner = c.cb.beginLoop(4);
        c.agg(n, 0, c.s("inner"));
        c.cb.endLoop(inner);
        c.agg(n, 0, c.s("outer"));
        c.cb.endLoop(outer);
        int never = c.cb.beginLoop(0);
        c.agg(n, 0, c.s("never"));
        c.cb.endLoop(never);
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals(Map.of(List.of("inner"), 12L, List.of("outer"), 3L), asMap(vm.state().entries(n)));
    }

    @Test
    void branchesStringsAndAbsentKeys() {
        ScriptBuilder s = new ScriptBuilder();
        int seen = s.map("@seen", SCALAR, STR, INT);
        int out = s.map("@out", SCALAR, INT, STR);
        ScriptBuilder.Code c = s.code();
        int absentStr = c.get(seen, c.i(9));
        int absentInt = c.get(out, c.s("nothing"));
        int a = c.s("abc");
        int copy = c.reg();
        c.cb.emit(Opcode.MOV, copy, a);
        int eq = c.op(Opcode.STR_EQ, copy, c.s("abc"));
        int ne = c.op(Opcode.STR_NE, copy, c.s("abd"));
        int skip = c.cb.jumpForward(Opcode.JZ, eq);
        c.set(out, ne, c.s("equal-and-different"));
        c.cb.land(skip);
        int taken = c.cb.jumpForward(Opcode.JNZ, eq);
        c.set(out, c.i(1), c.s("not reached"));
        c.cb.land(taken);
        c.set(out, c.op(Opcode.ADD, absentInt, c.i(1)), c.s("absent+1"));
        c.set(seen, absentStr, c.i(0));
        c.set(seen, copy, c.i(1));
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals(Map.of(List.of("equal-and-different"), 1L, List.of("absent+1"), 1L), asMap(vm.state().entries(out)));
        assertEquals(Map.of(List.of(0L), "", List.of(1L), "abc"), asMap(vm.state().entries(seen)));
    }

    @Test
    void truncKeepsTheLargestEntries() {
        ScriptBuilder s = new ScriptBuilder();
        int m = s.map("@m", SUM, INT, INT);
        ScriptBuilder.Code c = s.code();
        long[] values = {50, 10, 40, 20, 30};
        for (int k = 0; k < values.length; k++) {
            c.agg(m, values[k], c.i(k));
        }
        c.trunc(m, 2);
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals(Map.of(List.of(0L), 50L, List.of(2L), 40L), asMap(vm.state().entries(m)));
        assertEquals("@m[2]: 40\n@m[0]: 50\n", vm.state().renderMap(m));
    }

    @Test
    void maxOfNegativeValuesIsTheTrueMaximum() {
        ScriptBuilder s = new ScriptBuilder();
        int m = s.map("@m", MAX, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(m, -4);
        c.agg(m, -9);
        s.begin(c);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals("@m: -4\n", vm.state().renderMap(m));
    }

    @Test
    void endRunsEndProbesThenPrintsMapsButNotThreadLocals() {
        ScriptBuilder s = new ScriptBuilder();
        int b = s.map("@b", COUNT, INT);
        int ts = s.map(new MapDecl("self->ts", List.of(INT), SCALAR, INT, 0, 0, 0, 64, true));
        ScriptBuilder.Code begin = s.code();
        begin.agg(b, 0);
        begin.set(ts, begin.ctx(Builtin.NSECS), begin.ctx(Builtin.TID));
        s.begin(begin);
        ScriptBuilder.Code end = s.code();
        end.printf("bye %d\n", end.i(1));
        s.probe(ProbeKind.END, "END", -1, end);
        Interpreter vm = interpreter(s);
        vm.begin();
        assertEquals(1, vm.state().entries(ts).size());
        vm.end();
        assertEquals("bye 1\n\n\n@b: 1\n", out.toString(StandardCharsets.UTF_8));
    }
}
