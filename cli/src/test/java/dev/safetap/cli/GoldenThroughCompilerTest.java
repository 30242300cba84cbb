package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.Verifier;
import dev.safetap.vm.Interpreter;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The vm's golden scripts (each .out captured from bpftrace 0.17 running the .bt; under golden-json
 * from {@code bpftrace -q -f json}) run again, this time through the real compiler and verifier:
 * the whole pipeline prints what bpftrace printed.
 */
class GoldenThroughCompilerTest {
    private static final Path GOLDEN = Path.of("../vm/src/test/resources/golden");
    private static final Path GOLDEN_JSON = Path.of("../vm/src/test/resources/golden-json");

    @TestFactory
    Stream<DynamicTest> goldenScripts() throws IOException {
        return scripts(GOLDEN, OutputFormat.TEXT);
    }

    @TestFactory
    Stream<DynamicTest> goldenJsonScripts() throws IOException {
        return scripts(GOLDEN_JSON, OutputFormat.JSON);
    }

    private static Stream<DynamicTest> scripts(Path dir, OutputFormat format) throws IOException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(dir)) {
            scripts = files.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        }
        assertFalse(scripts.isEmpty(), "no golden scripts under " + dir.toAbsolutePath());
        CompileOptions options = new CompileOptions(KernelProbeCatalog.snapshot(), List.of(), 4096);
        return scripts.stream().map(script -> DynamicTest.dynamicTest(script.getFileName().toString(), () -> {
            String name = script.getFileName().toString();
            Path expected = dir.resolve(name.replace(".bt", ".out"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            Interpreter vm = new Interpreter(Verifier.verify(Compiler.compile(name, Files.readString(script), options)),
                    new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8), System.err, 0, 0, format));
            vm.begin();
            vm.end();
            assertEquals(Files.readString(expected), out.toString(StandardCharsets.UTF_8), name);
        }));
    }
}
