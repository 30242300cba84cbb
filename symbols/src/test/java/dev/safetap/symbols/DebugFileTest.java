package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A binary stripped of its symbols, its debug file split off as distributions do (objcopy --only-keep-debug,
 * strip --strip-debug --strip-unneeded, objcopy --add-gnu-debuglink), found in each place gdb looks, and refused
 * when it belongs to another build.
 */
class DebugFileTest {
    @TempDir
    Path dir;

    private Path bin;
    private Path root;

    @BeforeEach
    void directories() throws IOException {
        bin = Files.createDirectories(dir.resolve("usr/bin"));
        root = Files.createDirectories(dir.resolve("debug-root"));
    }

    /** Builds {@code bin/prog} stripped, with its debug file at {@code bin/prog.debug}; returns nm's view of the unstripped build. */
    private Map<String, Long> stripped(String... flags) throws IOException {
        List<String> all = new ArrayList<>(List.of("-g", "-O2", "-fPIE", "-pie"));
        all.addAll(List.of(flags));
        Path full = NativeBuild.compile(dir, "prog", all.toArray(String[]::new));
        Map<String, Long> nm = NativeBuild.nm(full);
        Path debug = bin.resolve("prog.debug");
        NativeBuild.run("objcopy", "--only-keep-debug", full.toString(), debug.toString());
        NativeBuild.run("strip", "--strip-debug", "--strip-unneeded", "-o", bin.resolve("prog").toString(), full.toString());
        NativeBuild.run("objcopy", "--add-gnu-debuglink=" + debug, bin.resolve("prog").toString());
        return nm;
    }

    private BinaryImage image() {
        return BinaryImage.read(bin.resolve("prog"), new DebugFileDirectory(root));
    }

    private void assertResolvesWith(Map<String, Long> nm, Path debugFile) {
        BinaryImage image = image();
        assertEquals(Optional.of(debugFile), image.debugFile().map(ElfFile::path));
        for (String function : List.of("hot_a", "hot_b", "main")) {
            assertEquals(Optional.of(new Symbol(function, 2, bin.resolve("prog").toString())),
                    image.lookup(nm.get(function) + 2), function);
        }
    }

    @Test
    void theStrippedBinaryAloneDoesNotNameItsFunctions() throws IOException {
        Map<String, Long> nm = stripped();
        Files.delete(bin.resolve("prog.debug"));
        ElfFile binary = ElfFile.read(bin.resolve("prog")).orElseThrow();
        assertFalse(binary.hasSymtab());
        assertEquals(Optional.of(new DebugLink("prog.debug", binary.debugLink().orElseThrow().crc())), binary.debugLink());
        BinaryImage image = image();
        assertEquals(Optional.empty(), image.debugFile());
        assertEquals(Optional.empty(), image.lookup(nm.get("hot_a")), "hot_a is not exported");
    }

    @Test
    void theDebugFileNextToTheBinary() throws IOException {
        Map<String, Long> nm = stripped();
        assertResolvesWith(nm, bin.resolve("prog.debug"));
    }

    @Test
    void theDebugFileInDotDebug() throws IOException {
        Map<String, Long> nm = stripped();
        Path moved = Files.createDirectories(bin.resolve(".debug")).resolve("prog.debug");
        Files.move(bin.resolve("prog.debug"), moved);
        assertResolvesWith(nm, moved);
    }

    @Test
    void theDebugFileUnderTheDebugRoot() throws IOException {
        Map<String, Long> nm = stripped();
        Path moved = Files.createDirectories(root.resolve(Path.of("/").relativize(bin))).resolve("prog.debug");
        Files.move(bin.resolve("prog.debug"), moved);
        assertResolvesWith(nm, moved);
    }

    @Test
    void theDebugFileByBuildIdComesFirst() throws IOException {
        Map<String, Long> nm = stripped();
        String id = NativeBuild.buildId(bin.resolve("prog"));
        Path byId = Files.createDirectories(root.resolve(".build-id").resolve(id.substring(0, 2)))
                .resolve(id.substring(2) + ".debug");
        Files.copy(bin.resolve("prog.debug"), byId);
        assertResolvesWith(nm, byId);
        Files.delete(bin.resolve("prog.debug"));
        assertResolvesWith(nm, byId);
    }

    @Test
    void aDebugFileOfAnotherBuildIsRefused() throws IOException {
        Map<String, Long> nm = stripped();
        Path other = NativeBuild.compileSource(dir, "other", NativeBuild.PROGRAM.replace("i * 3", "i * 5"), "-g", "-O2",
                "-fPIE", "-pie");
        assertNotEquals(NativeBuild.buildId(other), NativeBuild.buildId(bin.resolve("prog")));
        NativeBuild.run("objcopy", "--only-keep-debug", other.toString(), bin.resolve("prog.debug").toString());
        BinaryImage image = image();
        assertEquals(Optional.empty(), image.debugFile());
        assertEquals(Optional.empty(), image.lookup(nm.get("hot_a")));
    }

    @Test
    void withoutBuildIdsTheDebugLinksCrcDecides() throws IOException {
        Map<String, Long> nm = stripped("-Wl,--build-id=none");
        assertEquals(Optional.empty(), ElfFile.read(bin.resolve("prog")).orElseThrow().buildId());
        assertResolvesWith(nm, bin.resolve("prog.debug"));
        Files.write(bin.resolve("prog.debug"), new byte[] {0}, StandardOpenOption.APPEND);
        assertTrue(ElfFile.read(bin.resolve("prog.debug")).orElseThrow().hasSymtab(), "still a debug file");
        assertEquals(Optional.empty(), image().debugFile(), "but not the one the link names");
    }

    @Test
    void theFrameSectionsOfBothFilesAreExposed() throws IOException {
        stripped("-fno-asynchronous-unwind-tables", "-fno-unwind-tables");
        BinaryImage image = image();
        List<FrameSection> expected = new ArrayList<>(NativeBuild.frameSections(bin.resolve("prog")));
        expected.addAll(NativeBuild.frameSections(bin.resolve("prog.debug")));
        assertEquals(expected, image.frameSections());
        assertTrue(image.frameSections().stream()
                .anyMatch(f -> f.name().equals(".debug_frame") && f.file().equals(bin.resolve("prog.debug"))),
                "without unwind tables gcc puts the CFI in .debug_frame, which only the debug file keeps: "
                        + image.frameSections());
    }
}
