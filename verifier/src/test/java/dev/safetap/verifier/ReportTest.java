package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
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
                + "\"action\":0,\"worstCaseInstructions\":20,\"fieldsRead\":[\"dfd\",\"filename\"],\"mapsRead\":[\"@bytes\"],"
                + "\"mapsWritten\":[\"@bytes\"],\"outputs\":[\"printf(\\\"%s %d\\\\n\\\")\"]}],\"maps\":[{\"name\":\"@bytes\",\"kind\":\"sum\","
                + "\"keyTypes\":[\"str\"],\"value\":\"sum\",\"capacity\":1024,\"threadLocal\":false,\"bytesPerEntry\":72,"
                + "\"memoryBytes\":73728}],\"totalMemoryBytes\":73728}", r.toJson());
        assertEquals("""
                probes: 1
                  tracepoint:syscalls:sys_enter_openat  (action 0)
                    worst case: 20 instructions per firing (budget 1000000)
                    fields read: dfd, filename
                    maps read: @bytes
                    maps written: @bytes
                    output: printf("%s %d\\n")
                maps: 1
                  @bytes  sum  keys (str)  capacity 1024  72 bytes/entry  max 72.0 KiB (73728 B)
                memory bound: 72.0 KiB (73728 B)
                """, r.render());
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
}
