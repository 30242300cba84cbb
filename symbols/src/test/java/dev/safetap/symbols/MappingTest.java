package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappingTest {
    @TempDir
    Path dir;

    @Test
    void aFileMappingLine() {
        Mapping m = Mapping.parse("55e096d2f000-55e096d34000 r-xp 00002000 fe:00 260131                     /usr/bin/cat")
                .orElseThrow();
        assertEquals(new Mapping(0x55e096d2f000L, 0x55e096d34000L, "r-xp", 0x2000, 0xfe, 0, 260131, "/usr/bin/cat", false), m);
        assertTrue(m.executable());
        assertTrue(m.fileBacked());
        assertTrue(m.contains(0x55e096d2f000L));
        assertFalse(m.contains(0x55e096d34000L));
        assertEquals(0x2000 + 0x710, m.fileOffset(0x55e096d2f710L));
    }

    @Test
    void pathsWithSpacesAndDeletedFiles() {
        assertEquals("/opt/my app/bin/a  b ", Mapping.parse(
                "7f0000000000-7f0000001000 r-xp 00000000 08:01 42  /opt/my app/bin/a  b ").orElseThrow().path());
        Mapping deleted = Mapping.parse("7f0000000000-7f0000001000 r-xp 00001000 103:02 77  /usr/lib/libfoo.so.1 (deleted)")
                .orElseThrow();
        assertEquals("/usr/lib/libfoo.so.1", deleted.path());
        assertTrue(deleted.deleted());
        assertEquals(0x103, deleted.deviceMajor());
        assertEquals(2, deleted.deviceMinor());
        assertEquals("/tmp/new\nline", Mapping.parse("1000-2000 r-xp 00000000 08:01 9 /tmp/new\\012line").orElseThrow().path());
        Mapping memfd = Mapping.parse("7f0000000000-7f0000001000 r-xs 00000000 00:01 1055 /memfd:jit (deleted)").orElseThrow();
        assertTrue(memfd.fileBacked());
        assertTrue(memfd.deleted());
    }

    @Test
    void anonymousAndSpecialMappings() {
        Mapping anonymous = Mapping.parse("7f6d8245c000-7f6d82520000 rw-p 00000000 00:00 0 ").orElseThrow();
        assertEquals("", anonymous.path());
        assertFalse(anonymous.fileBacked());
        Mapping heap = Mapping.parse("55e0b1f5d000-55e0b1f7e000 rw-p 00000000 00:00 0                          [heap]")
                .orElseThrow();
        assertEquals("[heap]", heap.path());
        assertFalse(heap.fileBacked());
        Mapping vdso = Mapping.parse("7ffd4a3f0000-7ffd4a3f2000 r-xp 00000000 00:00 0                          [vdso]")
                .orElseThrow();
        assertTrue(vdso.vdso());
        Mapping vsyscall = Mapping.parse("ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0  [vsyscall]").orElseThrow();
        assertTrue(vsyscall.contains(0xffffffffff600010L), "addresses compare unsigned");
        assertEquals("[anon:dalvik]", Mapping.parse("1000-2000 rw-p 00000000 00:00 0 [anon:dalvik]").orElseThrow().path());
    }

    @Test
    void oddLinesAreNotMappings() {
        for (String line : List.of("", "garbage", "1000-2000 r-xp 00000000 08:01", "2000-1000 r-xp 00000000 08:01 1 /x",
                "1000-1000 r-xp 00000000 08:01 1 /x", "1000 r-xp 00000000 08:01 1 /x", "1000-2000 rwxq 0 08:01 1 /x",
                "1000-2000 r-xp zz 08:01 1 /x", "1000-2000 r-xp 0 0801 1 /x", "1000-2000 r-xp 0 08:01 -1 /x",
                "1000-2000 r-xp 0 08:01 x /x", "10000000000000000-10000000000000001 r-xp 0 08:01 1 /x",
                "1000-2000 r-xp 0 -8:01 1 /x")) {
            assertEquals(Optional.empty(), Mapping.parse(line), line);
        }
    }

    @Test
    void aPerfMmap2RecordBecomesAMapping() {
        Mapping m = Mapping.fromMmap2(0x7f0000000000L, 0x3000, 0x1000, 8, 1, 4242, 5, 2, "/usr/lib/libbar.so");
        assertEquals(new Mapping(0x7f0000000000L, 0x7f0000003000L, "r-xp", 0x1000, 8, 1, 4242, "/usr/lib/libbar.so", false), m);
        assertEquals("rw-s", Mapping.fromMmap2(0x1000, 0x1000, 0, 0, 0, 0, 3, 1, "//anon").permissions());
        assertFalse(Mapping.fromMmap2(0x1000, 0x1000, 0, 0, 0, 0, 5, 2, "//anon").fileBacked());
        assertTrue(Mapping.fromMmap2(0x1000, 0x1000, 0, 8, 1, 7, 5, 2, "/old/lib.so (deleted)").deleted());
    }

    @Test
    void theMapsFileOfThisProcess() throws IOException {
        List<Mapping> maps = ProcessMaps.read(Path.of("/proc/self/maps"));
        assertTrue(maps.stream().anyMatch(m -> m.executable() && m.path().endsWith("/libc.so.6")), maps.toString());
        assertTrue(maps.size() > 10, maps.toString());
        assertEquals(List.of(), ProcessMaps.read(dir.resolve("absent")));
        Path file = Files.writeString(dir.resolve("maps"), "garbage\n1000-2000 r-xp 00000000 08:01 9 /bin/x\n\n");
        assertEquals(List.of(new Mapping(0x1000, 0x2000, "r-xp", 0, 8, 1, 9, "/bin/x", false)), ProcessMaps.read(file));
    }
}
