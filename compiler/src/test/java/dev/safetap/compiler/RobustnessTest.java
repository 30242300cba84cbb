package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.Program;
import dev.safetap.verifier.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Garbage in, CompileException out: random characters, random token soups and random mutations of
 * valid scripts never make the compiler throw anything else, and whatever compiles is accepted by
 * the verifier. Seeds are fixed, so a failure names an input that reproduces it.
 */
class RobustnessTest {
    private static final String[] TOKENS = {
        "BEGIN", "END", "tracepoint:syscalls:sys_enter_read", "t:sched:sched_switch", "interval:s:1", "tick-1s",
        "syscall::read:entry", "{", "}", "(", ")", "[", "]", "/", ";", ",", ":", "?", "=", "==", "!=", "+=", "<<=",
        "++", "--", "+", "-", "*", "%", "&", "|", "^", "~", "!", "&&", "||", "<", "<=", ">", ">=", "<<", ">>",
        "->", ".", "@", "@m", "@x", "$x", "$1", "$#", "self->t", "this->v", "args->fd", "args.count", "args",
        "pid", "comm", "nsecs", "retval", "arg0", "probe", "1", "0", "-1", "0x10", "99999999999999999999", "\"s\"",
        "\"%d\\n\"", "\"%s %d\\n\"", "printf", "print", "count()", "sum", "hist", "lhist", "str", "exit()", "if",
        "else", "unroll", "for", "while", "break", "delete", "clear", "time", "\"", "/*", "*/", "//", "\n", "\\",
    };
    private static final String[] SEEDS = {
        "tracepoint:syscalls:sys_enter_read /pid == 42/ { @bytes[pid, comm] = sum(args->count); }",
        "tracepoint:syscalls:sys_enter_read { self->ts = nsecs; } tracepoint:syscalls:sys_exit_read /self->ts/ { @ns = hist(nsecs - self->ts); self->ts = 0; }",
        "BEGIN { $x = 1; if ($x > 0 && pid != 3) { printf(\"%d %s\\n\", $x, comm); } else { @y[$x, \"a\"]++; } }",
        "BEGIN { for ($i = 0; $i < 10; $i++) { @a[$i] = $i * 2; } unroll(3) { @b += 1; } exit(); }",
        "interval:s:1 { print(@c, 10); clear(@c); } BEGIN { @c[comm] = count(); @l = lhist(5, 0, 100, 10); }",
        "tracepoint:sched:sched_switch { @[args->prev_comm, args->next_pid] = count(); $s = args->prev_state ? \"r\" : \"s\"; print($s); }",
    };

    private static String shown(String source) {
        return source.length() > 300 ? source.substring(0, 300) + "... (" + source.length() + " characters)" : source;
    }

    private static void compileOrReject(String source) {
        Program p;
        try {
            p = Compiler.compile("fuzz.bt", source, Scripts.options(List.of("5", "x")));
        } catch (CompileException e) {
            assertFalse(e.render().contains("internal compiler error"), () -> "for input:\n" + shown(source) + "\n" + e.render());
            return;
        } catch (RuntimeException | Error e) {
            throw new AssertionError("compiler threw " + e + " for input:\n" + shown(source), e);
        }
        try {
            Verifier.verify(p);
        } catch (RuntimeException e) {
            fail("the verifier rejected a compiled program:\n" + shown(source) + "\n" + e.getMessage(), e);
        }
    }

    @Test
    void randomCharacters() {
        Random r = new Random(1);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(80);
            for (int j = 0; j < n; j++) {
                sb.append(r.nextInt(10) == 0 ? (char) r.nextInt(0x250) : (char) (0x20 + r.nextInt(0x5f)));
            }
            compileOrReject(sb.toString());
        }
    }

    @Test
    void randomTokenSoups() {
        Random r = new Random(2);
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = r.nextInt(40);
            for (int j = 0; j < n; j++) {
                sb.append(TOKENS[r.nextInt(TOKENS.length)]).append(r.nextBoolean() ? " " : "");
            }
            compileOrReject(sb.toString());
        }
    }

    @Test
    void mutatedValidScripts() {
        Random r = new Random(3);
        for (int i = 0; i < 5000; i++) {
            List<String> words = new ArrayList<>(List.of(SEEDS[r.nextInt(SEEDS.length)].split("(?<=[ ;{}(),])")));
            int edits = 1 + r.nextInt(3);
            for (int e = 0; e < edits && !words.isEmpty(); e++) {
                int at = r.nextInt(words.size());
                switch (r.nextInt(4)) {
                    case 0 -> words.remove(at);
                    case 1 -> words.add(at, words.get(r.nextInt(words.size())));
                    case 2 -> words.set(at, TOKENS[r.nextInt(TOKENS.length)] + " ");
                    default -> words.add(at, TOKENS[r.nextInt(TOKENS.length)] + " ");
                }
            }
            compileOrReject(String.join("", words));
        }
    }

    @Test
    void missingInputsAndBadCapacityAreCompileErrors() {
        assertFalse(assertThrowsCompile(() -> Compiler.compile("x.bt", null, Scripts.options(List.of()))).isEmpty());
        assertFalse(assertThrowsCompile(() -> Compiler.compile("x.bt", "BEGIN { }", null)).isEmpty());
        assertFalse(assertThrowsCompile(() -> Compiler.compile("x.bt", "BEGIN { }",
                new CompileOptions(null, List.of(), 0))).isEmpty());
        assertFalse(assertThrowsCompile(() -> Compiler.compile("x.bt", "tracepoint:a:b { }",
                new CompileOptions(null, List.of(), 10))).isEmpty());
    }

    private static String assertThrowsCompile(Runnable r) {
        CompileException e = org.junit.jupiter.api.Assertions.assertThrows(CompileException.class, r::run);
        return e.render();
    }

    @Test
    void deeplyNestedInputIsRejectedCleanly() {
        compileOrReject("BEGIN { $x = " + "-".repeat(100_000) + "1; }");
        compileOrReject("BEGIN { $x = " + "(".repeat(100_000) + "; }");
        compileOrReject("BEGIN " + "{ if (1) ".repeat(20_000) + "}".repeat(20_000));
        compileOrReject("BEGIN { $x = 1" + " + 1".repeat(50_000) + "; }");
    }
}
