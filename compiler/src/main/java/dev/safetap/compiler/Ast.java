package dev.safetap.compiler;

import java.util.List;

/** The syntax tree of a script: immutable records, each with the line and column it starts at. */
final class Ast {
    private Ast() {
    }

    record Script(List<Clause> clauses) {
    }

    /** {@code PROBES [/PREDICATE/] { BODY }}; {@code predicate} is null when absent. */
    record Clause(List<ProbeSpec> probes, Expr predicate, List<Stmt> body, int line, int column) {
    }

    /** A probe as written, e.g. {@code tracepoint:syscalls:sys_enter_*} or {@code tick-1s}. */
    record ProbeSpec(String text, int line, int column) {
    }

    sealed interface Node permits Expr, Stmt {
        int line();

        int column();
    }

    sealed interface Expr extends Node permits IntLit, StrLit, Ident, Field, Positional, ParamCount, MapRef,
            Local, SelfVar, Unary, Binary, Ternary, Call, Update {
    }

    record IntLit(long value, int line, int column) implements Expr {
    }

    record StrLit(String value, int line, int column) implements Expr {
    }

    /** A bare name: a builtin such as {@code pid}, {@code arg0} or {@code retval}. */
    record Ident(String name, int line, int column) implements Expr {
    }

    /** {@code args->name}, {@code args.name} or {@code args->name[index]} (index -1 when absent). */
    record Field(String name, int index, int line, int column) implements Expr {
    }

    /** {@code $1}, {@code $2}, ... */
    record Positional(int number, int line, int column) implements Expr {
    }

    /** {@code $#}. */
    record ParamCount(int line, int column) implements Expr {
    }

    /** {@code @name} or {@code @name[k1, k2]}; name includes the {@code @}. */
    record MapRef(String name, List<Expr> keys, int line, int column) implements Expr {
    }

    /** {@code $name} or DTrace {@code this->name}; name includes the {@code $}. */
    record Local(String name, int line, int column) implements Expr {
    }

    /** {@code self->name}; name is the bare name. */
    record SelfVar(String name, int line, int column) implements Expr {
    }

    /** {@code op} is one of {@code ! ~ -}. */
    record Unary(String op, Expr operand, int line, int column) implements Expr {
    }

    /** A binary operator; line and column are those of the operator. */
    record Binary(String op, Expr left, Expr right, int line, int column) implements Expr {
    }

    record Ternary(Expr condition, Expr then, Expr otherwise, int line, int column) implements Expr {
    }

    record Call(String name, List<Expr> args, int line, int column) implements Expr {
    }

    /** {@code ++x}, {@code x++}, {@code --x}, {@code x--} on a map, local or thread-local. */
    record Update(Expr target, boolean increment, boolean prefix, int line, int column) implements Expr {
    }

    sealed interface Stmt extends Node permits ExprStmt, Assign, If, Unroll, For {
    }

    record ExprStmt(Expr expr, int line, int column) implements Stmt {
    }

    /** {@code target = value} ({@code op} "") or {@code target op= value} ({@code op} "+", "<<", ...). */
    record Assign(Expr target, String op, Expr value, int line, int column) implements Stmt {
    }

    /** {@code otherwise} is empty when there is no else. */
    record If(Expr condition, List<Stmt> then, List<Stmt> otherwise, int line, int column) implements Stmt {
    }

    record Unroll(Expr count, List<Stmt> body, int line, int column) implements Stmt {
    }

    /**
     * {@code for ($v = start; $v CMP bound; $v += step)}: {@code inclusive} is true for {@code <=}.
     * Start, bound and step are expressions so that the checker can say which one is not constant.
     */
    record For(Local variable, Expr start, boolean inclusive, Expr bound, Expr step, List<Stmt> body,
            int line, int column) implements Stmt {
    }
}
