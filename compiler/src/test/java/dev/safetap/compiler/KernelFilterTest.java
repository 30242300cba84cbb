package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.Program;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class KernelFilterTest {
    private static String filter(String predicate) {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read /" + predicate + "/ { @ = count(); }",
                Scripts.options(List.of("9"), true));
        return p.probes().get(0).kernelFilter();
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "args->fd == 3;fd == 3",
        "args->fd == 3 && tid == 1234;fd == 3 && common_pid == 1234",
        "3 < args->count;count > 3",
        "arg0 != 0 || args->count >= 4096;fd != 0 || count >= 4096",
        "(args->fd == 1 || args->fd == 2) && args->count > 10;(fd == 1 || fd == 2) && count > 10",
        "args->fd == 1 || args->fd == 2 && args->count > 10;fd == 1 || (fd == 2 && count > 10)",
        "args->__syscall_nr == -1;__syscall_nr == -1",
        "args->fd == $1;fd == 9",
        "pid == 1234;''",
        "comm == \"sh\";''",
        "args->fd == 3 && comm == \"sh\";''",
        "args->fd + 1 == 3;''",
        "args->fd == tid;''",
        "args->count == -1;''",
        "args->__syscall_nr == 2147483648;''",
        "args->__syscall_nr == -2147483648;__syscall_nr == -2147483648",
        "args->fd;''",
    })
    void predicate(String predicate, String expected) {
        assertEquals(expected, filter(predicate));
    }

    @Test
    void noFilterUnlessAskedFor() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read /args->fd == 3/ { }");
        assertEquals("", p.probes().get(0).kernelFilter());
    }

    @Test
    void filterIsPerProbeOfTheAction() {
        Program p = Scripts.compile("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_close, BEGIN /tid == 5/ { }",
                Scripts.options(List.of(), true));
        assertEquals(List.of("common_pid == 5", "common_pid == 5", ""), p.probes().stream().map(pr -> pr.kernelFilter()).toList());
    }
}
