package dev.safetap.compiler;

import static dev.safetap.compiler.TokenKind.*;

import dev.safetap.compiler.Ast.*;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recursive-descent parser from tokens to an {@link Ast.Script}. On a syntax error it reports the
 * error, skips to the end of the statement (or of the clause) and goes on, so that one run reports
 * every syntax error of the script.
 */
final class Parser {
    private static final String LOOP_HINT =
            "write `unroll(N) { ... }` or `for ($i = 0; $i < N; $i++) { ... }` with constant N";
    private static final Set<TokenKind> PROBE_PARTS = EnumSet.of(IDENT, INT, COLON, STAR, QUESTION, MINUS);
    private static final Map<TokenKind, String> COMPOUND = Map.of(
            PLUS_ASSIGN, "+", MINUS_ASSIGN, "-", STAR_ASSIGN, "*", SLASH_ASSIGN, "/", PERCENT_ASSIGN, "%",
            AMP_ASSIGN, "&", PIPE_ASSIGN, "|", CARET_ASSIGN, "^", SHL_ASSIGN, "<<", SHR_ASSIGN, ">>");
    /** Bounds nesting so that hostile input cannot overflow the stack. */
    private static final int MAX_DEPTH = 200;

    /** Thrown to unwind to the nearest recovery point; the error is already reported. */
    private static final class SyntaxError extends RuntimeException {
        SyntaxError() {
            super(null, null, false, false);
        }
    }

    private final List<Token> tokens;
    private final Diagnostics errors;
    private int current;
    private int depth;
    /** True inside a predicate outside parentheses: there `/` ends the predicate instead of dividing. */
    private boolean inPredicate;

    Parser(List<Token> tokens, Diagnostics errors) {
        this.tokens = tokens;
        this.errors = errors;
    }

    Script parse() {
        List<Clause> clauses = new ArrayList<>();
        if (check(EOF)) {
            errors.error(0, 0, "the script has no probes",
                    "a script is a list of `PROBE { ACTIONS }` clauses, e.g. `BEGIN { printf(\"hello\\n\"); }`");
        }
        while (!check(EOF)) {
            int before = current;
            Clause c = clause();
            if (c != null) {
                clauses.add(c);
            }
            if (current == before) {
                advance();
            }
        }
        return new Script(clauses);
    }

    private Clause clause() {
        depth = 0;
        Token first = peek();
        List<ProbeSpec> probes = new ArrayList<>();
        Expr predicate = null;
        boolean headerOk = true;
        try {
            probes.add(probe());
            while (match(COMMA)) {
                probes.add(probe());
            }
            if (match(SLASH)) {
                inPredicate = true;
                predicate = expression();
                inPredicate = false;
                expect(SLASH, "`/` to end the predicate");
            }
            if (!check(LBRACE)) {
                fail(peek(), "expected `{` to start the action of the probe, found " + peek().describe(),
                        check(IDENT) || check(MAP) ? "separate several probes with `,`" : "");
            }
        } catch (SyntaxError e) {
            headerOk = false;
            inPredicate = false;
            while (!check(LBRACE) && !check(EOF)) {
                advance();
            }
        }
        if (check(EOF)) {
            if (headerOk) {
                fail(peek(), "expected `{` to start the action of the probe, found end of input", "");
            }
            return null;
        }
        List<Stmt> body = block();
        return headerOk ? new Clause(probes, predicate, body, first.line(), first.column()) : null;
    }

    private ProbeSpec probe() {
        Token first = peek();
        if (!check(IDENT)) {
            fail(first, "expected a probe such as `tracepoint:syscalls:sys_enter_read` or `BEGIN`, found " + first.describe(), "");
        }
        StringBuilder text = new StringBuilder(advance().text());
        Token prev = previous();
        boolean path = false;
        while (peek().start() == prev.end() && (PROBE_PARTS.contains(peek().kind())
                || (check(SLASH) && (path || prev.is(COLON))) || (path && !check(LBRACE) && !check(COMMA) && !check(EOF)))) {
            path |= check(SLASH);
            prev = advance();
            text.append(prev.text());
        }
        return new ProbeSpec(text.toString(), first.line(), first.column());
    }

    /** {@code { statements }}; recovers from errors inside, so it always returns. */
    private List<Stmt> block() {
        List<Stmt> out = new ArrayList<>();
        Token open = peek();
        if (!match(LBRACE)) {
            errors.error(open.line(), open.column(), "expected `{`, found " + open.describe());
            return out;
        }
        enter(open);
        int blockDepth = depth;
        while (!check(RBRACE) && !check(EOF)) {
            if (match(SEMI)) {
                continue;
            }
            int before = current;
            try {
                Stmt s = statement();
                if (s != null) {
                    out.add(s);
                }
                boolean compound = s instanceof If || s instanceof Unroll || s instanceof For || s == null;
                if (!compound && !check(RBRACE)) {
                    expect(SEMI, "`;` after the statement");
                }
            } catch (SyntaxError e) {
                depth = blockDepth;
                synchronize();
                if (current == before && !check(RBRACE) && !check(EOF)) {
                    advance();
                }
            }
        }
        depth--;
        if (!match(RBRACE)) {
            errors.error(open.line(), open.column(), "this `{` is never closed", "add `}` at the end of the action");
        }
        return out;
    }

    /** Skips to just after the next `;` or to the `}` closing the current block. */
    private void synchronize() {
        int nesting = 0;
        while (!check(EOF)) {
            if (check(SEMI) && nesting == 0) {
                advance();
                return;
            }
            if (check(RBRACE)) {
                if (nesting == 0) {
                    return;
                }
                nesting--;
            } else if (check(LBRACE)) {
                nesting++;
            }
            advance();
        }
    }

    private Stmt statement() {
        Token t = peek();
        if (t.is(IDENT)) {
            switch (t.text()) {
                case "if" -> {
                    return ifStatement();
                }
                case "unroll" -> {
                    advance();
                    expect(LPAREN, "`(` after `unroll`");
                    Expr count = expression();
                    expect(RPAREN, "`)` after the unroll count");
                    return new Unroll(count, block(), t.line(), t.column());
                }
                case "for" -> {
                    return forStatement();
                }
                case "while" -> {
                    advance();
                    errors.error(t.line(), t.column(), "`while` loops are not allowed: every probe action must provably "
                            + "finish, so the verifier needs a loop count known before the loop runs", LOOP_HINT);
                    expect(LPAREN, "`(` after `while`");
                    expression();
                    expect(RPAREN, "`)` after the loop condition");
                    block();
                    return null;
                }
                case "do" -> {
                    advance();
                    errors.error(t.line(), t.column(), "`do` loops are not allowed: every probe action must provably "
                            + "finish, so the verifier needs a loop count known before the loop runs", LOOP_HINT);
                    block();
                    if (check(IDENT) && peek().text().equals("while")) {
                        advance();
                        expect(LPAREN, "`(` after `while`");
                        expression();
                        expect(RPAREN, "`)` after the loop condition");
                    }
                    return null;
                }
                case "break", "continue" -> {
                    advance();
                    errors.error(t.line(), t.column(), "`" + t.text() + "` is not allowed: loops always run their "
                            + "full constant count, which is what lets the verifier bound every action",
                            "put the rest of the loop body under an `if` instead");
                    return null;
                }
                default -> {
                }
            }
        }
        Expr e = expression();
        Token op = peek();
        if (op.is(ASSIGN) || COMPOUND.containsKey(op.kind())) {
            advance();
            if (!(e instanceof MapRef || e instanceof Local || e instanceof SelfVar)) {
                fail(op, "cannot assign to this expression",
                        "assign to a map `@name`, a local `$name` or a thread-local `self->name`");
            }
            Expr value = expression();
            return new Assign(e, op.is(ASSIGN) ? "" : COMPOUND.get(op.kind()), value, op.line(), op.column());
        }
        return new ExprStmt(e, t.line(), t.column());
    }

    private Stmt ifStatement() {
        Token t = advance();
        expect(LPAREN, "`(` after `if`");
        Expr cond = expression();
        expect(RPAREN, "`)` after the condition");
        List<Stmt> then = block();
        List<Stmt> otherwise = List.of();
        if (check(IDENT) && peek().text().equals("else")) {
            advance();
            if (check(IDENT) && peek().text().equals("if")) {
                Token inner = peek();
                enter(inner);
                try {
                    otherwise = List.of(ifStatement());
                } finally {
                    depth--;
                }
            } else {
                otherwise = block();
            }
        }
        return new If(cond, then, otherwise, t.line(), t.column());
    }

    private Stmt forStatement() {
        Token t = advance();
        String shape = "a loop must read `for ($i = A; $i < B; $i++) { ... }` (or `<=`, `$i += C`) with integer constants A, B, C";
        expect(LPAREN, "`(` after `for`");
        Token v = peek();
        if (!v.is(VAR) || !isLocalName(v.text())) {
            fail(v, "expected the loop variable `$name`, found " + v.describe(), shape);
        }
        advance();
        Local var = new Local(v.text(), v.line(), v.column());
        expect(ASSIGN, "`=` to give the loop variable its start value");
        Expr start = expression();
        expect(SEMI, "`;` after the start value");
        Token v2 = peek();
        if (!v2.is(VAR) || !v2.text().equals(v.text())) {
            fail(v2, "the loop condition must compare the loop variable `" + v.text() + "` with a constant", shape);
        }
        advance();
        Token cmp = peek();
        if (!cmp.is(LT) && !cmp.is(LE)) {
            fail(cmp, "the loop condition must be `" + v.text() + " < B` or `" + v.text() + " <= B`", shape);
        }
        advance();
        Expr bound = expression();
        expect(SEMI, "`;` after the loop condition");
        Expr step;
        Token s = peek();
        if (s.is(INC) && peekAt(1).is(VAR) && peekAt(1).text().equals(v.text())) {
            advance();
            advance();
            step = new IntLit(1, s.line(), s.column());
        } else if (s.is(VAR) && s.text().equals(v.text()) && peekAt(1).is(INC)) {
            advance();
            Token inc = advance();
            step = new IntLit(1, inc.line(), inc.column());
        } else if (s.is(VAR) && s.text().equals(v.text()) && peekAt(1).is(PLUS_ASSIGN)) {
            advance();
            advance();
            step = expression();
        } else {
            fail(s, "the loop step must be `" + v.text() + "++` or `" + v.text() + " += C`", shape);
            return null;
        }
        expect(RPAREN, "`)` after the loop step");
        return new For(var, start, cmp.is(LE), bound, step, block(), t.line(), t.column());
    }

    private static boolean isLocalName(String text) {
        return text.length() > 1 && !Character.isDigit(text.charAt(1)) && text.charAt(1) != '#';
    }

    private Expr expression() {
        Token t = peek();
        enter(t);
        try {
            return ternary();
        } finally {
            depth--;
        }
    }

    private void enter(Token t) {
        if (++depth > MAX_DEPTH) {
            fail(t, "this is nested too deeply or the expression is too long (more than " + MAX_DEPTH + " levels)",
                    "split it into several statements");
        }
    }

    private Expr ternary() {
        Expr cond = logicalOr();
        if (check(QUESTION)) {
            Token q = advance();
            Expr a = expression();
            expect(COLON, "`:` in the conditional expression");
            enter(q);
            Expr b;
            try {
                b = ternary();
            } finally {
                depth--;
            }
            return new Ternary(cond, a, b, q.line(), q.column());
        }
        return cond;
    }

    private Expr logicalOr() {
        Expr e = logicalAnd();
        int saved = depth;
        while (check(OROR)) {
            Token op = advance();
            enter(op);
            e = new Binary("||", e, logicalAnd(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr logicalAnd() {
        Expr e = bitOr();
        int saved = depth;
        while (check(ANDAND)) {
            Token op = advance();
            enter(op);
            e = new Binary("&&", e, bitOr(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr bitOr() {
        Expr e = bitXor();
        int saved = depth;
        while (check(PIPE)) {
            Token op = advance();
            enter(op);
            e = new Binary("|", e, bitXor(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr bitXor() {
        Expr e = bitAnd();
        int saved = depth;
        while (check(CARET)) {
            Token op = advance();
            enter(op);
            e = new Binary("^", e, bitAnd(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr bitAnd() {
        Expr e = equality();
        int saved = depth;
        while (check(AMP)) {
            Token op = advance();
            enter(op);
            e = new Binary("&", e, equality(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr equality() {
        Expr e = relational();
        int saved = depth;
        while (check(EQEQ) || check(NE)) {
            Token op = advance();
            enter(op);
            e = new Binary(op.text(), e, relational(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr relational() {
        Expr e = shift();
        int saved = depth;
        while (check(LT) || check(LE) || check(GT) || check(GE)) {
            Token op = advance();
            enter(op);
            e = new Binary(op.text(), e, shift(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr shift() {
        Expr e = additive();
        int saved = depth;
        while (check(SHL) || check(SHR)) {
            Token op = advance();
            enter(op);
            e = new Binary(op.text(), e, additive(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr additive() {
        Expr e = multiplicative();
        int saved = depth;
        while (check(PLUS) || check(MINUS)) {
            Token op = advance();
            enter(op);
            e = new Binary(op.text(), e, multiplicative(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr multiplicative() {
        Expr e = unary();
        int saved = depth;
        while (check(STAR) || check(PERCENT) || (check(SLASH) && !inPredicate)) {
            Token op = advance();
            enter(op);
            e = new Binary(op.text(), e, unary(), op.line(), op.column());
        }
        depth = saved;
        return e;
    }

    private Expr unary() {
        Token t = peek();
        if (match(BANG) || match(TILDE) || match(MINUS)) {
            enter(t);
            Expr operand;
            try {
                operand = unary();
            } finally {
                depth--;
            }
            if (t.is(MINUS) && operand instanceof IntLit lit) {
                return new IntLit(-lit.value(), t.line(), t.column());
            }
            return new Unary(t.text(), operand, t.line(), t.column());
        }
        if (match(INC) || match(DEC)) {
            Expr target = postfix();
            return new Update(target, t.is(INC), true, t.line(), t.column());
        }
        return postfix();
    }

    private Expr postfix() {
        Expr e = primary();
        if (check(INC) || check(DEC)) {
            Token op = advance();
            return new Update(e, op.is(INC), false, op.line(), op.column());
        }
        return e;
    }

    private Expr primary() {
        int at = current;
        Token t = advance();
        switch (t.kind()) {
            case INT -> {
                return new IntLit(parseInt(t.text()), t.line(), t.column());
            }
            case STRING -> {
                return new StrLit(t.text(), t.line(), t.column());
            }
            case LPAREN -> {
                boolean saved = inPredicate;
                inPredicate = false;
                Expr e = expression();
                inPredicate = saved;
                expect(RPAREN, "`)`");
                return e;
            }
            case MAP -> {
                List<Expr> keys = new ArrayList<>();
                if (match(LBRACKET)) {
                    keys.add(expression());
                    while (match(COMMA)) {
                        keys.add(expression());
                    }
                    expect(RBRACKET, "`]` after the map key");
                }
                return new MapRef(t.text(), keys, t.line(), t.column());
            }
            case VAR -> {
                String name = t.text();
                if (name.equals("$#")) {
                    return new ParamCount(t.line(), t.column());
                }
                if (Character.isDigit(name.charAt(1))) {
                    int n = name.length() > 6 ? Integer.MAX_VALUE : Integer.parseInt(name.substring(1));
                    if (n < 1) {
                        errors.error(t.line(), t.column(), "`" + name + "` is not a positional parameter: they are numbered from `$1`",
                                "`$1` is the first argument after the script");
                    }
                    return new Positional(n, t.line(), t.column());
                }
                return new Local(name, t.line(), t.column());
            }
            case IDENT -> {
                return identifier(t);
            }
            default -> {
                current = at;
                fail(t, "expected an expression, found " + t.describe(), "");
                return null;
            }
        }
    }

    private Expr identifier(Token t) {
        String name = t.text();
        if ((name.equals("self") || name.equals("this")) && check(ARROW)) {
            advance();
            Token n = expectIdent("a variable name after `" + name + "->`");
            return name.equals("self") ? new SelfVar(n.text(), t.line(), t.column())
                    : new Local("$" + n.text(), t.line(), t.column());
        }
        if (name.equals("args") && (check(ARROW) || check(DOT))) {
            advance();
            Token n = expectIdent("a field name after `args" + previous().text() + "`");
            int index = -1;
            if (match(LBRACKET)) {
                Token i = peek();
                if (!i.is(INT)) {
                    fail(i, "an array field is indexed by an integer constant, found " + i.describe(), "");
                }
                advance();
                long v = parseInt(i.text());
                index = v > 100_000 ? 100_000 : (int) v;
                expect(RBRACKET, "`]` after the index");
            }
            return new Field(n.text(), index, t.line(), t.column());
        }
        if (check(LPAREN)) {
            advance();
            List<Expr> args = new ArrayList<>();
            if (!check(RPAREN)) {
                args.add(expression());
                while (match(COMMA)) {
                    args.add(expression());
                }
            }
            expect(RPAREN, "`)` to close the argument list of " + name + "()");
            return new Call(name, args, t.line(), t.column());
        }
        return new Ident(name, t.line(), t.column());
    }

    private static long parseInt(String text) {
        return text.startsWith("0x") || text.startsWith("0X")
                ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseUnsignedLong(text);
    }

    private Token expectIdent(String what) {
        Token t = peek();
        if (!t.is(IDENT)) {
            fail(t, "expected " + what + ", found " + t.describe(), "");
        }
        return advance();
    }

    private void expect(TokenKind kind, String what) {
        if (!check(kind)) {
            Token t = peek();
            String hint = kind == SEMI ? "statements are separated by `;`" : "";
            Token at = t;
            if (kind == SEMI && current > 0 && t.line() > previous().line()) {
                at = previous();
                errors.error(at.line(), at.column() + (at.end() - at.start()), "expected " + what + ", found " + t.describe(), hint);
                throw new SyntaxError();
            }
            fail(at, "expected " + what + ", found " + t.describe(), hint);
        }
        advance();
    }

    private void fail(Token t, String message, String hint) {
        errors.error(t.line(), t.column(), message, hint);
        throw new SyntaxError();
    }

    private boolean match(TokenKind kind) {
        if (check(kind)) {
            advance();
            return true;
        }
        return false;
    }

    private boolean check(TokenKind kind) {
        return peek().kind() == kind;
    }

    private Token peek() {
        return tokens.get(current);
    }

    private Token peekAt(int ahead) {
        return tokens.get(Math.min(current + ahead, tokens.size() - 1));
    }

    private Token previous() {
        return tokens.get(Math.max(0, current - 1));
    }

    private Token advance() {
        Token t = tokens.get(current);
        if (current < tokens.size() - 1) {
            current++;
        }
        return t;
    }
}
