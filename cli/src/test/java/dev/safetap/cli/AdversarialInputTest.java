package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adversarial corpus ({@code src/test/resources/adversarial/*.case}): inputs that once knocked over {@code verify}
 * or the terminal, run in-process through {@link Main#run}. Each case file names its command, its input, its exit code
 * and the first lines of its stderr exactly:
 *
 * <pre>
 * # what the case is about
 * command: verify INPUT        words; INPUT is the file the input is written to, TEXT the input as one argument,
 *                              OUT a file in the temporary directory
 * input: "BEGIN { " "x" * 3    the input: quoted parts, each repeated when followed by {@code * N}; in quotes
 *                              {@code \xNN} is one byte, {@code \n \r \t \\ \"} as in C, any other character its UTF-8
 * path: /bin/ls                or a file that exists already (DIR is the temporary directory) instead of input:
 * exit: 1
 * stderr: INPUT:1:1: error: ...  the first lines of stderr, one key each, exactly (INPUT replaced by the path);
 *                              none: stderr is empty
 * last: and 9980 more errors   the last line of stderr, exactly
 * stdout: probes: 1            the first line of stdout, exactly
 * </pre>
 *
 * Every case must also leave stderr free of control characters (except newline and tab), free of stack traces and
 * internal errors, and bounded: {@link CommandLineBounds}.
 */
class AdversarialInputTest {
    private static final Path CORPUS = Path.of("src/test/resources/adversarial");

    @TempDir
    Path dir;

    /** One case file, read. */
    private record Case(String name, List<String> command, byte[] input, String path, int exit, List<String> stderr, String last,
            String stdout) {
    }

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(CORPUS)) {
            files = list.filter(p -> p.toString().endsWith(".case")).sorted().toList();
        }
        assertTrue(files.size() >= 20, "the adversarial corpus is missing: " + CORPUS.toAbsolutePath());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> run(read(f))));
    }

    private void run(Case c) throws IOException {
        Path input = dir.resolve(c.name().replace(".case", ".bt"));
        String inputPath;
        long inputSize;
        if (c.path() != null) {
            inputPath = c.path().replace("DIR", dir.toString());
            inputSize = Files.isRegularFile(Path.of(inputPath)) ? Files.size(Path.of(inputPath)) : 0;
        } else {
            Files.write(input, c.input());
            inputPath = input.toString();
            inputSize = c.input().length;
        }
        List<String> args = new ArrayList<>();
        for (String word : c.command()) {
            args.add(switch (word) {
                case "INPUT" -> inputPath;
                case "TEXT" -> new String(c.input(), StandardCharsets.UTF_8);
                case "OUT" -> dir.resolve("out.sftp").toString();
                default -> word;
            });
        }
        CommandLineBounds.Result r = CommandLineBounds.run(args.toArray(String[]::new), inputSize);
        String where = c.name() + ":\n" + CommandLineBounds.head(r.err());
        assertEquals(c.exit(), r.code(), where);
        List<String> lines = r.err().lines().toList();
        if (c.stderr().isEmpty()) {
            assertEquals("", r.err(), c.name() + ": stderr");
        }
        for (int i = 0; i < c.stderr().size(); i++) {
            assertTrue(i < lines.size(), where);
            assertEquals(c.stderr().get(i).replace("INPUT", inputPath), lines.get(i), c.name() + ": line " + (i + 1) + " of stderr");
        }
        if (c.last() != null) {
            assertFalse(lines.isEmpty(), where);
            assertEquals(c.last(), lines.get(lines.size() - 1), c.name() + ": the last line of stderr");
        }
        if (c.stdout() != null) {
            assertEquals(c.stdout(), r.out().lines().findFirst().orElse(""), c.name() + ": the first line of stdout");
        }
    }

    private static Case read(Path file) throws IOException {
        String name = file.getFileName().toString();
        List<String> command = null;
        byte[] input = null;
        String path = null;
        Integer exit = null;
        List<String> stderr = new ArrayList<>();
        String last = null;
        String stdout = null;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(": ");
            if (colon < 0) {
                fail(name + ": not `key: value`: " + line);
            }
            String value = line.substring(colon + 2);
            switch (line.substring(0, colon)) {
                case "command" -> command = List.of(value.trim().split(" +"));
                case "input" -> input = spec(name, value);
                case "path" -> path = value.trim();
                case "exit" -> exit = Integer.parseInt(value.trim());
                case "stderr" -> stderr.add(value);
                case "last" -> last = value;
                case "stdout" -> stdout = value;
                default -> fail(name + ": unknown key in " + line);
            }
        }
        assertTrue(command != null && exit != null && (input == null) != (path == null) && (exit == 0 || !stderr.isEmpty()),
                name + ": a case needs command, exit, one of input and path, and stderr unless it exits 0");
        return new Case(name, command, input == null ? new byte[0] : input, path, exit, stderr, last, stdout);
    }

    /** The bytes an {@code input:} value describes. */
    private static byte[] spec(String name, String value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c == ' ') {
                i++;
                continue;
            }
            if (c != '"') {
                fail(name + ": expected a quoted part at column " + (i + 1) + " of the input: " + value);
            }
            ByteArrayOutputStream part = new ByteArrayOutputStream();
            i++;
            while (i < value.length() && value.charAt(i) != '"') {
                char p = value.charAt(i);
                if (p != '\\') {
                    int cp = value.codePointAt(i);
                    part.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                    i += Character.charCount(cp);
                    continue;
                }
                char e = value.charAt(i + 1);
                i += 2;
                switch (e) {
                    case 'x' -> {
                        part.write(Integer.parseInt(value.substring(i, i + 2), 16));
                        i += 2;
                    }
                    case 'n' -> part.write('\n');
                    case 'r' -> part.write('\r');
                    case 't' -> part.write('\t');
                    case '\\', '"' -> part.write(e);
                    default -> fail(name + ": unknown escape \\" + e + " in the input");
                }
            }
            i++;
            int times = 1;
            int j = i;
            while (j < value.length() && value.charAt(j) == ' ') {
                j++;
            }
            if (j < value.length() && value.charAt(j) == '*') {
                j++;
                while (j < value.length() && value.charAt(j) == ' ') {
                    j++;
                }
                int start = j;
                while (j < value.length() && Character.isDigit(value.charAt(j))) {
                    j++;
                }
                times = Integer.parseInt(value.substring(start, j));
                i = j;
            }
            byte[] bytes = part.toByteArray();
            for (int t = 0; t < times; t++) {
                out.writeBytes(bytes);
            }
        }
        return out.toByteArray();
    }
}
