package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Loops compile to LOOP with their exact trip count; unbounded loops are refused with the reason. */
class LoopTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "$i = 0; $i < 10; $i++|10",
        "$i = 0; $i <= 10; $i++|11",
        "$i = 3; $i < 10; $i += 3|3",
        "$i = 3; $i <= 9; $i += 3|3",
        "$i = 10; $i < 10; $i++|0",
        "$i = -5; $i < 5; ++$i|10",
        "$i = 0; $i < 100000; $i += 1|100000",
    })
    void forLoopTripCount(String header, long trips) {
        String code = Scripts.code(Scripts.compile("BEGIN { for (" + header + ") { @s += $i; } }"), 0);
        assertEquals("LOOP " + trips + ",", code.lines().filter(l -> l.startsWith("LOOP")).findFirst().orElseThrow().substring(0, 6 + String.valueOf(trips).length()));
    }

    @Test
    void forLoopUpdatesItsVariableAtTheEndOfEachIteration() {
        assertEquals("""
                CONST_INT r0, 0
                CONST_INT r0, 2
                LOOP 4, +37
                MAP_GET r1, m0, ()
                ADD r1, r1, r0
                MAP_SET m0, (), r1
                CONST_INT r1, 2
                ADD r0, r0, r1
                ENDLOOP
                RET
                """, Scripts.code(Scripts.compile("BEGIN { for ($i = 2; $i < 10; $i += 2) { @s += $i; } }"), 0));
    }

    @Test
    void unrollRunsItsBodyNTimes() {
        assertEquals("LOOP 3, +13\nPRINTF s0, ()\nENDLOOP\nRET\n",
                Scripts.code(Scripts.compile("BEGIN { unroll(3) { printf(\"x\\n\"); } }"), 0));
    }

    @Test
    void whileIsRejectedWithTheReasonAndTheAlternative() {
        assertEquals("""
                test.bt:1:9: error: `while` loops are not allowed: every probe action must provably finish, so the verifier needs a loop count known before the loop runs
                    BEGIN { while ($i < 10) { $i++; } }
                            ^
                hint: write `unroll(N) { ... }` or `for ($i = 0; $i < N; $i++) { ... }` with constant N
                """, Scripts.errors("BEGIN { while ($i < 10) { $i++; } }"));
    }

    @Test
    void breakAndContinueAreRejected() {
        assertEquals("""
                test.bt:1:30: error: `break` is not allowed: loops always run their full constant count, which is what lets the verifier bound every action
                    BEGIN { unroll(2) { if (1) { break; } continue; } }
                                                 ^
                hint: put the rest of the loop body under an `if` instead
                test.bt:1:39: error: `continue` is not allowed: loops always run their full constant count, which is what lets the verifier bound every action
                    BEGIN { unroll(2) { if (1) { break; } continue; } }
                                                          ^
                hint: put the rest of the loop body under an `if` instead
                """, Scripts.errors("BEGIN { unroll(2) { if (1) { break; } continue; } }"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "for ($i = 0; $i < pid; $i++) { }|1:27|the bound of the loop must be an integer constant",
        "for ($i = pid; $i < 5; $i++) { }|1:19|the start value of the loop must be an integer constant",
        "for ($i = 0; $i < 5; $i += pid) { }|1:36|the step of the loop must be an integer constant",
        "for ($i = 0; $i < 5; $i += 0) { }|1:36|the loop step must be a positive constant, not 0",
        "for ($i = 0; $i < 1000000; $i++) { }|1:9|this loop runs 1000000 times; a loop may run at most 100000 times",
        "for ($i = 0; $j < 5; $i++) { }|1:22|the loop condition must compare the loop variable `$i` with a constant",
        "for ($i = 0; $i > 5; $i++) { }|1:25|the loop condition must be `$i < B` or `$i <= B`",
        "for ($i = 0; $i < 5; $i--) { }|1:30|the loop step must be `$i++` or `$i += C`",
        "for ($i = 0; $i < 5; $i++) { $i += 1; }|1:38|the loop variable $i cannot be assigned inside its loop",
        "unroll(0) { }|1:16|the count of unroll must be between 1 and 100, not 0",
        "do { } while (1);|1:9|`do` loops are not allowed",
        "unroll(2) { unroll(2) { unroll(2) { unroll(2) { unroll(2) { unroll(2) { unroll(2) { unroll(2) { unroll(2) { } } } } } } } } }|1:105|loops are nested more than 8 deep",
    })
    void rejectedLoop(String body, String position, String message) {
        String rendered = Scripts.errors("BEGIN { " + body + " }");
        assertEquals(true, rendered.startsWith("test.bt:" + position + ": error: " + message), rendered);
    }
}
