package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Live processes of the test program, symbolized from their /proc/PID/maps while they run and after they exit. */
class UserSymbolizerTest {
    @TempDir
    Path dir;

    private Process running;

    /** The test program, started and waiting on its standard input, and the addresses it printed. */
    private record Started(Process process, long hotA, long hotB, long main) {
        int pid() {
            return (int) process.pid();
        }
    }

    private Started start(Path binary) throws IOException {
        running = new ProcessBuilder(binary.toString(), "wait").redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(running.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        assertTrue(line != null && line.split(" ").length == 3, binary + " printed " + line);
        String[] f = line.split(" ");
        return new Started(running, hex(f[0]), hex(f[1]), hex(f[2]));
    }

    private static long hex(String pointer) {
        return Long.parseUnsignedLong(pointer.substring(2), 16);
    }

    private static void stop(Started started) throws IOException, InterruptedException {
        started.process().getOutputStream().close();
        assertTrue(started.process().waitFor(30, TimeUnit.SECONDS), "the program exits when its input closes");
    }

    @AfterEach
    void kill() {
        if (running != null) {
            running.destroyForcibly();
        }
    }

    private UserSymbolizer symbolizer() {
        return new UserSymbolizer(new DebugFileDirectory(dir.resolve("no-debug")), Path.of("/proc"), dir);
    }

    @Test
    void aRunningProgramsFunctionsResolveAndStillDoAfterItExits() throws Exception {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        Started started = start(binary);
        AddressSpace space = AddressSpace.of(ProcessMaps.read(started.pid()));
        UserSymbolizer symbolizer = symbolizer();
        String path = binary.toRealPath().toString();
        assertEquals(Optional.of(new Symbol("hot_a", 0, path)), symbolizer.lookup(started.pid(), space, started.hotA()));
        assertEquals(Optional.of(new Symbol("hot_a", 3, path)), symbolizer.lookup(started.pid(), space, started.hotA() + 3));
        assertEquals(Optional.of(new Symbol("hot_b", 1, path)), symbolizer.lookup(started.pid(), space, started.hotB() + 1));
        assertEquals(Optional.of(new Symbol("main", 0, path)), symbolizer.lookup(started.pid(), space, started.main()));
        stop(started);
        UserSymbolizer afterExit = symbolizer();
        assertEquals(Optional.of(new Symbol("hot_a", 3, path)), afterExit.lookup(started.pid(), space, started.hotA() + 3));
        assertEquals("hot_b+1", Symbol.frame(afterExit.lookup(started.pid(), space, started.hotB() + 1), 0));
    }

    @Test
    void theVdsoOfAnotherProcessIsNamedFromOurOwnCopyOfIt() throws Exception {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        Started started = start(binary);
        AddressSpace space = AddressSpace.of(ProcessMaps.read(started.pid()));
        Mapping vdso = space.mappings().stream().filter(Mapping::vdso).findFirst().orElseThrow();
        UserSymbolizer symbolizer = UserSymbolizer.system();
        assertTrue(symbolizer.image(started.pid(), vdso).orElseThrow().elf().isPresent());
        Optional<Symbol> named = Optional.empty();
        for (long at = vdso.start(); at < vdso.end() && named.isEmpty(); at += 4) {
            named = symbolizer.lookup(started.pid(), space, at).filter(sym -> sym.name().endsWith("clock_gettime"));
        }
        assertTrue(named.isPresent(), "the vDSO's clock_gettime");
        assertEquals("[vdso]", named.get().source());
    }

    @Test
    void libcFunctionsResolveInTheRunningProgram() throws Exception {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        Started started = start(binary);
        AddressSpace space = AddressSpace.of(ProcessMaps.read(started.pid()));
        Mapping libcText = space.mappings().stream().filter(m -> m.executable() && m.path().endsWith("/libc.so.6"))
                .findFirst().orElseThrow();
        ElfFile libc = ElfFile.read(Path.of(libcText.path())).orElseThrow();
        long malloc = NativeBuild.nm(Path.of(libcText.path()), "-D").get("malloc");
        LoadSegment segment = libc.segments().stream()
                .filter(s -> malloc >= s.virtualAddress() && malloc < s.virtualAddress() + s.fileSize()).findFirst().orElseThrow();
        long fileOffset = malloc - segment.virtualAddress() + segment.offset();
        long address = libcText.start() + fileOffset - libcText.offset();
        assertEquals(Optional.of(new Symbol("malloc", 16, libcText.path())),
                symbolizer().lookup(started.pid(), space, address + 16));
        stop(started);
    }

    @Test
    void aDeletedBinaryIsReadThroughMapFilesWhileItsProcessLives() throws Exception {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        Path copy = Files.copy(binary, dir.resolve("doomed"));
        Started started = start(copy);
        AddressSpace space = AddressSpace.of(ProcessMaps.read(started.pid()));
        Mapping text = space.find(started.hotA()).orElseThrow();
        Files.delete(copy);
        Files.copy(NativeBuild.compileSource(dir, "impostor", "int main(void) { return 0; }\n"), copy);
        space = AddressSpace.of(ProcessMaps.read(started.pid()));
        assertTrue(space.find(started.hotA()).orElseThrow().deleted(), "maps says (deleted)");
        assertEquals(text.inode(), space.find(started.hotA()).orElseThrow().inode());
        UserSymbolizer symbolizer = symbolizer();
        assertEquals(Optional.of("hot_a"), symbolizer.lookup(started.pid(), space, started.hotA()).map(Symbol::name),
                "the new file at the path has another inode; map_files has the mapped one");
        assertEquals(Path.of("/proc", Integer.toString(started.pid()), "map_files",
                Long.toHexString(text.start()) + "-" + Long.toHexString(text.end())),
                symbolizer.image(started.pid(), text).orElseThrow().file());
        stop(started);
    }

    @Test
    void aContainersFileIsReadUnderTheProcesssRoot() throws Exception {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        long hotA = NativeBuild.nm(binary).get("hot_a");
        Path fakeProc = dir.resolve("proc");
        Path inContainer = Files.createDirectories(fakeProc.resolve("77/root/opt/app")).resolve("prog");
        Files.copy(binary, inContainer);
        long inode = (Long) Files.getAttribute(inContainer, "unix:ino");
        LoadSegment text = ElfFile.read(binary).orElseThrow().segments().stream().filter(LoadSegment::executable)
                .findFirst().orElseThrow();
        long base = 0x5555_0000_0000L;
        Mapping mapping = new Mapping(base + text.virtualAddress(), base + text.virtualAddress() + text.memorySize(),
                "r-xp", text.offset(), 8, 1, inode, "/opt/app/prog", false);
        UserSymbolizer symbolizer = new UserSymbolizer(new DebugFileDirectory(dir), fakeProc, dir);
        assertEquals(Optional.of(new Symbol("hot_a", 2, "/opt/app/prog")),
                symbolizer.lookup(77, AddressSpace.of(List.of(mapping)), base + hotA + 2));
        assertEquals(inContainer, symbolizer.image(77, mapping).orElseThrow().file());
    }

    @Test
    void anonymousMemoryIsNamedByThePerfMap() throws IOException, InterruptedException {
        AddressSpace space = new AddressSpace();
        space.add(Mapping.fromMmap2(0x7f0000000000L, 0x10000, 0, 0, 0, 0, 7, 2, "//anon"));
        space.add(Mapping.parse("7ffd4a3f0000-7ffd4a3f2000 r-xp 00000000 00:00 0  [vdso]").orElseThrow());
        Path perfMap = Files.writeString(dir.resolve("perf-4242.map"), "7f0000000100 40 Interpreter\n");
        UserSymbolizer symbolizer = symbolizer();
        assertEquals(Optional.of(new Symbol("Interpreter", 0x10, perfMap.toString())),
                symbolizer.lookup(4242, space, 0x7f0000000110L));
        assertEquals(Optional.empty(), symbolizer.lookup(4242, space, 0x7f0000000200L));
        Files.writeString(perfMap, "7f0000000200 80 LFoo;::bar\n", StandardOpenOption.APPEND);
        assertEquals(Optional.empty(), symbolizer.lookup(4242, space, 0x7f0000000210L), "read at most once a second");
        Thread.sleep(UserSymbolizer.PERF_MAP_REREAD_NANOS / 1_000_000 + 50);
        assertEquals(Optional.of("LFoo;::bar"), symbolizer.lookup(4242, space, 0x7f0000000210L).map(Symbol::name),
                "a miss reads the grown file again");
        Files.writeString(dir.resolve("perf-4243.map"), "6f0000000000 40 unmapped_jit\n");
        assertEquals(Optional.of("unmapped_jit"), symbolizer.lookup(4243, space, 0x6f0000000001L).map(Symbol::name),
                "an address in no known mapping may be JIT code mapped since");
        assertEquals(Optional.empty(), symbolizer.lookup(4242, space, 0x7ffd4a3f0010L), "the vDSO is not resolved");
        assertEquals(Optional.empty(), symbolizer.lookup(9999, space, 0x7f0000000110L), "no perf map for that process");
    }

    @Test
    void theCacheKeepsAtMostItsBoundOfBinaries() throws IOException {
        UserSymbolizer symbolizer = new UserSymbolizer(new DebugFileDirectory(dir), Path.of("/proc"), dir, 2, 1L << 30);
        for (int i = 0; i < 4; i++) {
            Path binary = NativeBuild.compile(dir, "prog" + i, "-O2", "-fPIE", "-pie");
            long hotA = NativeBuild.nm(binary).get("hot_a");
            LoadSegment text = ElfFile.read(binary).orElseThrow().segments().stream().filter(LoadSegment::executable)
                    .findFirst().orElseThrow();
            long inode = (Long) Files.getAttribute(binary, "unix:ino");
            Mapping mapping = new Mapping(0x1000_0000L + text.virtualAddress(), 0x1000_0000L + text.virtualAddress()
                    + text.memorySize(), "r-xp", text.offset(), 8, 1, inode, binary.toString(), false);
            assertEquals(Optional.of("hot_a"), symbolizer.lookup(1, AddressSpace.of(List.of(mapping)),
                    0x1000_0000L + hotA).map(Symbol::name));
            assertTrue(symbolizer.cachedImages() <= 2, symbolizer.cachedImages() + " kept");
            assertTrue(symbolizer.rememberedMappings() <= 2, symbolizer.rememberedMappings() + " remembered");
        }
        UserSymbolizer tiny = new UserSymbolizer(new DebugFileDirectory(dir), Path.of("/proc"), dir, 100, 1);
        for (int i = 0; i < 3; i++) {
            Path binary = dir.resolve("prog" + i);
            tiny.image(1, new Mapping(0x1000, 0x2000, "r-xp", 0, 8, 1, 0, binary.toString(), false));
        }
        assertEquals(1, tiny.cachedImages(), "over the byte bound only the newest is kept");
    }

    @Test
    void aMappingOfNoFileOrOfAMissingFileNamesNothing() {
        UserSymbolizer symbolizer = symbolizer();
        Mapping missing = new Mapping(0x1000, 0x2000, "r-xp", 0, 8, 1, 5, dir.resolve("gone").toString(), true);
        assertEquals(Optional.empty(), symbolizer.lookup(1, AddressSpace.of(List.of(missing)), 0x1800));
        assertTrue(symbolizer.image(1, missing).orElseThrow().elf().isEmpty());
        Mapping nul = new Mapping(0x1000, 0x2000, "r-xp", 0, 8, 1, 5, "/bad\0path", false);
        assertEquals(Optional.empty(), symbolizer.image(1, nul));
        assertEquals(Optional.empty(), symbolizer.lookup(1, AddressSpace.of(List.of(nul)), 0x1800));
    }
}
