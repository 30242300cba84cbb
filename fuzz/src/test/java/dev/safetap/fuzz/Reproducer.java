package dev.safetap.fuzz;

import dev.safetap.verifier.VerifiedProgram;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
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

    /**
     * Shrinks a failing case (the script, then its events) while {@code oracle} still fails on it, saves it as
     * reproducer {@code name}, and returns what to report: the failure, where it was saved, the shrunk script and
     * its failure. {@code verify} compiles and verifies a script, null when it is rejected.
     */
    static String shrinkAndSave(String name, String property, long seed, int capacity, SourceNode script,
            VerifiedProgram verified, List<GeneratedEvent> events, Function<String, VerifiedProgram> verify,
            BiFunction<VerifiedProgram, List<GeneratedEvent>, String> oracle) {
        String failure = oracle.apply(verified, events);
        Shrinker shrinker = new Shrinker(2000);
        SourceNode small = shrinker.shrink(script, SourceNode::simplifications, s -> {
            VerifiedProgram v = verify.apply(s.render());
            return v != null && oracle.apply(v, remap(events, verified, v)) != null;
        });
        VerifiedProgram smallVerified = verify.apply(small.render());
        List<GeneratedEvent> smallEvents = shrinker.shrinkList(remap(events, verified, smallVerified),
                e -> oracle.apply(smallVerified, e) != null);
        Reproducer r = new Reproducer(name, property, seed, capacity, small.render(), null, smallEvents);
        return property + " failed for seed " + seed + ": " + failure + "\nshrunk reproducer saved as " + r.save().toAbsolutePath()
                + "\n" + small.render() + "\nfailure on the shrunk case: " + oracle.apply(smallVerified, smallEvents);
    }

    /** The events name probes by index: moves them to the index of the same probe in {@code to}, dropping those it lacks. */
    private static List<GeneratedEvent> remap(List<GeneratedEvent> events, VerifiedProgram from, VerifiedProgram to) {
        List<String> names = to.program().probes().stream().map(p -> p.name()).toList();
        List<GeneratedEvent> out = new ArrayList<>();
        for (GeneratedEvent e : events) {
            int p = names.indexOf(from.program().probes().get(e.probe()).name());
            if (p >= 0) {
                out.add(new GeneratedEvent(p, e.record(), e.pid(), e.tid(), e.cpu(), e.timeNanos(), e.comm()));
            }
        }
        return out;
    }
}
