package dev.safetap.cli;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import dev.safetap.kernel.HeldCommand;
import dev.safetap.kernel.SessionOptions;
import dev.safetap.session.CallGraph;
import dev.safetap.session.FlameGraphFile;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.session.ProbeListing;
import dev.safetap.session.TraceRun;
import dev.safetap.session.TraceSettings;
import dev.safetap.session.TracerOutput;
import dev.safetap.vm.OutputFormat;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code safetap} command: runs a script against the live kernel, or one of the subcommands. */
@Command(name = "safetap", mixinStandardHelpOptions = true, version = "safetap 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Production-safe dynamic tracer for Linux: bpftrace syntax, verified bytecode, run in user space.",
            "", "Exit codes: 0 ok, 1 script rejected, 2 usage error, 3 could not attach or trace, "
                + "4 events missed (with --strict), 141 standard output closed, 70 internal error."},
        subcommands = {VerifyCommand.class, CompileCommand.class, DisasmCommand.class, FuzzCommand.class})
public final class Main implements Callable<Integer> {
    @Mixin
    ScriptOptions script;

    @Option(names = "-l", description = "List the probes matching the pattern given as FILE (e.g. 'tracepoint:syscalls:*read*'), "
            + "or all; with -v, their fields.")
    boolean list;

    @Option(names = "-q", description = "Quiet: do not print 'Attaching N probes...'.")
    boolean quiet;

    @Option(names = "-f", paramLabel = "FORMAT", description = "Output format: text (bpftrace's default), json "
            + "(one JSON object per line, as bpftrace -f json prints) or folded (maps as folded stacks, the input of "
            + "flamegraph.pl and speedscope).", converter = FormatConverter.class)
    OutputFormat format = OutputFormat.TEXT;

    @Option(names = "-v", description = "Verbose: print the verifier's report before tracing; with -l, fields.")
    boolean verbose;

    @Option(names = "-c", paramLabel = "CMD", description = "Run CMD once every probe is attached; stop when it exits. cpid is its pid.")
    String command;

    @Option(names = "-p", paramLabel = "PID", description = "Trace only the events of process PID (all its threads); "
            + "stop when it exits.")
    Integer pid;

    @Option(names = "--ring-pages", paramLabel = "N", description = "Pages of each per-CPU ring buffer, a power of two "
            + "(default: a quarter of the memory budget left beside the maps, split over the CPUs, 1 to 32 MiB per CPU).")
    Integer ringPages;

    @Option(names = "--strict", description = "Exactness or nothing: if an event is lost (ring buffer full) or the kernel "
            + "counted one it did not deliver, stop at once with exit code 4, without END and maps.")
    boolean strict;

    @Option(names = "--no-bpf", description = "Load no BPF program: tracepoints outside syscalls are read through perf "
            + "alone, which on some kernels counts interrupt-context firings without writing them (reported as not "
            + "delivered). By default a fixed record-copy program, checked by the kernel, delivers them.")
    boolean noBpf;

    @Option(names = "--workers", paramLabel = "N", description = "Threads that run the probes which only aggregate "
            + "(verify shows them as 'order: any'), each on the rings of some CPUs; 0 runs every probe on the one thread "
            + "that merges events in time order (default: one per CPU, at most " + TraceSettings.MOST_DEFAULT_WORKERS + ").")
    Integer workers;

    @Option(names = "--flamegraph", paramLabel = "FILE", description = "When tracing ends, also write the maps keyed by "
            + "a stack as an interactive SVG flame graph to FILE.")
    Path flameGraph;

    @Option(names = "--call-graph", paramLabel = "MODE", description = "How user stacks are walked: fp (the kernel "
            + "follows frame pointers; cheap, but stops at code built without them) or dwarf[,SIZE] (each sample copies "
            + "the user registers and SIZE bytes of stack, default 8192, walked with the binaries' call frame "
            + "information, as perf --call-graph dwarf). Default: dwarf for profile, software and hardware probes, fp "
            + "for tracepoints.")
    String callGraph;
    private CallGraph walk;

    @Option(names = "--include-self", description = "Let the script see the events of safetap's own threads "
            + "(left out by default).")
    boolean includeSelf;

    @Spec
    CommandSpec spec;

    final PrintStream out;
    final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, TracerOutput.stdout(), System.err));
    }

    /** Runs the command line with these streams; returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            CommandLine cli = new CommandLine(new Main(out, err));
            cli.setOut(new java.io.PrintWriter(out, true));
            cli.setErr(new java.io.PrintWriter(err, true));
            cli.setExecutionExceptionHandler((e, line, parsed) -> handle(e, err));
            cli.setParameterExceptionHandler((e, a) -> {
                err.println("safetap: " + Diagnostic.printable(e.getMessage()));
                err.println("Try 'safetap --help' for usage.");
                return ExitCode.USAGE;
            });
            return cli.execute(args);
        } catch (LinkageError | TypeNotPresentException e) {
            return loadFailure(e, err);
        } catch (OutOfMemoryError e) {
            err.println("safetap: out of memory: the maps and ring buffers fit the memory budget, so this is a bug in safetap; "
                    + "please report it with the script that caused it");
            return ExitCode.INTERNAL;
        }
    }

    /**
     * A class or native library could not be loaded. With a very low {@code ulimit -n} the JVM, or JNA, cannot open
     * the file it needs, and says so with an error instead of an exception, naming the cause in its chain or (a
     * class loader) not at all: when the limit is that low, or no file can be opened now either, that is the reason.
     * The limit is read with getrlimit, through the JDK's own (already loaded) classes, which needs no descriptor.
     */
    private static int loadFailure(Throwable e, PrintStream err) {
        String tooMany = "Too many open files";
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (String.valueOf(cause.getMessage()).contains(tooMany)) {
                return outOfFileDescriptors(cause.getMessage(), err);
            }
        }
        long limit = descriptorLimit();
        if (limit >= 0 && limit < FEWEST_DESCRIPTORS) {
            return outOfFileDescriptors(limit == 0 ? tooMany : "the limit is " + limit, err);
        }
        try (java.io.FileInputStream probe = new java.io.FileInputStream("/dev/null")) {
            err.println("safetap: internal error: cannot load what it needs (" + e + "); check the installation of"
                    + " safetap and its Java");
            return ExitCode.INTERNAL;
        } catch (java.io.IOException noFile) {
            return outOfFileDescriptors(noFile.getMessage(), err);
        }
    }

    /**
     * The soft limit of open files (getrlimit, no descriptor needed once the JDK's management library is loaded);
     * 0 when loading that library itself ran out of descriptors, -1 when it cannot be told.
     */
    private static long descriptorLimit() {
        try {
            return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                    ? unix.getMaxFileDescriptorCount() : -1;
        } catch (LinkageError | RuntimeException e) {
            return String.valueOf(e.getMessage()).contains("Too many open files") ? 0 : -1;
        }
    }

    /** Below this many file descriptors the JVM cannot load safetap's classes from its jars. */
    private static final long FEWEST_DESCRIPTORS = 64;

    private static int outOfFileDescriptors(String message, PrintStream err) {
        err.println("safetap: cannot start: it ran out of file descriptors (" + message + "): raise `ulimit -n`");
        return ExitCode.ATTACH;
    }

    /** Maps the pipeline's errors to their message and exit code; anything else is a bug in safetap. */
    static int handle(Exception e, PrintStream err) {
        if (e instanceof SafetapException s) {
            err.print(s.render());
            return s.rejected() ? ExitCode.REJECTED : ExitCode.ATTACH;
        }
        if (e instanceof ScriptLoader.UnreadableScript u) {
            err.println("safetap: " + u.getMessage());
            return ExitCode.USAGE;
        }
        err.println("safetap: internal error: " + Diagnostic.printable(e.toString()) + "; please report it with the script that caused it"
                + " (set SAFETAP_DEBUG=1 to see where it happened)");
        if (System.getenv("SAFETAP_DEBUG") != null) {
            e.printStackTrace(err);
        }
        return ExitCode.INTERNAL;
    }

    /** Reads {@code -f text}, {@code -f json} and {@code -f folded}. */
    static final class FormatConverter implements CommandLine.ITypeConverter<OutputFormat> {
        @Override
        public OutputFormat convert(String value) {
            return switch (value) {
                case "text" -> OutputFormat.TEXT;
                case "json" -> OutputFormat.JSON;
                case "folded" -> OutputFormat.FOLDED;
                default -> throw new CommandLine.TypeConversionException("unknown output format '" + value
                        + "': use text, json or folded");
            };
        }
    }

    /** Checks what picocli cannot: the ranges of -p and --ring-pages, -c with -p, and that -c names a command. */
    private void validate() {
        if (flameGraph != null) {
            Path dir = flameGraph.toAbsolutePath().getParent();
            if (Files.isDirectory(flameGraph) || dir == null || !Files.isDirectory(dir)) {
                throw usage("--flamegraph: cannot write " + flameGraph + ": " + (Files.isDirectory(flameGraph)
                        ? "it is a directory" : "its directory does not exist"));
            }
        }
        walk = null;
        if (callGraph != null) {
            try {
                walk = CallGraph.parse(callGraph);
            } catch (IllegalArgumentException e) {
                throw usage(e.getMessage());
            }
        }
        if (pid != null && pid <= 0) {
            throw usage("-p takes the id of a running process, a positive number, not " + pid);
        }
        if (pid != null && command != null) {
            throw usage("-c and -p cannot be used together: -c traces the command it starts, -p a running process");
        }
        if (workers != null && (workers < 0 || workers > TraceSettings.MOST_WORKERS)) {
            throw usage("--workers takes a number of threads from 0 to " + TraceSettings.MOST_WORKERS + ", not " + workers);
        }
        String ring = ringPages == null ? null : SessionOptions.ringPagesProblem(ringPages);
        if (ring != null) {
            throw usage("--ring-pages " + ring);
        }
    }

    /** The argv of the -c command, its program checked to exist and be executable; empty without -c. */
    private List<String> commandArgv() {
        if (command == null) {
            return List.of();
        }
        if (command.isBlank()) {
            throw usage("-c needs a command to run");
        }
        List<String> argv = CommandWords.argv(command);
        String program = argv.get(0);
        if (HeldCommand.executable(program).isEmpty()) {
            Path file = Path.of(program);
            String why = !program.contains("/") ? "no such command in PATH"
                    : Files.isDirectory(file) ? "it is a directory"
                    : Files.exists(file) ? "it is not an executable file" : "no such file";
            throw usage("-c: cannot run " + program + ": " + why);
        }
        return argv;
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }

    @Override
    public Integer call() {
        validate();
        if (list) {
            String pattern = script.positional.isEmpty() ? "*" : script.positional.get(0);
            ProbeListing.print(KernelProbeCatalog.forCompiling(), pattern, verbose, out);
            return ExitCode.OK;
        }
        List<String> argv = commandArgv();
        KernelProbeCatalog catalog = KernelProbeCatalog.live();
        var verified = ScriptLoader.loadVerified(script, catalog);
        if (verbose) {
            err.print(verified.report().render());
        }
        if (flameGraph != null && FlameGraphFile.problem(verified.program()) != null) {
            throw usage(FlameGraphFile.problem(verified.program()));
        }
        TraceSettings settings = new TraceSettings(quiet, pid == null ? -1 : pid, argv, ringPages == null ? 0 : ringPages,
                !script.noKernelFilter, format, script.memoryBudget(), strict, includeSelf, !noBpf,
                workers == null ? -1 : workers, flameGraph, walk);
        return switch (new TraceRun(verified, settings, out, err).run(catalog)) {
            case OUTPUT_CLOSED -> ExitCode.OUTPUT_CLOSED;
            case EVENTS_MISSED -> ExitCode.EVENTS_MISSED;
            default -> ExitCode.OK;
        };
    }
}
