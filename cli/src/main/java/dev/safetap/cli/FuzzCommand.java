package dev.safetap.cli;

import dev.safetap.fuzz.FuzzReport;
import dev.safetap.fuzz.ScriptFuzzer;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code safetap fuzz}: runs a script in the checked interpreter on generated events and reports what it met. */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = {"Compile and verify a script, then run it in the checked interpreter on N generated events per probe",
            "(boundary values, empty and over-long strings, malformed records) and report per probe the coverage of",
            "its action and the most instructions one firing took against the proven bound, the fill of every map,",
            "and runtime errors (division by zero, dropped map updates) with their source lines.",
            "Exit 0 when no runtime error was found, 1 when one was (or the script was rejected)."})
final class FuzzCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ScriptOptions script;

    @Option(names = "--events", paramLabel = "N", description = "Events to generate per probe (default: ${DEFAULT-VALUE}).")
    int events = 1000;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the event generator, to repeat a run (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Override
    public Integer call() {
        if (events < 1) {
            throw new ParameterException(spec.commandLine(), "--events must be at least 1, not " + events);
        }
        KernelProbeCatalog catalog = KernelProbeCatalog.forCompiling();
        VerifiedProgram verified = ScriptLoader.loadVerified(script, catalog);
        String name = script.file() == null ? "-e" : script.file();
        FuzzReport report = ScriptFuzzer.fuzz(name, verified, catalog.tracepointCatalog(), events, seed);
        PrintWriter out = spec.commandLine().getOut();
        out.print(report.render());
        out.flush();
        return report.failed() ? ExitCode.REJECTED : ExitCode.OK;
    }
}
