package dev.safetap.cli;

import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Turns a script (text or bytecode) into a verified program. Bytecode files are verified like any
 * other program: the compiler that made them is not trusted.
 */
final class ScriptLoader {
    /** Thrown for a script that cannot be read at all: a usage problem, not a rejection. */
    static final class UnreadableScript extends RuntimeException {
        UnreadableScript(String message) {
            super(message);
        }
    }

    private ScriptLoader() {
    }

    static Program load(ScriptOptions options, KernelProbeCatalog catalog) {
        String file = options.file();
        if (options.program == null && file == null) {
            throw new UnreadableScript("no program given: pass a script FILE or -e 'PROGRAM' (see safetap --help)");
        }
        if (options.program != null) {
            return compile("-e", options.program, options, catalog);
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new UnreadableScript("cannot read " + file + ": no such file");
        } catch (IOException e) {
            throw new UnreadableScript("cannot read " + file + ": " + e.getMessage());
        }
        if (isBytecode(bytes)) {
            return ProgramCodec.decode(bytes);
        }
        return compile(file, new String(bytes, StandardCharsets.UTF_8), options, catalog);
    }

    static VerifiedProgram loadVerified(ScriptOptions options, KernelProbeCatalog catalog) {
        return Verifier.verify(load(options, catalog), options.memoryBudget());
    }

    static boolean isBytecode(byte[] bytes) {
        return bytes.length >= 4 && ((bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8
                | (bytes[3] & 0xff)) == ProgramCodec.MAGIC;
    }

    private static Program compile(String name, String source, ScriptOptions options, KernelProbeCatalog catalog) {
        return Compiler.compile(name, source, new CompileOptions(catalog, options.parameters(), options.mapCapacity));
    }
}
