package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.safetap.compiler.Ast.*;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParserTest {
    private static Script parse(String src) {
        Diagnostics errors = new Diagnostics("t.bt", src);
        Script s = new Parser(new Lexer(src, errors).tokens(), errors).parse();
        assertFalse(errors.hasErrors(), () -> errors.list().toString());
        return s;
    }

    @Test
    void clauseWithSeveralProbesAndPredicate() {
        Clause c = parse("tracepoint:syscalls:sys_enter_*, t:sched:sched_?witch, tick-1s /pid == 1/ { }").clauses().get(0);
        assertEquals(List.of("tracepoint:syscalls:sys_enter_*", "t:sched:sched_?witch", "tick-1s"),
                c.probes().stream().map(ProbeSpec::text).toList());
        Binary pred = assertInstanceOf(Binary.class, c.predicate());
        assertEquals("==", pred.op());
    }

    @Test
    void precedenceFollowsC() {
        Stmt s = parse("BEGIN { $x = 1 + 2 * 3 << 1 == 14 && 1 | 2 ^ 3 & 4 || 0 ? 5 : 6 }").clauses().get(0).body().get(0);
        Ternary t = assertInstanceOf(Ternary.class, ((Assign) s).value());
        Binary or = assertInstanceOf(Binary.class, t.condition());
        assertEquals("||", or.op());
        Binary and = assertInstanceOf(Binary.class, or.left());
        assertEquals("&&", and.op());
        Binary eq = assertInstanceOf(Binary.class, and.left());
        assertEquals("==", eq.op());
        Binary shl = assertInstanceOf(Binary.class, eq.left());
        assertEquals("<<", shl.op());
        Binary plus = assertInstanceOf(Binary.class, shl.left());
        assertEquals("+", plus.op());
        assertEquals("*", ((Binary) plus.right()).op());
        Binary bor = assertInstanceOf(Binary.class, and.right());
        assertEquals("|", bor.op());
        assertEquals("^", ((Binary) bor.right()).op());
        assertEquals("&", ((Binary) ((Binary) bor.right()).right()).op());
    }

    @Test
    void divisionInsidePredicateNeedsParentheses() {
        Clause c = parse("BEGIN /(10 / 2) == 5/ { }").clauses().get(0);
        assertEquals("/", ((Binary) ((Binary) c.predicate()).left()).op());
    }

    @Test
    void dtraceVariablesAndFieldForms() {
        List<Stmt> body = parse("BEGIN { this->x = self->y; $a = args->fd + args.count + args->args[2]; }").clauses().get(0).body();
        Assign a = (Assign) body.get(0);
        assertEquals(new Local("$x", 1, 9), a.target());
        assertInstanceOf(SelfVar.class, a.value());
        Binary sum = (Binary) ((Assign) body.get(1)).value();
        assertEquals(new Field("args", 2, 1, 57), sum.right());
    }

    @Test
    void missingFinalSemicolonIsAllowedButNotBetweenStatements() {
        assertEquals(2, parse("BEGIN { $a = 1; $b = 2 }").clauses().get(0).body().size());
        assertEquals("test.bt:1:16: error: expected `;` after the statement, found `$b`\n"
                + "    BEGIN { $a = 1 $b = 2 }\n"
                + "                   ^\n"
                + "hint: statements are separated by `;`\n", Scripts.errors("BEGIN { $a = 1 $b = 2 }"));
    }

    @Test
    void everySyntaxErrorIsReportedInOneRun() {
        String src = String.join("\n",
                "BEGIN { $x = 1 +; @y = ; }",
                "tracepoint:syscalls:sys_enter_read /pid == / { @[comm] = count(); }",
                "END { printf(\"a\" }",
                "interval:s:1 { if (1 { exit(); } }",
                "BEGIN { @ok = 1; }");
        assertEquals("""
                t.bt:1:17: error: expected an expression, found `;`
                    BEGIN { $x = 1 +; @y = ; }
                                    ^
                t.bt:1:24: error: expected an expression, found `;`
                    BEGIN { $x = 1 +; @y = ; }
                                           ^
                t.bt:2:44: error: expected an expression, found `/`
                    tracepoint:syscalls:sys_enter_read /pid == / { @[comm] = count(); }
                                                               ^
                t.bt:3:18: error: expected `)` to close the argument list of printf(), found `}`
                    END { printf("a" }
                                     ^
                t.bt:4:22: error: expected `)` after the condition, found `{`
                    interval:s:1 { if (1 { exit(); } }
                                         ^
                """, Scripts.errors(src).replace("test.bt", "t.bt"));
    }

    @Test
    void unclosedBlockIsReportedAtItsBrace() {
        assertEquals("""
                test.bt:1:7: error: this `{` is never closed
                    BEGIN { printf("x\\n");
                          ^
                hint: add `}` at the end of the action
                """, Scripts.errors("BEGIN { printf(\"x\\n\");"));
    }

    @Test
    void emptyScriptIsAnError() {
        assertEquals("test.bt: error: the script has no probes\n"
                + "hint: a script is a list of `PROBE { ACTIONS }` clauses, e.g. `BEGIN { printf(\"hello\\n\"); }`\n",
                Scripts.errors("  // only a comment"));
    }

    @Test
    void assignmentToNonVariableIsRejected() {
        assertEquals("""
                test.bt:1:13: error: cannot assign to this expression
                    BEGIN { pid = 3; }
                                ^
                hint: assign to a map `@name`, a local `$name` or a thread-local `self->name`
                """, Scripts.errors("BEGIN { pid = 3; }"));
    }

    @Test
    void deepNestingIsAnErrorNotACrash() {
        String deep = "BEGIN { $x = " + "(".repeat(5000) + "1" + ")".repeat(5000) + "; }";
        assertEquals(true, Scripts.errors(deep).contains("nested too deeply"));
    }
}
