package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.Program;
import dev.safetap.compiler.CompileException;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.verifier.VerifyException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replays every saved reproducer: each must now pass every property that applies to it. */
class ReproducerReplayTest {

    @Test
    void everySavedReproducerPasses() throws IOException {
        assertTrue(Files.exists(Reproducer.DIRECTORY.resolve("README.md")), "the reproducer directory and its README must exist");
        List<String> failures = new ArrayList<>();
        List<Reproducer> all = Reproducer.loadAll();
        for (Reproducer r : all) {
            String failure = replay(r);
            if (failure != null) {
                failures.add(r.name() + " (seed " + r.seed() + ", " + r.property() + "): " + failure);
            }
        }
        System.out.println("replayed " + all.size() + " reproducers");
        assertEquals(List.of(), failures);
    }

    /** The failure the reproducer still shows, or null when every property holds (or the verifier now rejects it). */
    static String replay(Reproducer r) {
        Program program;
        try {
            program = r.source() != null ? Scripts.compile(r.source(), r.capacity()) : Assembler.assemble(r.assembly());
        } catch (CompileException | BytecodeFormatException e) {
            return "the program no longer compiles or assembles: " + e.getMessage();
        }
        VerifiedProgram verified;
        try {
            verified = Verifier.verify(program);
        } catch (VerifyException e) {
            return null;
        }
        for (GeneratedEvent e : r.events()) {
            if (e.probe() < 0 || e.probe() >= program.probes().size()) {
                return "an event names probe " + e.probe() + ", but the program has " + program.probes().size();
            }
        }
        if (r.property().equals("filter")) {
            return FilterOracle.all(verified, r.events());
        }
        return r.source() != null ? Oracle.all(verified, r.events()) : Oracle.safety(verified, r.events());
    }

    @Test
    void aReproducerThatStillFailsIsReported() {
        Reproducer stale = new Reproducer("stale", "safe", 1, 4096, "BEGIN { @x = ; }", null, List.of());
        assertNotNull(replay(stale));
        Reproducer wrongProbe = new Reproducer("probe", "safe", 1, 4096, "BEGIN { exit(); }", null,
                List.of(new GeneratedEvent(3, null, 1, 1, 0, 0, new byte[0])));
        assertTrue(replay(wrongProbe).contains("probe 3"));
    }

    @Test
    void savedReproducersLoadBackIdentically(@TempDir Path dir) throws IOException {
        SplittableRandom random = new SplittableRandom(11);
        EventGenerator generator = new EventGenerator(Scripts.CATALOG.format("sched:sched_process_exec").orElseThrow(), random);
        List<GeneratedEvent> events = new ArrayList<>();
        for (EventGenerator.Shape shape : EventGenerator.Shape.values()) {
            events.add(generator.next(0, shape));
        }
        String source = "tracepoint:sched:sched_process_exec { @[str(args->filename)] = count(); }";
        Path program = dir.resolve("case.bt");
        Files.writeString(program, source);
        StringBuilder sb = new StringBuilder("# property: safe\n# seed: 11\n# capacity: 8\n");
        events.forEach(e -> sb.append(e.toText()).append('\n'));
        Files.writeString(dir.resolve("case.events"), sb.toString());
        Reproducer r = Reproducer.load(program);
        assertEquals(source, r.source());
        assertEquals(8, r.capacity());
        assertEquals(11, r.seed());
        assertEquals(events.stream().map(GeneratedEvent::toText).toList(), r.events().stream().map(GeneratedEvent::toText).toList());
        assertNull(replay(r));
    }

    @Test
    void malformedEventFilesAreRejected(@TempDir Path dir) throws IOException {
        Path program = dir.resolve("bad.bt");
        Files.writeString(program, "BEGIN { exit(); }");
        assertThrows(IOException.class, () -> Reproducer.load(program));
        Files.writeString(dir.resolve("bad.events"), "probe=0 pid=1\n");
        assertThrows(IllegalArgumentException.class, () -> Reproducer.load(program));
    }
}
