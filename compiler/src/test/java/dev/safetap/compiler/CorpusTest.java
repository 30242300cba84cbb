package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.safetap.bytecode.Program;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scripts covering every construct: each compiles, round-trips through the codec and is accepted by the verifier. */
class CorpusTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "BEGIN { printf(\"hello\\n\"); }",
        "#!/usr/bin/env safetap\nBEGIN { } END { }",
        "BEGIN { printf(\"%d %s %lu\\n\", $#, execname, timestamp); }",
        "tracepoint:syscalls:sys_enter_mmap { @[arg0, arg1, arg2, arg3, arg4, arg5] = count(); }",
        "tracepoint:syscalls:sys_enter_read /args->count > 100 && (comm == \"sh\" || pid == $1)/ { @big = count(); @last = args->count; @name = comm; }",
        "BEGIN { printf(\"hello\\n\") }",
        "tracepoint:syscalls:sys_enter_read { @reads[comm] = count(); }",
        "t:syscalls:sys_enter_read /pid == 42/ { @bytes[pid, comm] = sum(args->count); }",
        "tracepoint:syscalls:sys_exit_read /retval > 0/ { @sizes = hist(retval); @l = lhist(retval, 0, 1000, 100); }",
        "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }",
        "tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_write { @[probe] = count(); @fd[args->fd] = count(); }",
        "tracepoint:syscalls:sys_enter_read { self->ts = nsecs; } tracepoint:syscalls:sys_exit_read /self->ts/ { @ns = avg(nsecs - self->ts); self->ts = 0; }",
        "tracepoint:sched:sched_process_exec { printf(\"%s %d %s\\n\", comm, pid, str(args->filename)); }",
        "tracepoint:sched:sched_switch { @[args->prev_comm, args->next_comm] = count(); if (args->prev_state == 0) { @runnable++ } }",
        "BEGIN { $x = 1; $x += 2; $x <<= 1; $x++; --$x; $s = \"a\"; if ($s == \"a\" && $x > 2 || !$x) { print($x); } else if ($x) { print($s); } else { exit(); } }",
        "BEGIN { $i = 0; unroll(5) { $i++; } for ($j = 0; $j < 10; $j++) { @a[$j] = $j * 2; } for ($k = 1; $k <= 9; $k += 3) { @b += $k; } }",
        "interval:s:1 { print(@x); clear(@x); zero(@y); } BEGIN { @x[1] = count(); @y = sum(3); }",
        "interval:ms:100 { time(); time(\"%H\\n\"); } END { print(@c, 10); print(@c, 5, 1000); trunc(@c, 3); } BEGIN { @c[\"a\"] = count(); }",
        "BEGIN { @m[1] = 2; delete(@m[1]); @x = @m[1] + 1; printf(\"%d %d %d\\n\", cpu, cpid, elapsed); }",
        "BEGIN { @min = min(5); @max = max(-5); @stats = stats(7); @a = avg(1); printf(\"%d\\n\", @min + @max + @a); }",
        "tracepoint:syscalls:sys_enter_openat { printf(\"%d %d %x\\n\", arg0, arg2, args.flags); }",
        "BEGIN { $v = 1 ? 2 : 3; $w = (1 + 2) * 3 / 4 % 5 - -6; $b = ~7 & 8 | 9 ^ 10; printf(\"%d %d %d %s\\n\", $v, $w, $b, 1 > 2 ? \"x\" : \"y\"); }",
        "BEGIN { printf(\"%s %d\\n\", probe, 0x10); } END { printf(\"%s\\n\", execname); }",
        "tracepoint:raw_syscalls:sys_enter { @[args->id] = count(); @a = count(); }",
        "BEGIN { self->x = 5; self->x++; self->x += 1; @v = self->x; self->s = \"str\"; printf(\"%s\\n\", self->s); delete(self->x); }",
        "BEGIN { @q = quantize(5); @lq = lquantize(5, 0, 10, 1); printa(@q); exit(); printf(\"never\\n\"); }",
        "tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup { printf(\"%s\\n\", probe); }",
    })
    void compilesAndVerifies(String source) {
        Program p = Scripts.compile(source, Scripts.options(List.of("7", "name")));
        assertFalse(p.actions().isEmpty());
    }
}
