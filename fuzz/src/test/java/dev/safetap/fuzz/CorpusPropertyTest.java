package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.compiler.CompileException;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.verifier.VerifyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Properties 1, 2 and 4 on every accepted script of the golden corpus (the top-level {@code corpus/}), each run
 * on generated events for its probes.
 */
class CorpusPropertyTest {
    private static final Path CORPUS = Path.of("..", "corpus");

    @Test
    void everyAcceptedCorpusScriptIsSafeAndEveryTierAgrees() throws IOException {
        assertTrue(Files.isDirectory(CORPUS), "the golden corpus is expected at " + CORPUS.toAbsolutePath());
        List<String> failures = new ArrayList<>();
        int run = 0;
        try (Stream<Path> files = Files.walk(CORPUS)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".bt")).sorted().toList()) {
                String source = Files.readString(file);
                List<String> positional = source.lines().filter(l -> l.startsWith("// args:"))
                        .map(l -> Arrays.asList(l.substring(8).strip().split("\\s+"))).findFirst().orElse(List.of());
                VerifiedProgram verified;
                try {
                    verified = Verifier.verify(Scripts.compile(file.getFileName().toString(), source, positional, 64));
                } catch (CompileException | VerifyException e) {
                    continue;
                }
                List<GeneratedEvent> events = EventSequence.generate(verified.program(), Scripts.CATALOG, new SplittableRandom(file.hashCode()), 200);
                String failure = Oracle.all(verified, events);
                if (failure != null) {
                    failures.add(file.getFileName() + ": " + failure);
                }
                run++;
            }
        }
        System.out.println("corpus scripts run: " + run);
        assertTrue(run > 0, "no corpus script compiled");
        assertEquals(List.of(), failures);
    }
}
