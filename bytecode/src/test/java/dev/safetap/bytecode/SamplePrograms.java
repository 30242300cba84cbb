package dev.safetap.bytecode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

/** A program with every header table filled and every opcode used, and a structural comparison. */
final class SamplePrograms {
    private SamplePrograms() {
    }

    static Program everyTable() {
        CodeBuilder b = new CodeBuilder();
        b.mark(2, 5);
        b.emit(Opcode.NOP);
        b.emit(Opcode.CONST_INT, 0, -42);
        b.emit(Opcode.CONST_STR, 1, 0);
        b.emit(Opcode.MOV, 2, 0);
        for (Opcode op : Opcode.values()) {
            if (op.operands().equals(List.of(OperandKind.REG, OperandKind.REG, OperandKind.REG))) {
                b.emit(op, 3, 0, 2);
            } else if (op.operands().equals(List.of(OperandKind.REG, OperandKind.REG)) && op != Opcode.MOV) {
                b.emit(op, 3, 0);
            }
        }
        b.mark(3, 1);
        int skip = b.jumpForward(Opcode.JZ, 0);
        int over = b.jumpForward(Opcode.JNZ, 0);
        b.land(skip);
        int jmp = b.jumpForward(Opcode.JMP, 0);
        b.land(over);
        b.land(jmp);
        int loop = b.beginLoop(3);
        b.emit(Opcode.FIELD, 4, 0);
        b.emit(Opcode.FIELD_STR, 5, 1);
        b.endLoop(loop);
        b.emit(Opcode.CTX, 6, Builtin.COMM.code());
        b.emitRegs(Opcode.MAP_GET, new int[] {0, 1}, 7, 0, 0);
        b.emitRegs(Opcode.MAP_SET, new int[] {0, 1}, 0, 0, 7);
        b.emitRegs(Opcode.MAP_DEL, new int[] {0, 1}, 0, 0);
        b.emitRegs(Opcode.MAP_AGG, new int[] {}, 1, 0, 0);
        b.emit(Opcode.MAP_CLEAR, 0);
        b.emit(Opcode.MAP_ZERO, 1);
        b.emit(Opcode.MAP_PRINT, 1, 10, 2);
        b.emit(Opcode.MAP_TRUNC, 1, 5);
        b.emitRegs(Opcode.PRINTF, new int[] {0, 1}, 1, 0);
        b.emit(Opcode.PRINT_VAL, 0);
        b.emit(Opcode.TIME, 2);
        b.emit(Opcode.EXIT);
        b.emit(Opcode.RET);
        CodeBuilder end = new CodeBuilder();
        end.emit(Opcode.RET);
        return new Program(
                List.of("comm \"quoted\"\n\ttab ; semi", "%d %s\n", "%H:%M:%S\n", "\u00e9\u0001"),
                List.of(new EventLayout("syscalls:sys_enter_openat", 48, List.of(
                                new LayoutSlot("dfd", 16, 8, SlotKind.SIGNED),
                                new LayoutSlot("filename", 24, 4, SlotKind.DATA_LOC),
                                new LayoutSlot("flags", 32, 8, SlotKind.UNSIGNED))),
                        new EventLayout("sched:sched_switch", 64, List.of(new LayoutSlot("prev_comm", 8, 16, SlotKind.CHARS)))),
                List.of(MapDecl.of("@x", List.of(ValueType.INT, ValueType.STR), MapKind.SCALAR, ValueType.INT, 100),
                        new MapDecl("@h", List.of(), MapKind.LHIST, ValueType.INT, -10, 100, 5, 4096, false),
                        new MapDecl("self->ts", List.of(ValueType.INT), MapKind.SCALAR, ValueType.STR, 0, 0, 0, 8, true)),
                List.of(ProbeDecl.tracepoint("syscalls", "sys_enter_openat", 0, 0),
                        ProbeDecl.begin(1),
                        ProbeDecl.interval("interval:s:1", 1_000_000_000L, 1),
                        new ProbeDecl(ProbeKind.UPROBE, "uprobe:/bin/bash:readline", new AttachPoint("/bin/bash", "readline", 4), 0, -1, 1),
                        ProbeDecl.end(1)),
                List.of(b.build(9), end.build(0)),
                new DebugInfo("open.bt", "BEGIN {}\n  @x = 1;\nexit()\n", b.lines(0)));
    }

    /** Asserts two programs are equal in every header table, action and (if {@code withDebug}) the debug section. */
    static void assertSameProgram(Program expected, Program actual, boolean withDebug) {
        assertEquals(expected.strings(), actual.strings());
        assertEquals(expected.layouts(), actual.layouts());
        assertEquals(expected.maps(), actual.maps());
        assertEquals(expected.probes(), actual.probes());
        assertEquals(expected.actions().size(), actual.actions().size());
        for (int i = 0; i < expected.actions().size(); i++) {
            assertEquals(expected.actions().get(i).registers(), actual.actions().get(i).registers());
            assertArrayEquals(expected.actions().get(i).code(), actual.actions().get(i).code(), "code of action " + i);
        }
        assertEquals(expected.debug().sourceName(), actual.debug().sourceName());
        if (withDebug) {
            assertEquals(expected.debug(), actual.debug());
        }
    }
}
