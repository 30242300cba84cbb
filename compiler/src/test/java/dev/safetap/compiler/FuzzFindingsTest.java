package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Program;
import dev.safetap.verifier.Verifier;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.Interpreter;
import dev.safetap.vm.MapEntry;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Scripts the fuzz program generator found compiling to code the verifier rejected, one per kind of
 * rejection. Each must now compile to a program the verifier accepts ({@link Scripts#compile}
 * verifies) and, where the fix could change what the script does, behave as bpftrace does.
 */
class FuzzFindingsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Interpreter interpreter(Program p) {
        return new Interpreter(Verifier.verify(p), new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), System.nanoTime(), 0));
    }

    private String begin(String source) {
        interpreter(Scripts.compile(source)).begin();
        return out.toString(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // a string temporary before the loop, an integer one in its body
        "tracepoint:sched:sched_process_fork { @m1[nsecs, cpid] = comm; unroll(4) { if (1) { @hist0[2,0] = hist(0); } "
                + "else { @avg2[64, elapsed] = avg(args->child_pid); } } }",
        "tracepoint:syscalls:sys_enter_openat { @m0[\"a\", probe] = comm; unroll(1) { $v2 = 0; } }",
        // an integer temporary before the loop, a string one in its body
        "tracepoint:sched:sched_switch { if (cpu) { } else { unroll(3) { printf(\"a0=%-4s\\n\", \"bash\"); } } }",
        // an integer before the loop, a string on one branch of the body
        "tracepoint:syscalls:sys_exit_read /(tid != nsecs)/ { unroll(2) { if ((\"bash\" == comm)) { } else { "
                + "@m0 = (args->__syscall_nr >> cpu); } } }",
        // a string before the loop, an integer on one branch of the body
        "tracepoint:syscalls:sys_enter_read { @m0[args.buf, nsecs] = 0; self->t0 = 0; } END { @m3 = cpu; @count4 = count(); "
                + "$v415 = @m0[self->t0, 0]; printf(\"a0=%x a1=%s a2=%10s\\n\", @count4, comm, probe); "
                + "unroll(1) { if ($v415) { self->t1 = @m0[@m3, 1000]; } } }",
        "BEGIN { $v27 = (64 ? 1 : 7); for ($i28 = 0; $i28 < 4; $i28 += 2) { if (0) { printf(\"%d %s\\n\", 1000, probe); } } }",
    })
    void loopBodiesKeepTheTypeOfEveryRegister(String source) {
        Scripts.compile(source);
    }

    @Test
    void aStringTemporaryBeforeALoopDoesNotDisturbIntegersInside() {
        assertEquals("14 b\n", begin("BEGIN { @m[\"a\"] = \"b\"; unroll(2) { $v = 7; @n += $v; } printf(\"%d %s\\n\", @n, @m[\"a\"]); }"));
    }

    @Test
    void anIntegerTemporaryBeforeALoopDoesNotDisturbStringsInside() {
        assertEquals("hi 5\nhi 5\nhi 5\n", begin("BEGIN { @n = 5; unroll(3) { printf(\"%s %d\\n\", \"hi\", @n); } }"));
    }

    @Test
    void aBranchInsideALoopMayUseAnotherTypeThanTheCodeBeforeIt() {
        assertEquals("yes\nyes\n3\n", begin("BEGIN { @n = 5; @s = \"x\"; $c = 0; unroll(2) { if (@n) { printf(\"%s\\n\", \"yes\"); } "
                + "if ($c) { @n = 1; } } printf(\"%d\\n\", @n - 2); }"));
    }

    @Test
    void exitInsideALoopStopsTheActionThere() {
        Interpreter vm = interpreter(Scripts.compile(
                "BEGIN { for ($i = 0; $i < 5; $i++) { printf(\"%d\\n\", $i); if ($i == 2) { exit(); } } printf(\"after\\n\"); }"));
        vm.begin();
        assertEquals("0\n1\n2\n", out.toString(StandardCharsets.UTF_8));
        assertTrue(vm.exitRequested());
    }

    @Test
    void exitAsTheWholeLoopBodyRunsOnce() {
        Interpreter vm = interpreter(Scripts.compile("BEGIN { for ($i = 0; $i < 2; $i += 1) { @runs++; exit(); } @after = 1; }"));
        vm.begin();
        assertTrue(vm.exitRequested());
        assertEquals(List.of(new MapEntry(List.of(), 1L)), vm.state().entries(0));
        assertEquals(List.of(), vm.state().entries(1));
    }

    @Test
    void exitOnOneBranchOfAnUnrolledBodyLeavesTheOtherRunning() {
        Interpreter vm = interpreter(Scripts.compile("BEGIN { unroll(3) { if (0) { exit(); } else { @n++; } } }"));
        vm.begin();
        assertFalse(vm.exitRequested());
        assertEquals(List.of(new MapEntry(List.of(), 3L)), vm.state().entries(0));
    }

    @Test
    void aLocalReadOnOnlySomePathsIsAssignedOnAll() {
        Interpreter vm = interpreter(Scripts.compile("tracepoint:task:task_rename { $v = 2; if ($v) { printf(\"a0=%s\\n\", args->newcomm); } "
                + "if (0) { if (elapsed) { @m3 = $v; } } }"));
        ByteBuffer record = ByteBuffer.allocate(46).order(ByteOrder.LITTLE_ENDIAN);
        record.put(28, "renamed".getBytes(StandardCharsets.US_ASCII));
        EventContext ctx = new EventContext();
        ctx.record = record;
        ctx.length = 46;
        vm.fire(0, ctx);
        assertEquals("a0=renamed\n", out.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), vm.state().entries(0));
    }

    @Test
    void anAggregationInsideALoopGetsAnIntegerValue() {
        Interpreter vm = interpreter(Scripts.compile("BEGIN { $v = 0; for ($i = 0; $i < 2; $i += 1) { if ($v) { } else { "
                + "@count1 = count(); @max2[\"k\", @count1] = max($v + 9); } } }"));
        vm.begin();
        assertEquals(List.of(new MapEntry(List.of(), 2L)), vm.state().entries(0));
        assertEquals(Set.of(new MapEntry(List.of("k", 1L), 9L), new MapEntry(List.of("k", 2L), 9L)), Set.copyOf(vm.state().entries(1)));
    }
}
