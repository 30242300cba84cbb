package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PerfMapTest {
    @TempDir
    Path dir;

    private PerfMap map(String text) throws IOException {
        return PerfMap.read(Files.writeString(dir.resolve("perf-1.map"), text));
    }

    @Test
    void linesNameTheirRanges() throws IOException {
        PerfMap map = map("""
                7f3a2c001000 40 Interpreter
                7f3a2c001100 1a0 LJava/lang/String;::hashCode
                0x7f3a2c002000 0x20 void Foo::bar(int, char const*)
                """);
        String source = dir.resolve("perf-1.map").toString();
        assertEquals(Optional.of(new Symbol("Interpreter", 0x3f, source)), map.lookup(0x7f3a2c00103fL));
        assertEquals(Optional.empty(), map.lookup(0x7f3a2c001040L));
        assertEquals(Optional.of(new Symbol("LJava/lang/String;::hashCode", 0x10, source)), map.lookup(0x7f3a2c001110L));
        assertEquals(Optional.of(new Symbol("void Foo::bar(int, char const*)", 1, source)), map.lookup(0x7f3a2c002001L));
        assertEquals(Optional.empty(), map.lookup(0x7f3a2c000fffL));
        assertEquals(3, map.size());
    }

    @Test
    void theLastLineForAStartWins() throws IOException {
        PerfMap map = map("1000 100 old_code\n2000 10 other\n1000 80 new_code\n");
        assertEquals(Optional.of("new_code"), map.lookup(0x1010).map(Symbol::name));
        assertEquals(Optional.empty(), map.lookup(0x1090), "new_code is 0x80 bytes");
        assertEquals(2, map.size());
    }

    @Test
    void malformedLinesAreSkipped() throws IOException {
        PerfMap map = map("""
                nothex 10 a
                1000 10
                1000 zz b
                1000 0 empty
                ffffffffffffff00 1000 wraps
                11112222333344445 10 too_long
                3000 10 good\r
                """ + "4000 10 " + "x".repeat(20_000) + "\n5000 10 after_long");
        assertEquals(Optional.of("good"), map.lookup(0x3000).map(Symbol::name));
        assertEquals(Optional.of("after_long"), map.lookup(0x5000).map(Symbol::name));
        assertEquals(2, map.size());
        assertEquals(0, PerfMap.read(dir.resolve("absent")).size());
    }

    @Test
    void theFileOfAProcess() {
        assertEquals(Path.of("/tmp/perf-4242.map"), PerfMap.of(4242));
    }
}
