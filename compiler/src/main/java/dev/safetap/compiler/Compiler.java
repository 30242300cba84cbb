package dev.safetap.compiler;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SafetapException.Stage;
import java.util.List;

/** Compiles a script to a (not yet verified) program: lexer, parser, resolver, type checker, code generator. */
public final class Compiler {
    private Compiler() {
    }

    /**
     * Compiles {@code source}; {@code sourceName} names it in error messages.
     *
     * @throws CompileException with every error found, when the script has any
     * @throws IllegalStateException when the compiler itself fails: a bug, not an error of the script
     */
    public static Program compile(String sourceName, String source, CompileOptions options) {
        if (source == null || options == null) {
            throw new CompileException(List.of(new Diagnostic(String.valueOf(sourceName), 0, 0,
                    source == null ? "no script was given" : "no compile options were given", "", "")));
        }
        if (options.mapCapacity() < 1 || options.mapCapacity() > Limits.MAX_MAP_CAPACITY) {
            throw new CompileException(List.of(new Diagnostic(sourceName, 0, 0, "map capacity " + options.mapCapacity()
                    + " is out of range", "", "choose a capacity from 1 to " + Limits.MAX_MAP_CAPACITY)));
        }
        Diagnostics errors = new Diagnostics(String.valueOf(sourceName), source);
        try {
            Ast.Script script = new Parser(new Lexer(source, errors).tokens(), errors).parse();
            stopOnErrors(errors, Stage.SYNTAX);
            ResolvedScript resolved = new Resolver(script, options, errors).resolve();
            CheckedScript checked = new TypeChecker(resolved, options, errors).check();
            stopOnErrors(errors, Stage.TYPE);
            Program program = new CodeGen(sourceName, source, checked, options, errors).generate();
            stopOnErrors(errors, Stage.TYPE);
            return program;
        } catch (RuntimeException | StackOverflowError e) {
            if (e instanceof CompileException ce) {
                throw ce;
            }
            throw new IllegalStateException("internal compiler error on " + sourceName + ": " + e, e);
        }
    }

    private static void stopOnErrors(Diagnostics errors, Stage stage) {
        if (errors.hasErrors()) {
            throw new CompileException(stage, errors.list());
        }
    }
}
