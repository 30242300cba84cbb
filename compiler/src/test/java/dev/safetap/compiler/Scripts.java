package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.Verifier;
import java.util.List;

/** Compiles test scripts against the snapshot catalog; every successful compilation is also verified and round-tripped. */
final class Scripts {
    /** The snapshot of real 6.18 tracepoint formats, as the session module presents them to the compiler. */
    static final KernelProbeCatalog CATALOG = KernelProbeCatalog.snapshot();

    private Scripts() {
    }

    static CompileOptions options(List<String> params) {
        return new CompileOptions(CATALOG, params, 4096);
    }

    static Program compile(String source) {
        return compile(source, options(List.of()));
    }

    /** Compiles, then checks that the program survives encode/decode unchanged and that the verifier accepts it. */
    static Program compile(String source, CompileOptions options) {
        Program p = Compiler.compile("test.bt", source, options);
        byte[] bytes = ProgramCodec.encode(p);
        Program back = ProgramCodec.decode(bytes);
        assertArrayEquals(bytes, ProgramCodec.encode(back));
        assertEquals(Disassembler.disassemble(p), Disassembler.disassemble(back));
        Verifier.verify(p);
        return p;
    }

    /** The rendered errors of a script that must not compile. */
    static String errors(String source) {
        return errors(source, options(List.of()));
    }

    static String errors(String source, CompileOptions options) {
        return assertThrows(CompileException.class, () -> Compiler.compile("test.bt", source, options)).render();
    }

    /** The disassembly of the instructions of action {@code action}, without pcs and line comments. */
    static String code(Program p, int action) {
        StringBuilder sb = new StringBuilder();
        boolean inside = false;
        for (String line : Disassembler.disassemble(p).split("\n")) {
            if (line.startsWith(".action ")) {
                inside = line.startsWith(".action " + action + " ");
                continue;
            }
            if (inside && line.startsWith("  ")) {
                String insn = line.substring(line.indexOf(':') + 2);
                int comment = insn.indexOf("    ;");
                sb.append(comment >= 0 ? insn.substring(0, comment) : insn).append('\n');
            }
        }
        return sb.toString();
    }
}
