package dev.safetap.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A shrunk failing case kept under {@code src/test/resources/reproducers/}: {@code NAME.bt} (a
 * script) or {@code NAME.sasm} (assembly, for bytecode mutants), and {@code NAME.events} whose
 * {@code #} header lines give the property, the seed and the map capacity, followed by one
 * {@link GeneratedEvent#toText()} line per event.
 */
record Reproducer(String name, String property, long seed, int capacity, String source, String assembly, List<GeneratedEvent> events) {
    static final Path DIRECTORY = Path.of("src", "test", "resources", "reproducers");

    Path save() {
        try {
            Files.createDirectories(DIRECTORY);
            Path program = DIRECTORY.resolve(name + (source != null ? ".bt" : ".sasm"));
            Files.writeString(program, source != null ? source : assembly, StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder("# property: " + property + "\n# seed: " + seed + "\n# capacity: " + capacity + "\n");
            for (GeneratedEvent e : events) {
                sb.append(e.toText()).append('\n');
            }
            Files.writeString(DIRECTORY.resolve(name + ".events"), sb.toString(), StandardCharsets.UTF_8);
            return program;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every reproducer in the directory, by program file; a missing or malformed events file throws. */
    static List<Reproducer> loadAll() throws IOException {
        List<Reproducer> out = new ArrayList<>();
        if (!Files.isDirectory(DIRECTORY)) {
            return out;
        }
        try (Stream<Path> files = Files.list(DIRECTORY)) {
            for (Path p : files.sorted().toList()) {
                String file = p.getFileName().toString();
                if (file.endsWith(".bt") || file.endsWith(".sasm")) {
                    out.add(load(p));
                }
            }
        }
        return out;
    }

    static Reproducer load(Path program) throws IOException {
        String file = program.getFileName().toString();
        String name = file.substring(0, file.lastIndexOf('.'));
        String text = Files.readString(program, StandardCharsets.UTF_8);
        String property = "";
        long seed = 0;
        int capacity = 4096;
        List<GeneratedEvent> events = new ArrayList<>();
        for (String line : Files.readAllLines(program.resolveSibling(name + ".events"), StandardCharsets.UTF_8)) {
            if (line.startsWith("# property:")) {
                property = line.substring(11).strip();
            } else if (line.startsWith("# seed:")) {
                seed = Long.parseLong(line.substring(7).strip());
            } else if (line.startsWith("# capacity:")) {
                capacity = Integer.parseInt(line.substring(11).strip());
            } else if (!line.isBlank() && !line.startsWith("#")) {
                events.add(GeneratedEvent.parse(line));
            }
        }
        boolean script = file.endsWith(".bt");
        return new Reproducer(name, property, seed, capacity, script ? text : null, script ? null : text, events);
    }
}
