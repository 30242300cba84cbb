package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReportTest {

    @Test
    void reportListsFieldsMapsOutputsAndMemory() {
        VerifyReport r = Verifier.verify(RobustnessTest.valid()).report();
        VerifyReport.ProbeReport p = r.probes().get(0);
        assertEquals("tracepoint:syscalls:sys_enter_openat", p.name());
        // FIELD, FIELD_STR, CONST_INT, JZ, LOOP, 4 x (ADD, MAP_AGG, ENDLOOP), MAP_GET, PRINTF, RET
        assertEquals(3 + 1 + 1 + 4 * 3 + 3, p.worstCaseInstructions());
        assertEquals(List.of("dfd", "filename"), p.fieldsRead());
        assertEquals(List.of("@bytes"), p.mapsRead());
        assertEquals(List.of("@bytes"), p.mapsWritten());
        assertEquals(List.of("printf(\"%s %d\\n\")"), p.outputs());
        VerifyReport.MapReport m = r.maps().get(0);
        assertEquals(64 + 8, m.bytesPerEntry());
        assertEquals(1024L * 72, m.memoryBytes());
        assertEquals(1024L * 72, r.totalMemoryBytes());
        assertEquals("{\"schema\":\"safetap-verify/1\",\"instructionBudget\":1000000,\"probes\":[{\"name\":\"tracepoint:syscalls:sys_enter_openat\","
                + "\"attach\":\"tracepoint:syscalls:sys_enter_openat\",\"period\":0,\"action\":0,\"worstCaseInstructions\":20,\"fieldsRead\":[\"dfd\",\"filename\"],\"mapsRead\":[\"@bytes\"],"
                + "\"mapsWritten\":[\"@bytes\"],\"outputs\":[\"printf(\\\"%s %d\\\\n\\\")\"],\"kernel\":[],\"stacks\":[],"
                + "\"order\":\"time\",\"orderReason\":\"it reads @bytes\"}],\"maps\":[{\"name\":\"@bytes\",\"kind\":\"sum\","
                + "\"keyTypes\":[\"str\"],\"value\":\"sum\",\"capacity\":1024,\"threadLocal\":false,\"bytesPerEntry\":72,"
                + "\"memoryBytes\":73728}],\"totalMemoryBytes\":73728,\"memoryBudgetBytes\":1073741824}", r.toJson());
        assertEquals("""
                probes: 1
                  tracepoint:syscalls:sys_enter_openat  (action 0)
                    worst case: 20 instructions per firing (budget 1000000)
                    fields read: dfd, filename
                    maps read: @bytes
                    maps written: @bytes
                    output: printf("%s %d\\n")
                    order: time (it reads @bytes)
                maps: 1
                  @bytes  sum  keys (str)  capacity 1024  72 bytes/entry  max 72.0 KiB (73728 B)
                memory bound: 72.0 KiB (73728 B) of a budget of 1.0 GiB (1073741824 B)
                """, r.render());
    }

    @Test
    void tracepointsOutsideSyscallsListTheRecordCopyAsWhatRunsInTheKernel() {
        List<String> none = List.of();
        assertEquals(List.of("record copy"), new VerifyReport.ProbeReport("tracepoint:irq:softirq_entry",
                "tracepoint:irq:softirq_entry", true, 0, 0, 1, none, none, none, none).kernel());
        assertEquals(none, new VerifyReport.ProbeReport("tracepoint:syscalls:sys_enter_read",
                "tracepoint:syscalls:sys_enter_read", true, 0, 0, 1, none, none, none, none).kernel());
        assertEquals(none, new VerifyReport.ProbeReport("interval:s:1", "interval:s:1", true, 1_000_000_000L, 0, 1, none,
                none, none, none).kernel());
    }

    @Test
    void aggregationEntrySizes() {
        List<MapDecl> maps = List.of(
                MapDecl.of("@c", List.of(ValueType.INT, ValueType.INT), MapKind.COUNT, ValueType.INT, 10),
                MapDecl.of("@a", List.of(), MapKind.AVG, ValueType.INT, 1),
                MapDecl.of("@h", List.of(), MapKind.HIST, ValueType.INT, 2),
                new MapDecl("@l", List.of(), MapKind.LHIST, ValueType.INT, 0, 100, 10, 1, false),
                new MapDecl("self->s", List.of(ValueType.INT), MapKind.SCALAR, ValueType.STR, 0, 0, 0, 100, true));
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.RET);
        VerifyReport r = Verifier.verify(new Program(List.of(), List.of(), maps, List.of(ProbeDecl.end(0)), List.of(b.build(0)),
                DebugInfo.NONE)).report();
        assertEquals(List.of(24L, 16L, 66 * 8L, 12 * 8L, 72L), r.maps().stream().map(VerifyReport.MapReport::bytesPerEntry).toList());
        assertEquals(10 * 24 + 16 + 528 + 96 + 100 * 72, r.totalMemoryBytes(), "a map without keys holds one entry");
        assertEquals("lhist(0, 100, 10)", r.maps().get(3).value());
    }

    @Test
    void sharedActionIsCheckedAgainstEveryProbeLayout() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.FIELD, 0, 1);
        b.emit(Opcode.RET);
        EventLayout read = new EventLayout("syscalls:sys_enter_read", 40, List.of(
                new LayoutSlot("fd", 16, 8, SlotKind.SIGNED), new LayoutSlot("count", 32, 8, SlotKind.UNSIGNED)));
        EventLayout open = new EventLayout("syscalls:sys_enter_openat", 48, List.of(
                new LayoutSlot("dfd", 16, 8, SlotKind.SIGNED), new LayoutSlot("filename", 24, 4, SlotKind.DATA_LOC)));
        ProbeDecl onRead = ProbeDecl.tracepoint("syscalls", "sys_enter_read", 0, 0);
        ProbeDecl onOpen = ProbeDecl.tracepoint("syscalls", "sys_enter_openat", 1, 0);
        VerifyReport ok = Verifier.verify(new Program(List.of(), List.of(read), List.of(), List.of(onRead), List.of(b.build(1)),
                DebugInfo.NONE)).report();
        assertEquals(List.of("count"), ok.probes().get(0).fieldsRead());
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(new Program(List.of(), List.of(read, open),
                List.of(), List.of(onRead, onOpen), List.of(b.build(1)), DebugInfo.NONE)));
        assertEquals("action 0 pc 0: FIELD r0, f1: field filename of syscalls:sys_enter_openat is a string, but FIELD reads integers",
                e.diagnostic().message());
    }

    @Test
    void rejectionShowsTheSourceLineAndCaret() {
        CodeBuilder b = new CodeBuilder();
        b.mark(1, 1);
        b.emit(Opcode.CONST_INT, 0, 1);
        int skip = b.jumpForward(Opcode.JZ, 0);
        b.emit(Opcode.CONST_INT, 1, 2);
        b.land(skip);
        b.mark(2, 12);
        b.emit(Opcode.PRINT_VAL, 1);
        b.emit(Opcode.RET);
        String source = "BEGIN { if (1) { $x = 2; }\n  print($x); }\n";
        Program p = new Program(List.of(), List.of(), List.of(), List.of(ProbeDecl.begin(0)), List.of(b.build(2)),
                new DebugInfo("script.bt", source, b.lines(0)));
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(p));
        assertEquals("""
                script.bt:2:12: error: action 0 pc 26: PRINT_VAL r1: reads r1, which is not assigned on every path to this instruction
                      print($x); }
                               ^
                hint: assign the value before this point on every branch
                """, e.render());
    }

    @Test
    void headerRejectionHasNoPosition() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.RET);
        Program p = new Program(List.of(), List.of(), List.of(MapDecl.of("@m", List.of(), MapKind.COUNT, ValueType.INT, 0)),
                List.of(ProbeDecl.begin(0)), List.of(b.build(0)), new DebugInfo("s.bt", "BEGIN {}", List.of()));
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(p));
        assertEquals("s.bt: error: map 0 (@m): capacity 0 is outside 1..16777216\n", e.render());
    }

    /** The report says what a probe attaches to from its kind, attach point and period, whatever it is called. */
    @Test
    void whatAProbeDoesComesFromTheBytecodeNotItsName() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.RET);
        long twoYears = 2L * 365 * 24 * 3600 * 1_000_000_000L;
        List<ProbeDecl> probes = List.of(ProbeDecl.interval("interval:ms:300", 300_000_000L, 0),
                ProbeDecl.interval("interval:ms:1000", 1_000_000_000L, 0),
                ProbeDecl.interval("interval:hz:3", 333_333_333L, 0),
                ProbeDecl.interval("interval:ms:300", 72_576_000_000_000L, 0),
                new ProbeDecl(ProbeKind.TRACEPOINT, "BEGIN", AttachPoint.tracepoint("syscalls", "sys_enter_read"), 0, 0, 0),
                ProbeDecl.interval("tick\u001b[2J", 5_000_000L, 0));
        EventLayout read = new EventLayout("syscalls:sys_enter_read", 40, List.of());
        VerifyReport r = Verifier.verify(new Program(List.of(), List.of(read), List.of(), probes, List.of(b.build(0)), DebugInfo.NONE))
                .report();
        assertEquals(List.of("interval:ms:300", "interval:s:1", "interval:hz:3", "interval:s:72576", "tracepoint:syscalls:sys_enter_read",
                "interval:ms:5"), r.probes().stream().map(VerifyReport.ProbeReport::attach).toList());
        assertEquals(List.of(true, true, true, false, false, false), r.probes().stream().map(VerifyReport.ProbeReport::nameAgrees).toList());
        String text = r.render();
        assertTrue(text.contains("  interval:s:72576  (it calls itself interval:ms:300)  (action 0)\n"), text);
        assertTrue(text.contains("  tracepoint:syscalls:sys_enter_read  (it calls itself BEGIN)  (action 0)\n"), text);
        assertTrue(text.contains("  interval:ms:5  (it calls itself tick\\x1b[2J)  (action 0)\n"), text);
        assertTrue(text.contains("  interval:s:1  (action 0)\n"), text);
        VerifyException tooLong = assertThrows(VerifyException.class, () -> Verifier.verify(new Program(List.of(), List.of(), List.of(),
                List.of(ProbeDecl.interval("interval:ms:300", twoYears, 0)), List.of(b.build(0)), DebugInfo.NONE)));
        assertTrue(tooLong.render().contains("interval period of 63072000000000000 ns is outside 100000..31536000000000000 ns"),
                tooLong.render());
    }

    @Test
    void mapsOverTheMemoryBudgetAreRejectedWithTheNumberAndTheFlag() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.RET);
        List<MapDecl> maps = List.of(new MapDecl("@h", List.of(ValueType.INT), MapKind.LHIST, ValueType.INT, 0, 1000, 1, 4096, false));
        Program p = new Program(List.of(), List.of(), maps, List.of(ProbeDecl.begin(0)), List.of(b.build(0)), DebugInfo.NONE);
        assertEquals(4096L * (8 + 8 * 1002), Verifier.verify(p).report().totalMemoryBytes());
        VerifyException e = assertThrows(VerifyException.class, () -> Verifier.verify(p, 16L << 20));
        assertEquals("""
                <bytecode>: error: the maps of this program may take up to 31.3 MiB (32866304 B), over the memory budget of 16.0 MiB (16777216 B)
                hint: raise the budget with --memory, or lower --map-capacity (now 4096)
                """, e.render());
    }
}
