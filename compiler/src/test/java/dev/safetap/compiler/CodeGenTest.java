package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SourcePosition;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The code each construct compiles to. */
class CodeGenTest {
    @Test
    void predicateJumpsToTheFinalReturn() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read /args->fd == 3/ { @[comm] = count(); }");
        assertEquals("""
                FIELD r0, f5
                CONST_INT r1, 3
                EQ r0, r0, r1
                JZ r0, +25
                CTX r2, 6
                CONST_INT r1, 1
                MAP_AGG m0, (r2), r1
                RET
                """, Scripts.code(p, 0));
        assertEquals(List.of(MapDecl.of("@", List.of(ValueType.STR), MapKind.COUNT, ValueType.INT, 4096)), p.maps());
        assertEquals(ProbeDecl.tracepoint("syscalls", "sys_enter_read", 0, 0), p.probes().get(0));
    }

    @Test
    void eventLayoutListsEveryFieldOfTheFormat() {
        Program p = Scripts.compile("tracepoint:sched:sched_process_exec { printf(\"%s\\n\", str(args->filename)); }");
        assertEquals("sched:sched_process_exec", p.layouts().get(0).name());
        assertEquals(20, p.layouts().get(0).recordSize());
        assertEquals("[LayoutSlot[name=common_type, offset=0, size=2, kind=UNSIGNED], "
                + "LayoutSlot[name=common_flags, offset=2, size=1, kind=UNSIGNED], "
                + "LayoutSlot[name=common_preempt_count, offset=3, size=1, kind=UNSIGNED], "
                + "LayoutSlot[name=common_pid, offset=4, size=4, kind=SIGNED], "
                + "LayoutSlot[name=filename, offset=8, size=4, kind=DATA_LOC], "
                + "LayoutSlot[name=pid, offset=12, size=4, kind=SIGNED], "
                + "LayoutSlot[name=old_pid, offset=16, size=4, kind=SIGNED]]", p.layouts().get(0).slots().toString());
        assertEquals("FIELD_STR r0, f4\nPRINTF s0, (r0)\nRET\n", Scripts.code(p, 0));
    }

    @Test
    void integerArraysBecomeOneSlotPerElementAndCharArraysAreStrings() {
        Program p = Scripts.compile("tracepoint:raw_syscalls:sys_enter { @[args->args[2]] = count(); } "
                + "tracepoint:sched:sched_switch { @c[args->next_comm] = count(); }");
        assertTrue(p.layouts().get(0).slots().toString().contains("LayoutSlot[name=args[2], offset=32, size=8, kind=UNSIGNED]"));
        int comm = p.layouts().get(1).slotIndex("next_comm");
        assertEquals("LayoutSlot[name=next_comm, offset=40, size=16, kind=CHARS]", p.layouts().get(1).slots().get(comm).toString());
        assertTrue(Scripts.code(p, 0).startsWith("FIELD r0, f" + p.layouts().get(0).slotIndex("args[2]")));
        assertTrue(Scripts.code(p, 1).startsWith("FIELD_STR r0, f" + comm));
    }

    @Test
    void probesWithTheSameFormatShareOneActionAndLayout() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_write { @[args->fd] = count(); }");
        assertEquals(1, p.actions().size());
        assertEquals(1, p.layouts().size());
        assertEquals(0, p.probes().get(1).action());
        assertEquals(0, p.probes().get(1).layout());
    }

    @Test
    void probesWithDifferentFormatsGetOneActionEach() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_close { @[args->fd] = count(); }");
        assertEquals(2, p.actions().size());
        assertEquals(2, p.layouts().size());
        assertEquals("FIELD r0, f5\nCONST_INT r1, 1\nMAP_AGG m0, (r0), r1\nRET\n", Scripts.code(p, 0));
        assertEquals(1, p.probes().get(1).action());
    }

    @Test
    void anActionReadingNoFieldServesEveryFormat() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_* { @[probe] = count(); }");
        assertEquals(1, p.actions().size());
        assertEquals("CTX r0, 7\nCONST_INT r1, 1\nMAP_AGG m0, (r0), r1\nRET\n", Scripts.code(p, 0));
        assertEquals(15, p.probes().size());
        assertTrue(p.probes().stream().allMatch(pr -> pr.action() == 0 && pr.layout() >= 0));
        assertEquals(13, p.layouts().size());
    }

    @Test
    void probeBuiltinIsAConstantForASingleProbe() {
        Program p = Scripts.compile("BEGIN { printf(\"%s\\n\", probe); }");
        assertEquals("CONST_STR r0, s0\nPRINTF s1, (r0)\nRET\n", Scripts.code(p, 0));
        assertEquals("BEGIN", p.strings().get(0));
    }

    @Test
    void stringComparisonUsesStringOpcodes() {
        Program p = Scripts.compile("BEGIN /comm != \"sh\"/ { $e = comm == \"bash\"; }");
        String code = Scripts.code(p, 0);
        assertTrue(code.contains("STR_NE r3, r1, r2"), code);
        assertTrue(code.contains("STR_EQ r3, r1, r2"), code);
    }

    @Test
    void logicalOperatorsShortCircuit() {
        Program p = Scripts.compile("BEGIN { $x = pid > 1 && tid > 2; }");
        assertEquals("""
                CONST_INT r0, 0
                CTX r2, 0
                CONST_INT r3, 1
                GT r2, r2, r3
                JZ r2, +44
                CTX r2, 1
                CONST_INT r3, 2
                GT r2, r2, r3
                JZ r2, +21
                CONST_INT r1, 1
                JMP +15
                CONST_INT r1, 0
                MOV r0, r1
                RET
                """, Scripts.code(p, 0));
    }

    @Test
    void ifElseChains() {
        Program p = Scripts.compile("BEGIN { if (pid) { @a = 1; } else if (tid) { @b = 2; } else { @c = 3; } }");
        assertEquals("""
                CTX r0, 0
                JZ r0, +26
                CONST_INT r0, 1
                MAP_SET m0, (), r0
                JMP +49
                CTX r0, 1
                JZ r0, +26
                CONST_INT r0, 2
                MAP_SET m1, (), r0
                JMP +20
                CONST_INT r0, 3
                MAP_SET m2, (), r0
                RET
                """, Scripts.code(p, 0));
    }

    @Test
    void temporariesNeverOverwriteLocals() {
        Program p = Scripts.compile("BEGIN { $x = 7; if ($x) { $y = 1 + 2; } printf(\"%d\\n\", $x); }");
        assertEquals("""
                CONST_INT r0, 0
                CONST_INT r1, 0
                CONST_INT r2, 7
                MOV r0, r2
                JZ r0, +33
                CONST_INT r2, 1
                CONST_INT r3, 2
                ADD r2, r2, r3
                MOV r1, r2
                PRINTF s0, (r0)
                RET
                """, Scripts.code(p, 0));
    }

    @Test
    void compoundAssignmentAndIncrementOfMaps() {
        Program p = Scripts.compile("BEGIN { @x[pid] += 5; @y++; }");
        assertEquals("""
                CTX r0, 0
                MAP_GET r1, m0, (r0)
                CONST_INT r2, 5
                ADD r1, r1, r2
                MAP_SET m0, (r0), r1
                MAP_GET r0, m1, ()
                CONST_INT r1, 1
                ADD r2, r0, r1
                MAP_SET m1, (), r2
                RET
                """, Scripts.code(p, 0));
    }

    @Test
    void threadLocalIsATidKeyedMapAndZeroDeletes() {
        Program p = Scripts.compile("BEGIN { self->ts = nsecs; } END { self->ts = 0; }");
        assertEquals(new MapDecl("self->ts", List.of(ValueType.INT), MapKind.SCALAR, ValueType.INT, 0, 0, 0, 4096, true), p.maps().get(0));
        assertEquals("""
                CTX r0, 1
                CTX r1, 2
                JNZ r1, +16
                MAP_DEL m0, (r0)
                JMP +11
                MAP_SET m0, (r0), r1
                RET
                """, Scripts.code(p, 0));
        assertEquals("CTX r0, 1\nMAP_DEL m0, (r0)\nRET\n", Scripts.code(p, 1));
    }

    @Test
    void aggregationsDeclareTheirKinds() {
        Program p = Scripts.compile("BEGIN { @c = count(); @s = sum(1); @a = avg(1); @mn = min(1); @mx = max(1); @st = stats(1); "
                + "@h = hist(1); @l = lhist(1, 0, 100, 10); }");
        assertEquals(List.of(MapKind.COUNT, MapKind.SUM, MapKind.AVG, MapKind.MIN, MapKind.MAX, MapKind.STATS, MapKind.HIST, MapKind.LHIST),
                p.maps().stream().map(MapDecl::kind).toList());
        MapDecl l = p.maps().get(7);
        assertEquals(List.of(0L, 100L, 10L), List.of(l.lhistMin(), l.lhistMax(), l.lhistStep()));
    }

    @Test
    void mapOutputFunctions() {
        Program p = Scripts.compile("BEGIN { @m[1] = count(); print(@m); print(@m, 5, 1000); clear(@m); zero(@m); trunc(@m, 2); "
                + "delete(@m[1]); print(42); time(); exit(); }");
        assertEquals("""
                CONST_INT r0, 1
                CONST_INT r1, 1
                MAP_AGG m0, (r0), r1
                MAP_PRINT m0, 0, 0
                MAP_PRINT m0, 5, 1000
                MAP_CLEAR m0
                MAP_ZERO m0
                MAP_TRUNC m0, 2
                CONST_INT r0, 1
                MAP_DEL m0, (r0)
                CONST_INT r0, 42
                PRINT_VAL r0
                TIME s0
                EXIT
                RET
                RET
                """, Scripts.code(p, 0));
        assertEquals("%H:%M:%S\n", p.strings().get(0));
    }

    @Test
    void statementsAfterExitAreNotCompiled() {
        Program p = Scripts.compile("BEGIN { exit(); printf(\"never\\n\"); }");
        assertEquals("EXIT\nRET\nRET\n", Scripts.code(p, 0));
    }

    @Test
    void positionalParameters() {
        Program p = Scripts.compile("BEGIN { printf(\"%d %s %d %s %d\\n\", $1, $2, $3, str($3), $#); }",
                Scripts.options(List.of("0x10", "name")));
        assertEquals("""
                CONST_INT r0, 16
                CONST_STR r1, s0
                CONST_INT r2, 0
                CONST_STR r3, s1
                CONST_INT r4, 2
                PRINTF s2, (r0, r1, r2, r3, r4)
                RET
                """, Scripts.code(p, 0));
        assertEquals(List.of("name", "", "%d %s %d %s %d\n"), p.strings());
    }

    @Test
    void intervalsAndEndProbes() {
        Program p = Scripts.compile("interval:ms:250 { @x = 1; } END { print(@x); } i:s:2 { } interval:hz:4 { }");
        assertEquals(ProbeDecl.interval("interval:ms:250", 250_000_000L, 0), p.probes().get(0));
        assertEquals(ProbeDecl.end(1), p.probes().get(1));
        assertEquals(ProbeDecl.interval("interval:s:2", 2_000_000_000L, 2), p.probes().get(2));
        assertEquals(250_000_000L, p.probes().get(3).period());
    }

    @Test
    void lineTableMapsInstructionsToTheirSource() {
        Program p = Scripts.compile("BEGIN {\n  $x = 1;\n  printf(\"%d\\n\", $x);\n}");
        DebugInfo d = p.debug();
        assertEquals("test.bt", d.sourceName());
        assertEquals("BEGIN {\n  $x = 1;\n  printf(\"%d\\n\", $x);\n}", d.sourceText());
        String code = Scripts.code(p, 0);
        assertEquals("CONST_INT r0, 0\nCONST_INT r1, 1\nMOV r0, r1\nPRINTF s0, (r0)\nRET\n", code);
        assertEquals(new SourcePosition(2, 8), d.positionOf(0, 10));
        assertEquals(new SourcePosition(3, 3), d.positionOf(0, 23));
    }

    @Test
    void ternaryAndUnaryOperators() {
        Program p = Scripts.compile("BEGIN { $s = pid ? \"a\" : \"b\"; $n = -pid + ~tid + !cpu; }");
        String code = Scripts.code(p, 0);
        assertTrue(code.contains("NEG r"), code);
        assertTrue(code.contains("BNOT r"), code);
        assertTrue(code.contains("LNOT r"), code);
        assertTrue(code.contains("CONST_STR r2, s1\nMOV r2, r2") || code.contains("MOV r2, r"), code);
    }

    @Test
    void tooManyRegistersIsACompileError() {
        String rendered = Scripts.errors("BEGIN { " + IntStream.range(0, 256).mapToObj(i -> "$v" + i + " = " + i + ";").collect(Collectors.joining(" ")) + " }");
        assertTrue(rendered.contains("registers; at most 255 are available"), rendered);
    }

    @Test
    void mapCapacityComesFromTheOptions() {
        Program p = Compiler.compile("t.bt", "BEGIN { @x = 1; }", new CompileOptions(null, List.of(), 77));
        assertEquals(77, p.maps().get(0).capacity());
        assertNotEquals(0, p.actions().get(0).registers());
    }
}
