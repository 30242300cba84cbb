package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.Program;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.verifier.VerifyReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CheckedInterpreterTest {
    private static final String READ_LAYOUT = """
            .string 0 "fd=%d %s\\n"
            .layout 0 syscalls:sys_enter_read size 32
              .slot 0 fd offset 16 size 8 SIGNED
              .slot 1 name offset 24 size 4 DATA_LOC
            .map 0 bytes SUM keys(INT) value INT capacity 2
            .map 1 last SCALAR keys() value STR capacity 4
            .probe 0 TRACEPOINT tracepoint:syscalls:sys_enter_read attach "syscalls" "sys_enter_read" 0 layout 0 period 0 action 0
            """;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private VmOptions options(ByteArrayOutputStream to) {
        PrintStream s = new PrintStream(to, true, StandardCharsets.UTF_8);
        return new VmOptions(s, s, 0, 0);
    }

    /** A sys_enter_read record of 32 fixed bytes plus a data_loc string. */
    private static EventContext event(long fd, String name, int pid) {
        byte[] payload = (name + "\0").getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(32 + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(16, fd);
        b.putInt(24, (payload.length << 16) | 32);
        b.put(32, payload);
        EventContext ctx = new EventContext();
        ctx.record = b;
        ctx.length = b.limit();
        ctx.pid = pid;
        ctx.tid = pid;
        return ctx;
    }

    @Test
    void agreesWithTheInterpreterAndCountsInstructionsExactly() {
        String text = READ_LAYOUT + """
                .action 0 registers 4
                  FIELD r0, f0
                  FIELD_STR r1, f1
                  PRINTF s0, (r0, r1)
                  CONST_INT r2, 3
                  LOOP 2, +15
                  MAP_AGG m0, (r0), r2
                  ENDLOOP
                  MAP_SET m1, (), r1
                  DIV r3, r2, r0
                  RET
                """;
        VerifiedProgram verified = Verifier.verify(Assembler.assemble(text));
        ByteArrayOutputStream fastOut = new ByteArrayOutputStream();
        Interpreter fast = new Interpreter(verified, options(fastOut));
        CheckedInterpreter checked = new CheckedInterpreter(verified, options(out));
        long[] fds = {3, 0, 7, 3, 9, 11};
        for (long fd : fds) {
            fast.fire(0, event(fd, "file" + fd, 42));
            checked.fire(0, event(fd, "file" + fd, 42));
            assertEquals(1 + 1 + 1 + 1 + 1 + 2 * 2 + 1 + 1 + 1, checked.lastInstructions());
        }
        fast.end();
        checked.end();
        assertEquals(fastOut.toString(StandardCharsets.UTF_8), out.toString(StandardCharsets.UTF_8));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("fd=7 file7\n"));
        for (int m = 0; m < 2; m++) {
            assertEquals(new HashSet<>(fast.state().entries(m)), new HashSet<>(checked.state().entries(m)));
        }
        assertEquals(fast.state().counters(), checked.state().counters());
        assertEquals(1, checked.state().counters().divisionsByZero().size());
        assertEquals(6, checked.state().counters().droppedUpdates().get(0), "capacity 2: fds 7, 9 and 11 do not fit, each folded twice");
        assertTrue(checked.maxInstructions(0) <= verified.worstCaseInstructions(0));
        assertEquals(checked.instructionCount(0), checked.coveredInstructions(0));
    }

    @Test
    void coverageCountsOnlyTheInstructionsThatRan() {
        String text = READ_LAYOUT + """
                .action 0 registers 2
                  FIELD r0, f0
                  JZ r0, +22
                  CONST_INT r1, 1
                  MAP_AGG m0, (r0), r1
                  RET
                """;
        CheckedInterpreter checked = new CheckedInterpreter(Verifier.verify(Assembler.assemble(text)), options(out));
        checked.fire(0, event(0, "", 1));
        assertEquals(3, checked.coveredInstructions(0));
        assertEquals(5, checked.instructionCount(0));
        checked.fire(0, event(5, "", 1));
        assertEquals(5, checked.coveredInstructions(0));
    }

    @Test
    void shortRecordsAreDroppedBeforeAnyCheck() {
        String text = READ_LAYOUT + ".action 0 registers 1\n  FIELD r0, f0\n  RET\n";
        CheckedInterpreter checked = new CheckedInterpreter(Verifier.verify(Assembler.assemble(text)), options(out));
        EventContext ctx = event(1, "", 1);
        ctx.length = 20;
        checked.fire(0, ctx);
        assertEquals(1, checked.state().counters().totalMalformedRecords());
        assertEquals(0, checked.lastInstructions());
    }

    /** Programs the verifier would reject: each must trip the named run-time check. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "definite assignment    | MAP_AGG m0, (r0), r1",
        "register type          | FIELD_STR r0, f1;ADD r1, r0, r0",
        "register ids           | CONST_INT r7, 1",
        "forward jumps          | CONST_INT r0, 0;JZ r0, -10",
        "jump targets           | CONST_INT r0, 0;JZ r0, +3;CONST_INT r1, 5",
        "field ids              | FIELD r0, f9",
        "field types            | FIELD r0, f1",
        "record bounds          | FIELD r0, f2",
        "map ids                | CONST_INT r0, 1;MAP_AGG m5, (r0), r0",
        "map arity              | CONST_INT r0, 1;MAP_AGG m0, (r0, r0), r0",
        "map kind               | CONST_INT r0, 1;MAP_SET m0, (r0), r0",
        "string ids             | CONST_STR r0, s9",
        "builtin ids            | CTX r0, 200",
        "printf arguments       | PRINTF s0, ()",
        "loop structure         | ENDLOOP",
        "bounded work           | LOOP 100, +10;NOP;ENDLOOP",
        "control flow           | NOP",
        "canonical encoding     | .byte 0xff",
    })
    void eachBrokenPropertyIsCaught(String property, String code) {
        String text = READ_LAYOUT.replace("size 4 DATA_LOC", "size 4 DATA_LOC\n  .slot 2 past offset 32 size 8 SIGNED")
                .replace("size 32", "size 36") + ".action 0 registers 4\n  " + String.join("\n  ", code.split(";")) + "\n"
                + (property.equals("control flow") || property.equals("canonical encoding") ? "" : "  RET\n");
        Program program = Assembler.assemble(text);
        CheckedInterpreter checked = CheckedInterpreter.ofUnverified(program, 50, options(out));
        EventContext ctx = event(1, "x", 1);
        ByteBuffer longer = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN).put(0, ctx.record, 0, 34);
        ctx.record = longer;
        ctx.length = 36;
        SafetyViolation v = assertThrows(SafetyViolation.class, () -> checked.fire(0, ctx));
        assertEquals(property.strip(), v.property(), v.getMessage());
        assertEquals(0, v.action());
    }

    /** A report that leaves out what a firing does trips the report check: the report must describe the bytecode. */
    @Test
    void aReportThatDoesNotListAnEffectIsCaught() {
        String text = READ_LAYOUT + ".map 2 @m COUNT keys() value INT capacity 4\n.action 0 registers 1\n  CONST_INT r0, 1\n"
                + "  MAP_AGG m2, (), r0\n  RET\n";
        Program program = Assembler.assemble(text);
        VerifyReport honest = Verifier.verify(program).report();
        VerifyReport.ProbeReport p = honest.probes().get(0);
        VerifyReport silent = new VerifyReport(List.of(new VerifyReport.ProbeReport(p.name(), p.attach(), p.nameAgrees(), p.period(),
                p.action(), p.worstCaseInstructions(), p.fieldsRead(), p.mapsRead(), List.of(), p.outputs())), honest.maps(),
                honest.totalMemoryBytes(), honest.memoryBudgetBytes());
        CheckedInterpreter.ofUnverified(program, 50, honest, options(out)).fire(0, event(1, "x", 1));
        SafetyViolation v = assertThrows(SafetyViolation.class,
                () -> CheckedInterpreter.ofUnverified(program, 50, silent, options(out)).fire(0, event(1, "x", 1)));
        assertEquals("report", v.property());
        assertTrue(v.getMessage().contains("MAP_AGG did MAP_WRITE @m, which the report of tracepoint:syscalls:sys_enter_read does not list"),
                v.getMessage());
    }
}
