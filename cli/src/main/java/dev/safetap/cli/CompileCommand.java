package dev.safetap.cli;

import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.Verifier;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code safetap compile FILE -o OUT}: compile a script to a bytecode file (verified before it is written). */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile a script to a bytecode file. The program is verified before it is written.")
final class CompileCommand implements Callable<Integer> {
    @Mixin
    ScriptOptions script;

    @Option(names = "-o", required = true, paramLabel = "OUT", description = "Bytecode file to write.")
    Path output;

    @Override
    public Integer call() {
        Program program = ScriptLoader.load(script, KernelProbeCatalog.forCompiling());
        Verifier.verify(program, script.memoryBudget());
        try {
            Files.write(output, ProgramCodec.encode(program));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ExitCode.OK;
    }
}
