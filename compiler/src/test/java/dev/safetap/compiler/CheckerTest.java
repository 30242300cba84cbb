package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.SafetapException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Name, type and probe errors, pinned as the user sees them. */
class CheckerTest {
    @Test
    void misspeltTracepointSuggestsTheEvent() {
        assertEquals("""
                test.bt:1:1: error: tracepoint `syscalls:sys_enter_rad` does not exist
                    tracepoint:syscalls:sys_enter_rad { @x = count(); }
                    ^
                hint: did you mean `sys_enter_read`?
                """, Scripts.errors("tracepoint:syscalls:sys_enter_rad { @x = count(); }"));
    }

    @Test
    void misspeltCategorySuggestsTheFullName() {
        assertEquals("""
                test.bt:1:1: error: tracepoint `sycalls:sys_enter_read` does not exist
                    tracepoint:sycalls:sys_enter_read { }
                    ^
                hint: did you mean `syscalls:sys_enter_read`?
                """, Scripts.errors("tracepoint:sycalls:sys_enter_read { }"));
    }

    @Test
    void unknownFieldBuiltinAndFunctionAreAllReportedWithSuggestions() {
        String src = "tracepoint:syscalls:sys_enter_read {\n  printf(\"%d\\n\", args->fdd);\n  $y = pidd;\n  prnt($y);\n}";
        assertEquals("""
                test.bt:2:18: error: tracepoint:syscalls:sys_enter_read has no field `fdd`
                      printf("%d\\n", args->fdd);
                                     ^
                hint: did you mean `fd`?
                test.bt:3:8: error: unknown builtin `pidd`
                      $y = pidd;
                           ^
                hint: did you mean `pid`?
                test.bt:4:3: error: unknown function `prnt`
                      prnt($y);
                      ^
                hint: did you mean `print`?
                """, Scripts.errors(src));
    }

    @Test
    void conflictingMapUseNamesBothPlaces() {
        assertEquals("""
                test.bt:2:7: error: @x is used here as a plain value, but it was first used as a count() aggregation at line 1, column 9
                    END { @x = 1; }
                          ^
                hint: a map holds one kind of value; use another map name
                """, Scripts.errors("BEGIN { @x = count(); }\nEND { @x = 1; }"));
    }

    @Test
    void printfArgumentTypeErrorPointsAtTheArgument() {
        assertEquals("""
                test.bt:1:30: error: printf conversion `%s` needs a string, but value 2 is an integer
                    BEGIN { printf("%d %s\\n", 1, pid); }
                                                 ^
                hint: use `%d` for integers
                """, Scripts.errors("BEGIN { printf(\"%d %s\\n\", 1, pid); }"));
    }

    @Test
    void fieldMissingFromOneOfSeveralProbesNamesThatProbe() {
        assertEquals("""
                test.bt:1:77: error: tracepoint:syscalls:sys_enter_close has no field `count`
                    tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_close { @[args->count] = count(); }
                                                                                                ^
                hint: its fields are __syscall_nr, fd
                """, Scripts.errors("tracepoint:syscalls:sys_enter_read, tracepoint:syscalls:sys_enter_close { @[args->count] = count(); }"));
    }

    @Test
    void pointerFieldsAreNotStrings() {
        assertEquals("""
                test.bt:1:59: error: str() needs a string field, a string or a positional parameter, but this is an integer
                    tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args->filename)); }
                                                                              ^
                hint: string fields and positional parameters are strings; safetap cannot read the memory of the traced process at an address
                """, Scripts.errors("tracepoint:syscalls:sys_enter_openat { printf(\"%s\\n\", str(args->filename)); }"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "t:syscalls:nothing_* { }|1:1|no tracepoint matches `syscalls:nothing_*`",
        "kprobe:do_sys_open { }|1:1|kprobes are not supported",
        "interval:m:5 { }|1:1|unknown interval unit `m`",
        "interval:s:0 { }|1:1|the interval count must be a positive integer, not `0`",
        "uprobe:/no/such/binary:main { }|1:1|no binary `/no/such/binary` to attach the uprobe to",
        "usdt:/bin/sh:probe { }|1:1|usdt probes are not supported yet",
        "tracepoint:syscalls:sys_enter_read { @[func] = count(); }|1:40|`func` is the traced function of a uprobe",
        "profile:hz:0 { }|1:1|the profile count must be a positive integer, not `0`",
        "foo:bar { }|1:1|unknown probe type `foo`",
        "BEGIN { @x[1] = 1; @x[\"a\"] = 2; }|1:20|@x is used with key [string] here, but with key [int] elsewhere",
        "BEGIN { $x = \"a\"; $x = 1; }|1:24|variable $x holds a string, so it cannot be assigned an integer",
        "BEGIN { @s = \"a\"; @s = 1; }|1:19|@s holds a string (first assigned at line 1, column 9), so it cannot be assigned an integer",
        "BEGIN { printf(\"%d %d\\n\", 1); }|1:9|printf has 2 conversions in its format but 1 value",
        "BEGIN { printf(\"%d\\n\", 1, 2); }|1:27|printf has 1 conversion in its format but 2 values",
        "BEGIN { printf(\"%y\\n\", 1); }|1:18|bad printf format: unsupported conversion '%y'",
        "BEGIN { printf(pid); }|1:9|printf() needs a format string literal as its first argument",
        "BEGIN { print(@nope); }|1:15|map @nope is never assigned",
        "BEGIN { $v = self->nope; }|1:14|thread-local self->nope is never assigned",
        "BEGIN { $x = \"a\" + 1; }|1:14|`+` needs integers, but this is a string",
        "BEGIN { if (\"a\" < \"b\") { } }|1:13|`<` needs integers, but this is a string",
        "BEGIN { if (\"a\" == 1) { } }|1:17|`==` compares two integers or two strings, not a string with an integer",
        "BEGIN { if (comm) { } }|1:13|the condition of `if` must be an integer, but this is a string",
        "BEGIN /comm/ { }|1:8|the predicate must be an integer, but this is a string",
        "BEGIN { $x = -comm; }|1:15|the operand of `-` must be an integer, but this is a string",
        "BEGIN { $x = args->fd; }|1:14|`args->fd` is not available in BEGIN: only tracepoint probes have arguments",
        "BEGIN { $x = args; }|1:14|`args` must be followed by a field, as in `args->fd`",
        "tracepoint:syscalls:sys_enter_read { $r = retval; }|1:43|`retval` is only available in syscall exit tracepoints",
        "tracepoint:syscalls:sys_enter_read { $r = arg3; }|1:43|`arg3` does not exist: tracepoint:syscalls:sys_enter_read has 3 arguments",
        "tracepoint:raw_syscalls:sys_enter { @ = args->args[9]; }|1:41|index 9 is outside the array `args` of 6 elements",
        "tracepoint:raw_syscalls:sys_enter { @ = args->args; }|1:41|field `args` is an array of 6; read one element, as in `args->args[0]`",
        "tracepoint:syscalls:sys_enter_read { @ = args->fd[1]; }|1:42|field `fd` is not an array of integers, so it cannot be indexed",
        "BEGIN { count(); }|1:9|count() is an aggregation: assign it to a map",
        "BEGIN { $x = count(); }|1:14|count() is an aggregation: assign it to a map, not to a variable",
        "BEGIN { @x += count(); }|1:12|an aggregation can only be assigned with `=`, not `+=`",
        "BEGIN { self->x = count(); }|1:9|thread-local variables cannot hold aggregations",
        "BEGIN { @h = hist(1); $z = @h; }|1:28|@h holds a hist() aggregation, whose value cannot be read in an expression",
        "BEGIN { @h = hist(\"a\"); }|1:19|the value of hist() must be an integer, but this is a string",
        "BEGIN { @h = sum(); }|1:14|sum() takes 1 argument, not 0",
        "BEGIN { @h = lhist(1, 0, 10, 0); }|1:14|lhist() needs min < max and a positive step",
        "BEGIN { @h = lhist(1, 0, 100000, 1); }|1:14|lhist() would have 100000 buckets; at most 1000 are allowed",
        "BEGIN { @h = lhist(1, 0, pid, 1); }|1:26|the maximum of lhist() must be an integer constant",
        "BEGIN { @h = lhist(1, 0, 10, 1); } END { @h = lhist(2, 0, 20, 1); }|1:47|@h was first given lhist(0, 10, 1) at line 1, column 9; every use must have the same bounds",
        "BEGIN { print($y); }|1:15|variable $y is used before any value is assigned to it",
        "BEGIN { $x = 1 ? 2 : \"a\"; }|1:16|the two branches of `?:` must have the same type, but one is an integer and the other a string",
        "BEGIN { @x = printf(\"a\"); }|1:14|printf() does not return a value",
        "BEGIN { print(@x, pid); @x = 1; }|1:19|the number of entries to print must be a non-negative integer constant",
        "BEGIN { clear(1); }|1:9|clear() takes one map",
        "BEGIN { delete(1); }|1:9|delete() takes one map entry",
        "BEGIN { exit(1); }|1:9|exit() takes no arguments",
        "BEGIN { time(pid); }|1:9|time() takes no argument or one format string",
        "BEGIN { $s = str(pid); }|1:18|str() needs a string field, a string or a positional parameter, but this is an integer",
        "tracepoint:sched:sched_switch { $s = str(args->prev_comm, 8); }|1:59|str() cannot shorten this string to 8 bytes (it may hold up to 16)",
        "BEGIN { $x = pid; $x++; $s = \"a\"; $s++; }|1:37|`++` needs an integer, but $s is a string",
        "BEGIN { $x = 1; $x += \"a\"; }|1:20|`+=` needs integers, but the right side is a string",
        "BEGIN { print($0); }|1:15|`$0` is not a positional parameter: they are numbered from `$1`",
        "interval:hz:1000000000 { }|1:1|`interval:hz:1000000000` fires more often than the shortest interval, 100 us (10000 per second)",
        "interval:us:99 { }|1:1|`interval:us:99` fires more often than the shortest interval, 100 us (10000 per second)",
        "interval:s:31536001 { }|1:1|`interval:s:31536001` is longer than the longest interval, 365 days",
        "BEGIN { printf(\"%s\", str($00)); }|1:26|`$00` is not a positional parameter: they are numbered from `$1`",
    })
    void errorMessage(String source, String position, String message) {
        String rendered = Scripts.errors(source);
        assertTrue(rendered.startsWith("test.bt:" + position + ": error: " + message), rendered);
    }

    @Test
    void absentPositionalParametersAreZeroOrEmpty() {
        Scripts.compile("BEGIN { printf(\"%d %s %d\\n\", $3, str($3), $#); }", Scripts.options(List.of("1")));
    }

    @Test
    void stringLiteralLongerThanTheStringLimitIsRejected() {
        String rendered = Scripts.errors("BEGIN { $x = \"" + "x".repeat(65) + "\"; }");
        assertTrue(rendered.contains("this string is 65 bytes long; strings hold at most 64 bytes"), rendered);
    }

    @Test
    void everyErrorOfTheScriptIsReported() {
        String rendered = Scripts.errors("BEGIN { $a = pidd; @m = hist(\"x\"); }\nEND { printf(\"%s\\n\", 1); foo(); }");
        assertEquals(4, rendered.split("error:").length - 1, rendered);
    }

    @Test
    void aCompileErrorSaysWhetherItIsOfSyntaxOrOfTypes() {
        CompileException syntax = assertThrows(CompileException.class,
                () -> Compiler.compile("t.bt", "BEGIN { @x = ; }", Scripts.options(List.of())));
        assertEquals(SafetapException.Stage.SYNTAX, syntax.stage());
        CompileException type = assertThrows(CompileException.class,
                () -> Compiler.compile("t.bt", "BEGIN { @x = 1 + \"a\"; }", Scripts.options(List.of())));
        assertEquals(SafetapException.Stage.TYPE, type.stage());
        assertTrue(syntax.rejected() && type.rejected());
    }

    /** Wildcards stay usable, but a short script cannot ask for millions of probes: one error, and no more resolving. */
    @Test
    void aProgramHasAtMostTenThousandProbes() {
        int perClause = Scripts.CATALOG.tracepoints().size();
        int fits = 10_000 / perClause;
        Scripts.compile("t:*:* { }\n".repeat(fits));
        String rendered = Scripts.errors("t:*:* { }\n".repeat(1000));
        assertTrue(rendered.startsWith("test.bt:" + (fits + 1) + ":1: error: the script attaches to more than 10000 probes with this one;"),
                rendered);
        assertEquals(1, rendered.split("error:").length - 1, rendered);
    }
}
