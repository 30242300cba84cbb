package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Program;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DTrace spellings compile to exactly the program of their bpftrace equivalents. */
class DtraceAliasTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "syscall::read:entry { @[execname] = count(); }|tracepoint:syscalls:sys_enter_read { @[comm] = count(); }",
        "syscall::read:return /arg0 < 0/ { @e = count(); }|tracepoint:syscalls:sys_exit_read /retval < 0/ { @e = count(); }",
        "syscall::*read*:entry { @[probe] = count(); }|tracepoint:syscalls:sys_enter_*read* { @[probe] = count(); }",
        "dtrace:::BEGIN { this->t = timestamp; printf(\"%d\\n\", this->t); }|BEGIN { $t = nsecs; printf(\"%d\\n\", $t); }",
        "dtrace:::END { printa(@q); } BEGIN { @q = quantize(1); }|END { print(@q); } BEGIN { @q = hist(1); }",
        "BEGIN { @l = lquantize(5, 0, 100, 10); }|BEGIN { @l = lhist(5, 0, 100, 10); }",
        "tick-1s { @n++; }|interval:s:1 { @n++; }",
        "tick-100ms { @n++; }|interval:ms:100 { @n++; }",
        "profile:::tick-5sec { exit(); }|interval:s:5 { exit(); }",
        "tick-2min { @n++; }|interval:s:120 { @n++; }",
        "tick-1000 { @n++; }|interval:hz:1000 { @n++; }",
        "profile-997 { @[execname] = count(); }|profile:hz:997 { @[comm] = count(); }",
        "profile:::profile-997 { @[execname] = count(); }|profile:hz:997 { @[comm] = count(); }",
        "profile-1234hz { @n = count(); }|profile:hz:1234 { @n = count(); }",
        "profile-10ms { @n = count(); }|profile:ms:10 { @n = count(); }",
        "p:hz:99 { @n = count(); }|profile:hz:99 { @n = count(); }",
        "s:faults:1 { @n = count(); }|software:page-faults:1 { @n = count(); }",
        "h:cycles { @n = count(); }|hardware:cpu-cycles:1000000 { @n = count(); }",
        "t:sched:sched_switch { @[args.prev_pid] = count(); }|tracepoint:sched:sched_switch { @[args->prev_pid] = count(); }",
        "i:ms:10 { @x = 1; }|interval:ms:10 { @x = 1; }",
    })
    void sameProgram(String dtrace, String bpftrace) {
        Program a = Scripts.compile(dtrace);
        Program b = Scripts.compile(bpftrace);
        assertEquals(withoutSource(b), withoutSource(a));
    }

    /** The disassembly minus the source name and line comments (column numbers differ between spellings). */
    private static String withoutSource(Program p) {
        return Disassembler.disassemble(p).replaceAll("    ; line \\d+:\\d+", "");
    }
}
