package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.Program;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every hostile program in resources/malicious is rejected with the message its first line expects. */
class MaliciousCorpusTest {
    private static final String EXPECT = "; expect: ";

    private static List<Path> corpus() throws IOException, URISyntaxException {
        Path dir = Path.of(MaliciousCorpusTest.class.getResource("/malicious").toURI());
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".sasm")).sorted().toList();
        }
    }

    private static String rejection(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Program program = Assembler.assemble(text);
        return assertThrows(VerifyException.class, () -> Verifier.verify(program), file.getFileName() + " was accepted").render();
    }

    @TestFactory
    Stream<DynamicTest> everyFileIsRejectedWithItsExpectedMessage() throws IOException, URISyntaxException {
        return corpus().stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
            String first = Files.readAllLines(file, StandardCharsets.UTF_8).get(0);
            assertTrue(first.startsWith(EXPECT), file + " must start with '" + EXPECT + "'");
            String expected = first.substring(EXPECT.length()).trim();
            String message = rejection(file);
            assertTrue(message.startsWith("<bytecode>: error: "), message);
            assertTrue(message.contains(expected), file.getFileName() + ": expected '" + expected + "' in:\n" + message);
        }));
    }

    @Test
    void everyFileFailsForItsOwnReason() throws IOException, URISyntaxException {
        List<Path> files = corpus();
        assertTrue(files.size() >= 14, "corpus has only " + files.size() + " files");
        Map<String, Path> seen = new HashMap<>();
        for (Path file : files) {
            Path other = seen.put(rejection(file), file);
            assertEquals(null, other, file.getFileName() + " is rejected with the same message as " + other);
        }
        assertFalse(seen.isEmpty());
    }
}
