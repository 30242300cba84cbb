package dev.safetap.cli;

import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.Verifier;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code safetap compile FILE -o OUT}: compile a script to a bytecode file (verified before it is written). */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = "Compile a script to a bytecode file. The program is verified before it is written.")
final class CompileCommand implements Callable<Integer> {
    @Mixin
    ScriptOptions script;

    @Option(names = "-o", required = true, paramLabel = "OUT", description = "Bytecode file to write.")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (Files.isDirectory(output)) {
            throw unwritable("it is a directory; give the name of the file to write");
        }
        Program program = ScriptLoader.load(script, KernelProbeCatalog.forCompiling());
        Verifier.verify(program, script.memoryBudget());
        try {
            Files.write(output, ProgramCodec.encode(program));
        } catch (IOException e) {
            String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
            throw unwritable(reason + "; choose another file for -o");
        }
        return ExitCode.OK;
    }

    private ParameterException unwritable(String why) {
        return new ParameterException(spec.commandLine(), "cannot write the bytecode to " + output + ": " + why);
    }
}
