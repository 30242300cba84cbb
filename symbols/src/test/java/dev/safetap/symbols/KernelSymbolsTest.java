package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSymbolsTest {
    private static final String LISTING = """
            ffffffff81000000 T _stext
            ffffffff81000000 T _text
            ffffffff81000000 t startup_64
            ffffffff81000100 T __x64_sys_read
            ffffffff81000100 t __do_sys_read
            ffffffff81000180 W arch_weak_hook
            ffffffff81000200 t local_helper
            ffffffff81000280 D some_data
            ffffffff81000300 T after_data
            ffffffff81002000 T _etext
            0000000000000000 A fixed_percpu_data
            0000000000001000 A absolute_thing
            this is not a symbol line
            ffffffff8100zz00 T bad_hex
            ffffffff81000400T glued
            ffffffff81000500 T
            ffffffffc0a00000 t ext4_file_read_iter\t[ext4]
            ffffffffc0a00080 t ext4_llseek\t[ext4]
            ffffffffc0a00100 d ext4_data\t[ext4]
            ffffffffc0b00000 t xfs_read\t[xfs]
            ffffffffc0a00040 T ext4_listed_late\t[ext4]
            ffffffffc0c00000 t broken_module\t[nope
            ffffffffc0b00010 t ksys_read
            ffffffffc0b00020 t ksys_read
            """;

    @TempDir
    Path dir;

    private KernelSymbols listing(String text) throws IOException {
        Path file = dir.resolve("kallsyms");
        Files.writeString(file, text);
        return KernelSymbols.load(file);
    }

    @Test
    void anAddressResolvesToTheTextSymbolAtOrBelowIt() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        assertEquals(Optional.of(new Symbol("__x64_sys_read", 0, "vmlinux")), symbols.lookup(0xffffffff81000100L));
        assertEquals(Optional.of(new Symbol("__x64_sys_read", 0x7f, "vmlinux")), symbols.lookup(0xffffffff8100017fL));
        assertEquals(Optional.of(new Symbol("arch_weak_hook", 5, "vmlinux")), symbols.lookup(0xffffffff81000185L));
        assertEquals(Optional.of(new Symbol("local_helper", 0x7f, "vmlinux")), symbols.lookup(0xffffffff8100027fL));
        assertEquals(Optional.of(new Symbol("after_data", 0x10, "vmlinux")), symbols.lookup(0xffffffff81000310L));
        assertEquals(Optional.of(new Symbol("ext4_file_read_iter", 0x3f, "ext4")), symbols.lookup(0xffffffffc0a0003fL));
        assertEquals(Optional.of(new Symbol("ext4_listed_late", 0x3f, "ext4")), symbols.lookup(0xffffffffc0a0007fL));
        assertEquals(Optional.of(new Symbol("ext4_llseek", 0x7f, "ext4")), symbols.lookup(0xffffffffc0a000ffL));
        assertEquals(Optional.of(new Symbol("xfs_read", 0, "xfs")), symbols.lookup(0xffffffffc0b00000L));
    }

    @Test
    void ofSeveralNamesAtOneAddressTheOneWithFewestUnderscoresThenTheGlobalOneIsPrinted() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        assertEquals("startup_64", symbols.lookup(0xffffffff81000000L).orElseThrow().name());
        assertEquals("__x64_sys_read", symbols.lookup(0xffffffff81000101L).orElseThrow().name());
    }

    @Test
    void dataAndAbsoluteSymbolsNameNoAddress() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        assertEquals(Optional.empty(), symbols.lookup(0xffffffff81000290L), "inside some_data");
        assertEquals(Optional.empty(), symbols.lookup(0xffffffffc0a00100L), "inside ext4_data");
        assertEquals(Optional.empty(), symbols.lookup(0x1000), "absolute symbols are skipped");
        assertEquals(Optional.empty(), symbols.lookup(0x10), "nothing below the first symbol");
        assertEquals(OptionalLong.empty(), symbols.address("absolute_thing"));
    }

    @Test
    void aSymbolEndsAtMostMaxExtentPastItsStart() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        long etext = 0xffffffff81002000L;
        assertEquals(Optional.of(new Symbol("_etext", KernelSymbols.MAX_EXTENT - 1, "vmlinux")),
                symbols.lookup(etext + KernelSymbols.MAX_EXTENT - 1));
        assertEquals(Optional.empty(), symbols.lookup(etext + KernelSymbols.MAX_EXTENT));
        assertEquals(Optional.empty(), symbols.lookup(0xffffffffc0b00000L + 0x20 + KernelSymbols.MAX_EXTENT),
                "the last symbol ends too");
    }

    @Test
    void malformedLinesAreSkipped() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        for (String name : List.of("bad_hex", "glued", "broken_module", "this")) {
            assertEquals(OptionalLong.empty(), symbols.address(name), name);
        }
        assertEquals(14, symbols.size(), "distinct addresses of the well-formed non-absolute lines");
    }

    @Test
    void aTypeIsAnAsciiLetter() throws IOException {
        Path file = dir.resolve("kallsyms");
        Files.write(file, new byte[] {'f', 'f', '0', '0', ' ', (byte) 0xc3, ' ', 'h', 'i', '\n', '1', ' ', 'T', ' ', 'o', 'k'});
        KernelSymbols symbols = KernelSymbols.load(file);
        assertEquals(OptionalLong.empty(), symbols.address("hi"), "0xc3 read as a char would be a letter (U+FFC3)");
        assertEquals(OptionalLong.of(1), symbols.address("ok"));
    }

    @Test
    void aNameListedTwiceHasTheAddressOfItsFirstLine() throws IOException {
        KernelSymbols symbols = listing(LISTING);
        assertEquals(OptionalLong.of(0xffffffffc0b00010L), symbols.address("ksys_read"));
        assertEquals(OptionalLong.of(0xffffffff81000280L), symbols.address("some_data"), "kaddr takes any type");
        assertEquals(OptionalLong.empty(), symbols.address("no_such_symbol"));
    }

    @Test
    void zeroAddressesMeanTheKernelHidesThem() throws IOException {
        KernelSymbols symbols = listing("""
                0000000000000000 T _stext
                0000000000000000 T ksys_read
                0000000000000000 t ext4_llseek\t[ext4]
                """);
        assertTrue(symbols.hidden());
        assertEquals(Optional.empty(), symbols.lookup(0x100));
        assertEquals(OptionalLong.empty(), symbols.address("ksys_read"));
        assertTrue(KernelSymbols.hiddenMessage().contains("kernel.kptr_restrict"), KernelSymbols.hiddenMessage());
    }

    @Test
    void anEmptyOrMissingFileIsEmptyNotHidden() throws IOException {
        assertFalse(listing("").hidden());
        assertEquals(0, listing("").size());
        KernelSymbols missing = KernelSymbols.load(dir.resolve("absent"));
        assertFalse(missing.hidden());
        assertEquals(Optional.empty(), missing.lookup(0xffffffff81000000L));
    }

    @Test
    void theHiddenMessageSaysWhichSysctlToChangeAndItsValue() throws IOException {
        Path sysctl = Files.createDirectories(dir.resolve("sys"));
        Files.writeString(sysctl.resolve("kptr_restrict"), "2\n");
        assertEquals("kernel addresses are hidden: set sysctl kernel.kptr_restrict=0 (now 2)",
                KernelSymbols.hiddenMessage(sysctl));
        Files.writeString(sysctl.resolve("kptr_restrict"), "1\n");
        assertEquals("kernel addresses are hidden: run with CAP_SYSLOG (as root) or set sysctl kernel.kptr_restrict=0 (now 1)",
                KernelSymbols.hiddenMessage(sysctl));
        Files.writeString(sysctl.resolve("kptr_restrict"), "0\n");
        Files.writeString(sysctl.resolve("perf_event_paranoid"), "2\n");
        assertEquals("kernel addresses are hidden: run with CAP_SYSLOG (as root) or set sysctl "
                + "kernel.perf_event_paranoid=1 (now 2; kernel.kptr_restrict is 0)", KernelSymbols.hiddenMessage(sysctl));
        assertEquals("kernel addresses are hidden: set sysctl kernel.kptr_restrict=0 (its value could not be read)",
                KernelSymbols.hiddenMessage(dir.resolve("absent")));
    }

    @Test
    void anOverlongLineIsSkippedAndTheNextOneRead() throws IOException {
        KernelSymbols symbols = listing("ffffffff81000000 T " + "x".repeat(100_000) + "\nffffffff81000100 T next_one\n");
        assertEquals(OptionalLong.of(0xffffffff81000100L), symbols.address("next_one"));
        assertEquals(1, symbols.size());
    }

    @Test
    void theLiveKernelResolvesItsOwnSymbols() throws IOException {
        KernelSymbols symbols = KernelSymbols.load();
        assertFalse(symbols.hidden(), KernelSymbols.hiddenMessage());
        long ksysRead = liveAddress("ksys_read");
        assertEquals(Optional.of(new Symbol("ksys_read", 0, "vmlinux")), symbols.lookup(ksysRead));
        assertEquals(Optional.of(new Symbol("ksys_read", 5, "vmlinux")), symbols.lookup(ksysRead + 5));
        assertEquals("ksys_read+5", Symbol.frame(symbols.lookup(ksysRead + 5), ksysRead + 5));
        assertEquals(OptionalLong.of(ksysRead), symbols.address("ksys_read"));
        assertTrue(symbols.size() > 10_000, "kallsyms lists " + symbols.size());
    }

    /** The address kallsyms lists for the text symbol {@code name}, read here without KernelSymbols. */
    private static long liveAddress(String name) throws IOException {
        try (Stream<String> lines = Files.lines(Path.of("/proc/kallsyms"))) {
            String line = lines.filter(l -> l.matches("\\p{XDigit}+ [tT] " + name)).findFirst()
                    .orElseThrow(() -> new AssertionError(name + " is not in /proc/kallsyms"));
            return Long.parseUnsignedLong(line.substring(0, line.indexOf(' ')), 16);
        }
    }
}
