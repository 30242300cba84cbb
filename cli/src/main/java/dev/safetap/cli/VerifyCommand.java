package dev.safetap.cli;

import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code safetap verify}: compile (or decode) and verify a script, print the verifier's report. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Verify a script or bytecode file and print what it would do: probes, fields read, maps and their",
            "memory bound, worst-case instructions per firing, output actions. Exit 0 accepted, 1 rejected."})
final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    Main parent;

    @Mixin
    ScriptOptions script;

    @Option(names = "--json", description = "Print the report as one JSON object (schema: docs/verify-json.md).")
    boolean json;

    @Override
    public Integer call() {
        VerifiedProgram verified = ScriptLoader.loadVerified(script, KernelProbeCatalog.forCompiling());
        parent.out.print(json ? verified.report().toJson() + "\n" : verified.report().render());
        return ExitCode.OK;
    }
}
