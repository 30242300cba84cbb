package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way (DESIGN.md, "Pipeline and modules"): every reference of a module's main code to
 * another safetap package must be one the module may use. Kernel-bridge uses no language module (its tests
 * neither); the compiler no runtime module; cli uses fuzz only through its entry points.
 */
class ModuleDependencyTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.safetap\\.(\\w+)\\.(\\w+)");

    /** The module each top-level package belongs to. */
    private static final Map<String, String> MODULE_OF_PACKAGE = Map.of("bytecode", "bytecode", "compiler", "compiler",
            "verifier", "verifier", "vm", "vm", "kernel", "kernel-bridge", "symbols", "symbols", "session", "session", "fuzz", "fuzz",
            "cli", "cli");

    /** What each module's main code may use besides itself, in pipeline order. */
    private static final Map<String, Set<String>> ALLOWED = new LinkedHashMap<>();

    static {
        ALLOWED.put("bytecode", Set.of());
        ALLOWED.put("compiler", Set.of("bytecode"));
        ALLOWED.put("verifier", Set.of("bytecode"));
        ALLOWED.put("vm", Set.of("verifier", "bytecode"));
        ALLOWED.put("kernel-bridge", Set.of());
        ALLOWED.put("symbols", Set.of());
        ALLOWED.put("session", Set.of("vm", "verifier", "bytecode", "kernel-bridge", "symbols"));
        ALLOWED.put("fuzz", Set.of("session", "vm", "verifier", "bytecode", "kernel-bridge", "symbols", "compiler"));
        ALLOWED.put("cli", Set.of("compiler", "verifier", "vm", "bytecode", "kernel-bridge", "symbols", "session", "fuzz"));
    }

    /** The classes of fuzz that cli may name: the engine of {@code safetap fuzz} and its report. */
    private static final Set<String> FUZZ_ENTRY_POINTS = Set.of("ScriptFuzzer", "FuzzReport");

    @Test
    void theModulesAreThoseOfTheBuild() throws IOException {
        String pom = Files.readString(ROOT.resolve("pom.xml"));
        List<String> built = new ArrayList<>();
        Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(pom);
        while (m.find()) {
            built.add(m.group(1));
        }
        assertEquals(new TreeSet<>(ALLOWED.keySet()), new TreeSet<>(built), "a module was added or removed: say here what it may use");
    }

    @Test
    void everyModuleUsesOnlyWhatItMay() throws IOException {
        List<String> violations = new ArrayList<>();
        for (String module : ALLOWED.keySet()) {
            for (Path file : sources(ROOT.resolve(module).resolve("src/main/java"))) {
                violations.addAll(violations(module, ROOT.relativize(file).toString(), Files.readString(file)));
            }
        }
        for (Path file : sources(ROOT.resolve("kernel-bridge/src/test/java"))) {
            violations.addAll(violations("kernel-bridge", ROOT.relativize(file).toString(), Files.readString(file)));
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void aForbiddenReferenceIsFound() {
        assertEquals(List.of("x.java: kernel-bridge uses vm (dev.safetap.vm.Tier)"),
                violations("kernel-bridge", "x.java", "import dev.safetap.vm.Tier;"));
        assertEquals(List.of("y.java: compiler uses session (dev.safetap.session.TraceRun)"),
                violations("compiler", "y.java", "var run = new dev.safetap.session.TraceRun(p, s, o, e);"));
        assertEquals(List.of("z.java: cli uses fuzz internals (dev.safetap.fuzz.ProgramGenerator)"),
                violations("cli", "z.java", "import dev.safetap.fuzz.ScriptFuzzer;\nimport dev.safetap.fuzz.ProgramGenerator;"));
    }

    private static List<String> violations(String module, String file, String source) {
        List<String> out = new ArrayList<>();
        Matcher m = REFERENCE.matcher(source);
        while (m.find()) {
            String used = MODULE_OF_PACKAGE.get(m.group(1));
            if (used == null || used.equals(module)) {
                continue;
            }
            if (!ALLOWED.get(module).contains(used)) {
                out.add(file + ": " + module + " uses " + used + " (" + m.group() + ")");
            } else if (module.equals("cli") && used.equals("fuzz") && !FUZZ_ENTRY_POINTS.contains(m.group(2))) {
                out.add(file + ": cli uses fuzz internals (" + m.group() + ")");
            }
        }
        return out;
    }

    private static List<Path> sources(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().toList();
        }
    }
}
