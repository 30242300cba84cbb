package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rows of real call frame sections against {@code readelf --debug-dump=frames-interp}: gcc builds of the test
 * program (PIE and not, -O2 and -O0, and one with only {@code .debug_frame}), Debian's libc (CIEs "zR", "zRS" of
 * the signal trampoline, "zPLR"; PLT expressions, remember/restore_state) and libstdc++ (personalities and LSDAs).
 * Every printed row is checked at its first and its last address, through {@code .eh_frame_hdr}'s table and
 * through a scan of the section.
 */
class CallFrameInfoTest {
    private static final Path LIBC = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");
    private static final Path LIBSTDCXX = Path.of("/usr/lib/x86_64-linux-gnu/libstdc++.so.6");

    @TempDir
    Path dir;

    @Test
    void theRowsOfAnO2PieAreReadelfsThroughTheHeaderAndByScan() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        assertEhFrameRowsAgree(binary, 10);
    }

    @Test
    void theRowsOfAnO0ExecutableAreReadelfs() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O0", "-no-pie");
        assertEhFrameRowsAgree(binary, 10);
    }

    @Test
    void theRowsOfLibcAreReadelfs() throws IOException {
        assertEhFrameRowsAgree(LIBC, 20_000);
    }

    @Test
    void theRowsOfLibstdcxxAreReadelfs() throws IOException {
        assertEhFrameRowsAgree(LIBSTDCXX, 20_000);
    }

    @Test
    void aDebugFrameSectionIsReadAsReadelfReadsIt() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-g", "-fno-asynchronous-unwind-tables");
        FrameSection debugFrame = section(binary, ".debug_frame");
        FrameTable table = FrameTable.debugFrame(bytes(debugFrame));
        assertTrue(table.descriptions() >= 3, "hot_a, hot_b and main have FDEs in .debug_frame");
        assertEquals(List.of(), disagreements(binary, ".debug_frame", table, 3));
    }

    @Test
    void aBinaryWithBothSectionsIsSearchedInEhFrameThenDebugFrame() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-g", "-fno-asynchronous-unwind-tables");
        CallFrameInfo info = CallFrameInfo.read(ElfFile.read(binary).orElseThrow().frameSections());
        assertEquals(2, info.tables().size());
        long hotA = NativeBuild.nm(binary).get("hot_a");
        UnwindRow row = info.row(hotA).orElseThrow();
        assertEquals(X86Register.DWARF_SP, row.cfaRegister());
        assertEquals(8, row.cfaOffset());
        assertEquals(-8, row.offset(X86Register.DWARF_RA));
    }

    @Test
    void libcsRowsAreFoundThroughItsImage() {
        BinaryImage image = BinaryImage.read(LIBC, DebugFileDirectory.system());
        CallFrameInfo info = CallFrameInfo.of(image);
        assertFalse(info.isEmpty());
        assertTrue(info.tables().get(0).searchesHeader(), "libc has an .eh_frame_hdr with a search table");
        assertTrue(info.tables().get(0).descriptions() > 1000);
        assertTrue(info.retainedBytes() > 150_000);
        assertEquals(Optional.empty(), info.row(0));
        assertEquals(Optional.empty(), info.row(-1));
    }

    /** Checks every row of {@code file}'s .eh_frame, through its header and by a scan; at least {@code minimum} rows. */
    private static void assertEhFrameRowsAgree(Path file, int minimum) throws IOException {
        FrameSection ehFrame = section(file, ".eh_frame");
        FrameSection header = section(file, ".eh_frame_hdr");
        byte[] frames = bytes(ehFrame);
        FrameTable searched = FrameTable.ehFrame(frames, ehFrame.address(), bytes(header), header.address());
        FrameTable scanned = FrameTable.ehFrame(frames, ehFrame.address(), null, 0);
        assertTrue(searched.searchesHeader());
        assertFalse(scanned.searchesHeader());
        assertEquals(searched.descriptions(), scanned.descriptions(), "the header lists every FDE the scan finds");
        assertEquals(List.of(), disagreements(file, ".eh_frame", searched, minimum), "through .eh_frame_hdr");
        assertEquals(List.of(), disagreements(file, ".eh_frame", scanned, minimum), "by a scan");
    }

    /**
     * The rows of {@code section} that {@code table} gives otherwise than readelf prints them, at most 20; fails
     * when fewer than {@code minimum} addresses were checked.
     */
    private static List<String> disagreements(Path file, String section, FrameTable table, int minimum)
            throws IOException {
        List<String> failures = new ArrayList<>();
        int checked = 0;
        for (ReadelfFrames.Description fde : ReadelfFrames.of(file)) {
            if (!fde.section().equals(section)) {
                continue;
            }
            List<String> columns = new ArrayList<>();
            List<Integer> kept = new ArrayList<>();
            for (int i = 0; i < fde.columns().size(); i++) {
                if (ReadelfFrames.column(fde.columns().get(i)) >= 0) {
                    columns.add(fde.columns().get(i));
                    kept.add(i);
                }
            }
            for (int r = 0; r < fde.rows().size(); r++) {
                ReadelfFrames.Row printed = fde.rows().get(r);
                long next = r + 1 < fde.rows().size() ? fde.rows().get(r + 1).location() : fde.end();
                List<String> expected = new ArrayList<>();
                expected.add(printed.rules().get(0));
                kept.forEach(i -> expected.add(printed.rules().get(i + 1)));
                for (long pc : next - 1 > printed.location() ? new long[] {printed.location(), next - 1}
                        : new long[] {printed.location()}) {
                    UnwindRow row = new UnwindRow();
                    List<String> actual = table.find(pc, row) ? ReadelfFrames.format(row, columns) : List.of("none");
                    checked++;
                    if (!actual.equals(expected) && failures.size() < 20) {
                        failures.add(String.format("%s FDE at %x, pc %x: readelf %s %s, found %s", file.getFileName(),
                                fde.offset(), pc, columns, expected, actual));
                    }
                }
            }
        }
        assertTrue(checked >= minimum, "checked " + checked + " addresses of " + file + " " + section);
        return failures;
    }

    static FrameSection section(Path file, String name) throws IOException {
        return NativeBuild.frameSections(file).stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    static byte[] bytes(FrameSection section) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(section.file().toFile(), "r")) {
            byte[] bytes = new byte[(int) section.size()];
            in.seek(section.offset());
            in.readFully(bytes);
            return bytes;
        }
    }
}
