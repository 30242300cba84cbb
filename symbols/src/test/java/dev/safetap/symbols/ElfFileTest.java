package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** ELF files gcc builds and Debian ships, read and resolved, with nm and readelf as the reference. */
class ElfFileTest {
    private static final Path LIBC = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = ';', value = {
        "pie-frame-pointers; DYN; -O2 -fno-omit-frame-pointer -fPIE -pie",
        "pie-no-frame-pointers; DYN; -O2 -fomit-frame-pointer -fPIE -pie",
        "no-pie; EXEC; -O1 -fno-pie -no-pie",
        "static; EXEC; -O2 -static",
        "static-pie; DYN; -O2 -fPIE -static-pie",
    })
    void theProgramsFunctionsResolveToTheirNamesAndOffsets(String name, ElfType type, String flags) throws IOException {
        Path binary = NativeBuild.compile(dir, name, flags.split(" "));
        ElfFile elf = ElfFile.read(binary).orElseThrow();
        assertEquals(type, elf.type());
        assertEquals(Optional.of(NativeBuild.buildId(binary)), elf.buildId());
        assertEquals(NativeBuild.loads(binary), elf.segments());
        Map<String, Long> nm = NativeBuild.nm(binary);
        List<NativeBuild.ElfEntry> functions = NativeBuild.functions(binary, false);
        for (String function : List.of("hot_a", "hot_b", "main")) {
            long address = nm.get(function);
            long size = sizeOf(functions, function);
            assertTrue(size > 3, function + " has " + size + " bytes");
            assertEquals(Optional.of(new Symbol(function, 0, binary.toString())), elf.symtab().lookup(address));
            assertEquals(Optional.of(new Symbol(function, 3, binary.toString())), elf.symtab().lookup(address + 3));
            assertEquals(Optional.of(new Symbol(function, size - 1, binary.toString())),
                    elf.symtab().lookup(address + size - 1));
            assertNotEquals(Optional.of(function), elf.symtab().lookup(address + size).map(Symbol::name));
        }
        everyFunctionResolvesToItself(elf.symtab(), functions);
    }

    @Test
    void aFunctionWithoutSizeEndsWhereTheNextSymbolStarts() throws IOException {
        Path binary = NativeBuild.compile(dir, "bare", "-O2");
        ElfFile elf = ElfFile.read(binary).orElseThrow();
        List<NativeBuild.ElfEntry> functions = NativeBuild.functions(binary, false);
        assertEquals(0, sizeOf(functions, "bare_asm"), "the assembly gave bare_asm no size");
        long bare = NativeBuild.nm(binary).get("bare_asm");
        for (int offset = 0; offset <= 4; offset++) {
            assertEquals(Optional.of(new Symbol("bare_asm", offset, binary.toString())), elf.symtab().lookup(bare + offset));
        }
        TreeSet<Long> starts = new TreeSet<>();
        NativeBuild.nm(binary).values().forEach(starts::add);
        Long next = starts.higher(bare);
        Optional<Symbol> atNext = elf.symtab().lookup(next);
        assertTrue(atNext.isEmpty() || !atNext.get().name().equals("bare_asm"), "bare_asm ends at " + Long.toHexString(next));
        assertEquals(Optional.empty(), elf.symtab().lookup(bare - 1).filter(s -> s.name().equals("bare_asm")));
    }

    @Test
    void libcResolvesItsExportedFunctionsFromDynsym() throws IOException {
        ElfFile libc = ElfFile.read(LIBC).orElseThrow();
        assertEquals(ElfType.DYN, libc.type());
        assertEquals(Optional.of(NativeBuild.buildId(LIBC)), libc.buildId());
        Map<String, Long> nm = NativeBuild.nm(LIBC, "-D");
        Map<Long, List<String>> names = NativeBuild.namesByAddress(nm);
        for (String function : List.of("malloc", "free", "read", "write", "printf", "memcpy")) {
            long address = nm.get(function);
            Symbol symbol = libc.dynsym().lookup(address).orElseThrow(() -> new AssertionError(function));
            assertTrue(names.get(address).contains(symbol.name()), function + " resolved to " + symbol.name());
            assertEquals(0, symbol.offset());
            assertEquals(LIBC.toString(), symbol.source());
            assertEquals(symbol.name(), libc.dynsym().lookup(address + 1).orElseThrow().name());
        }
        assertEquals("malloc", libc.dynsym().lookup(nm.get("malloc")).orElseThrow().name(),
                "of malloc and __libc_malloc the one without underscores");
        everyFunctionResolvesToItself(libc.dynsym(), NativeBuild.functions(LIBC, true));
    }

    @Test
    void libcsDebugLinkAndFrameSectionsAreThoseReadelfLists() throws IOException {
        ElfFile libc = ElfFile.read(LIBC).orElseThrow();
        assertTrue(libc.debugLink().isPresent(), "Debian's libc names its debug file");
        assertTrue(libc.debugLink().get().fileName().endsWith(".debug"), libc.debugLink().get().fileName());
        List<FrameSection> expected = NativeBuild.frameSections(LIBC);
        assertEquals(2, expected.size(), "libc has .eh_frame and .eh_frame_hdr");
        assertEquals(expected, libc.frameSections());
        assertEquals(expected, BinaryImage.read(LIBC, new DebugFileDirectory(dir)).frameSections());
    }

    @Test
    void onlySixtyFourBitLittleEndianElfIsRead() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2");
        byte[] bytes = Files.readAllBytes(binary);
        for (int[] change : new int[][] {{0, 0x7e}, {4, 1}, {5, 2}, {6, 0}, {16, 0x77}}) {
            byte[] copy = bytes.clone();
            copy[change[0]] = (byte) change[1];
            Path changed = Files.write(dir.resolve("changed"), copy);
            assertEquals(Optional.empty(), ElfFile.read(changed), "byte " + change[0] + " set to " + change[1]);
        }
        assertEquals(Optional.empty(), ElfFile.read(dir), "a directory");
        assertEquals(Optional.empty(), ElfFile.read(dir.resolve("absent")));
        assertEquals(Optional.empty(), ElfFile.read(dir.resolve("prog.c")), "a text file");
    }

    /**
     * Every function readelf lists resolves, at its first byte, to a name listed at that address, and at its last
     * byte to the same symbol (unless another function starts inside it).
     */
    static void everyFunctionResolvesToItself(ElfSymbols symbols, List<NativeBuild.ElfEntry> functions) {
        Map<Long, List<String>> names = new HashMap<>();
        TreeSet<Long> starts = new TreeSet<>();
        for (NativeBuild.ElfEntry f : functions) {
            names.computeIfAbsent(f.value(), v -> new ArrayList<>()).add(f.name());
            starts.add(f.value());
        }
        List<String> wrong = new ArrayList<>();
        for (NativeBuild.ElfEntry f : functions) {
            Optional<Symbol> first = symbols.lookup(f.value());
            if (first.isEmpty() || first.get().offset() != 0 || !names.get(f.value()).contains(first.get().name())) {
                wrong.add(f + " -> " + first);
                continue;
            }
            long last = f.value() + f.size() - 1;
            if (f.size() > 1 && starts.floor(last) == f.value()) {
                Optional<Symbol> end = symbols.lookup(last);
                if (end.isEmpty() || !end.get().name().equals(first.get().name()) || end.get().offset() != f.size() - 1) {
                    wrong.add(f + " at its last byte -> " + end);
                }
            }
        }
        assertEquals(List.of(), wrong.subList(0, Math.min(20, wrong.size())), wrong.size() + " of " + functions.size());
        assertTrue(functions.size() > 0);
    }

    private static long sizeOf(List<NativeBuild.ElfEntry> functions, String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not in readelf's list")).size();
    }
}
