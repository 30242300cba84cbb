package dev.safetap.vm;

import static dev.safetap.bytecode.MapKind.AVG;
import static dev.safetap.bytecode.MapKind.COUNT;
import static dev.safetap.bytecode.MapKind.HIST;
import static dev.safetap.bytecode.MapKind.MAX;
import static dev.safetap.bytecode.MapKind.MIN;
import static dev.safetap.bytecode.MapKind.SCALAR;
import static dev.safetap.bytecode.MapKind.STATS;
import static dev.safetap.bytecode.MapKind.SUM;
import static dev.safetap.bytecode.ValueType.INT;
import static dev.safetap.bytecode.ValueType.STR;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each test hand-assembles the program of {@code golden/NAME.bt} (BEGIN with literal values and
 * exit()), runs BEGIN and END, and compares the output byte for byte with {@code golden/NAME.out},
 * which is what bpftrace 0.17 printed for that script, and the JSON output with
 * {@code golden-json/NAME.out}, which is what {@code bpftrace -q -f json} printed for the same
 * script ({@code golden-json/NAME.bt}).
 */
class GoldenOutputTest {

    @Test
    void count() {
        ScriptBuilder s = new ScriptBuilder();
        int calls = s.map("@calls", COUNT, INT, STR);
        int total = s.map("@total", COUNT, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(calls, 0, c.s("read"));
        c.agg(calls, 0, c.s("write"));
        c.agg(calls, 0, c.s("write"));
        for (int i = 0; i < 3; i++) {
            c.agg(calls, 0, c.s("open"));
        }
        c.agg(total, 0);
        c.exit();
        s.begin(c);
        assertGolden("count", s);
    }

    @Test
    void sum() {
        ScriptBuilder s = new ScriptBuilder();
        int bytes = s.map("@bytes", SUM, INT, INT);
        int all = s.map("@all", SUM, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(bytes, 100, c.i(1));
        c.agg(bytes, 50, c.i(1));
        c.agg(bytes, -400, c.i(2));
        c.agg(bytes, 7, c.i(3));
        c.agg(bytes, 1000000, c.i(-5));
        c.agg(all, -3);
        c.agg(all, 1);
        c.exit();
        s.begin(c);
        assertGolden("sum", s);
    }

    @Test
    void avg() {
        ScriptBuilder s = new ScriptBuilder();
        int lat = s.map("@lat", AVG, INT, STR);
        int one = s.map("@one", AVG, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(lat, 10, c.s("a"));
        c.agg(lat, 11, c.s("a"));
        c.agg(lat, -10, c.s("b"));
        c.agg(lat, 3, c.s("b"));
        c.agg(lat, 100, c.s("c"));
        c.agg(one, 7);
        c.exit();
        s.begin(c);
        assertGolden("avg", s);
    }

    @Test
    void minAndMax() {
        ScriptBuilder s = new ScriptBuilder();
        int lo = s.map("@lo", MIN, INT, INT);
        int hi = s.map("@hi", MAX, INT, INT);
        ScriptBuilder.Code c = s.code();
        long[][] los = {{1, 30}, {1, 20}, {2, -9}, {2, 4}, {3, 0}};
        for (long[] kv : los) {
            c.agg(lo, kv[1], c.i(kv[0]));
        }
        long[][] his = {{1, 5}, {1, 50}, {2, 0}, {3, 17}, {3, 3}};
        for (long[] kv : his) {
            c.agg(hi, kv[1], c.i(kv[0]));
        }
        c.exit();
        s.begin(c);
        assertGolden("minmax", s);
    }

    @Test
    void stats() {
        ScriptBuilder s = new ScriptBuilder();
        int st = s.map("@s", STATS, INT);
        int k = s.map("@k", STATS, INT, STR);
        ScriptBuilder.Code c = s.code();
        c.agg(st, 5);
        c.agg(st, 8);
        c.agg(st, -20);
        c.agg(k, 100, c.s("x"));
        c.agg(k, 1, c.s("y"));
        c.agg(k, 2, c.s("y"));
        c.agg(k, 50, c.s("z"));
        c.exit();
        s.begin(c);
        assertGolden("stats", s);
    }

    @Test
    void hist() {
        ScriptBuilder s = new ScriptBuilder();
        int h = s.map("@h", HIST, INT);
        int small = s.map("@small", HIST, INT);
        ScriptBuilder.Code c = s.code();
        long[] values = {-5, -1, 0, 1, 1, 1, 2, 3, 700, 1024, 5000, 1048576, 1500000, 1073741824, 2147483647};
        for (long v : values) {
            c.agg(h, v);
        }
        c.agg(small, 5);
        c.agg(small, 100);
        c.exit();
        s.begin(c);
        assertGolden("hist", s);
    }

    @Test
    void lhist() {
        ScriptBuilder s = new ScriptBuilder();
        int l = s.lhist("@l", 0, 100, 10);
        int k = s.lhist("@k", 0, 10240, 1024);
        int m = s.lhist("@m", 10, 50, 5);
        int odd = s.lhist("@odd", 0, 10, 3);
        ScriptBuilder.Code c = s.code();
        for (long v : new long[] {-5, 0, 9, 55, 55, 55, 99, 100, 12345}) {
            c.agg(l, v);
        }
        for (long v : new long[] {3000, 2048, 9000}) {
            c.agg(k, v);
        }
        c.agg(m, 20);
        c.agg(m, 1);
        for (long v : new long[] {5, 9, 10}) {
            c.agg(odd, v);
        }
        c.exit();
        s.begin(c);
        assertGolden("lhist", s);
    }

    @Test
    void multiKey() {
        ScriptBuilder s = new ScriptBuilder();
        int x = s.map("@x", COUNT, INT, INT, STR);
        int y = s.map("@y", SUM, INT, INT, INT, INT);
        int h = s.map("@h", HIST, INT, INT, STR);
        ScriptBuilder.Code c = s.code();
        c.agg(x, 0, c.i(1), c.s("a"));
        c.agg(x, 0, c.i(1), c.s("b"));
        c.agg(x, 0, c.i(1), c.s("b"));
        for (int i = 0; i < 3; i++) {
            c.agg(x, 0, c.i(2), c.s("a"));
        }
        c.agg(y, 9, c.i(5), c.i(6), c.i(7));
        c.agg(y, 10, c.i(5), c.i(6), c.i(8));
        c.agg(h, 1000, c.i(3), c.s("big"));
        c.agg(h, 2000, c.i(3), c.s("big"));
        c.agg(h, 2, c.i(1), c.s("small"));
        c.exit();
        s.begin(c);
        assertGolden("multikey", s);
    }

    @Test
    void stringKeysAndValues() {
        ScriptBuilder s = new ScriptBuilder();
        int name = s.map("@name", SCALAR, STR, STR);
        int last = s.map("@last", SCALAR, STR);
        int empty = s.map("@empty", SCALAR, STR);
        int n = s.map("@n", SCALAR, INT, STR);
        ScriptBuilder.Code c = s.code();
        c.set(name, c.s("init"), c.s("pid"));
        c.set(name, c.s("bash"), c.s("comm"));
        c.set(name, c.s("with space"), c.s("a b"));
        c.set(last, c.s("hello world"));
        c.set(empty, c.s(""));
        c.set(n, c.i(3), c.s("zeta"));
        c.set(n, c.i(1), c.s("alpha"));
        c.set(n, c.i(2), c.s("mid"));
        c.exit();
        s.begin(c);
        assertGolden("strings", s);
    }

    @Test
    void printTopAndDiv() {
        ScriptBuilder s = new ScriptBuilder();
        int cm = s.map("@c", COUNT, INT, INT);
        int a = s.map("@a", AVG, INT, INT);
        int st = s.map("@s", STATS, INT, INT);
        int h = s.map("@h", HIST, INT, INT);
        int v = s.map("@v", SCALAR, INT);
        ScriptBuilder.Code c = s.code();
        for (int key = 1; key <= 3; key++) {
            for (int i = 0; i < key; i++) {
                c.agg(cm, 0, c.i(key));
            }
        }
        c.print(cm, 2, 0);
        c.print(cm, 0, 2);
        c.print(cm, 10, 0);
        c.agg(a, 100, c.i(1));
        c.agg(a, 200, c.i(2));
        c.agg(a, 300, c.i(3));
        c.print(a, 1, 10);
        c.agg(st, 1, c.i(1));
        c.agg(st, 2, c.i(2));
        c.print(st, 1, 0);
        c.agg(h, 1, c.i(1));
        c.agg(h, 2, c.i(2));
        c.agg(h, 2, c.i(2));
        c.print(h, 1, 0);
        c.set(v, c.i(1234));
        c.print(v, 0, 100);
        c.exit();
        s.begin(c);
        assertGolden("top", s);
    }

    @Test
    void clearZeroAndDelete() {
        ScriptBuilder s = new ScriptBuilder();
        int cleared = s.map("@cleared", COUNT, INT, INT);
        int zeroed = s.map("@zeroed", COUNT, INT, INT);
        int zh = s.map("@zh", HIST, INT);
        int zs = s.map("@zs", STATS, INT);
        int deleted = s.map("@deleted", SCALAR, INT, INT);
        int kept = s.map("@kept", SCALAR, INT);
        ScriptBuilder.Code c = s.code();
        c.agg(cleared, 0, c.i(1));
        c.agg(cleared, 0, c.i(2));
        c.clear(cleared);
        c.agg(zeroed, 0, c.i(1));
        c.agg(zeroed, 0, c.i(1));
        c.zero(zeroed);
        c.agg(zh, 10);
        c.zero(zh);
        c.agg(zs, 10);
        c.zero(zs);
        c.set(deleted, c.i(5), c.i(1));
        c.set(deleted, c.i(6), c.i(2));
        c.delete(deleted, c.i(1));
        c.set(kept, c.i(1));
        c.print(cleared, 0, 0);
        c.exit();
        s.begin(c);
        assertGolden("clearzero", s);
    }

    @Test
    void printfAndPrint() {
        ScriptBuilder s = new ScriptBuilder();
        ScriptBuilder.Code c = s.code();
        c.printf("plain text\n");
        c.printf("%d %u %x %X %o|\n", c.i(42), c.i(42), c.i(255), c.i(255), c.i(8));
        c.printf("[%5d][%-5d][%05d][%.3d][%8.3d]\n", c.i(42), c.i(42), c.i(42), c.i(7), c.i(7));
        c.printf("[%d][%5d][%-6d]\n", c.i(-42), c.i(-42), c.i(-42));
        c.printf("[%c%c%c]\n", c.i(72), c.i(105), c.i(33));
        c.printf("[%s][%10s][%-10s][%.2s][%5.1s]\n", c.s("str"), c.s("abc"), c.s("abc"), c.s("abcdef"), c.s("xyz"));
        c.printf("100%% done %s\n", c.s("ok"));
        c.printValue(c.i(5));
        c.printValue(c.i(-3));
        c.printValue(c.s("a string"));
        c.exit();
        s.begin(c);
        assertGolden("printf", s);
    }

    /** Escaping in every kind of JSON string, printf without a newline, empty, zeroed and divided maps. */
    @Test
    void jsonEscapesAndEmptyMaps() {
        ScriptBuilder s = new ScriptBuilder();
        int names = s.map("@names", SCALAR, STR, STR);
        int cleared = s.map("@cleared", COUNT, INT, INT);
        int h = s.map("@h", HIST, INT, INT);
        int lh = s.lhist("@lh", 0, 10, 5);
        int sum = s.map("@sum", SUM, INT, STR);
        ScriptBuilder.Code c = s.code();
        c.printf("no newline");
        c.printf("quote \" backslash \\ tab \t slash / end\n");
        c.printf("%s|%s|\n", c.s("a\"b"), c.s("c\\d"));
        c.printValue(c.s("print \"quoted\"\tand tabbed"));
        c.set(names, c.s("value \\ with\ttab"), c.s("key \"q\""));
        c.set(names, c.s("line\nbreak"), c.s("plain"));
        c.agg(cleared, 0, c.i(1));
        c.clear(cleared);
        c.print(cleared, 0, 0);
        c.agg(h, 3, c.i(1));
        c.agg(h, 5, c.i(1));
        c.agg(h, 5, c.i(1));
        c.print(h, 0, 2);
        c.agg(lh, 7);
        c.zero(lh);
        c.print(lh, 0, 0);
        c.agg(sum, 9, c.s("x"));
        c.print(sum, 1, 4);
        c.exit();
        s.begin(c);
        assertEquals(expected("golden-json", "escapes"), run(s, OutputFormat.JSON), "golden-json/escapes.out");
    }

    private static void assertGolden(String name, ScriptBuilder script) {
        assertEquals(expected("golden", name), run(script, OutputFormat.TEXT), "golden/" + name + ".out");
        assertEquals(expected("golden-json", name), run(script, OutputFormat.JSON), "golden-json/" + name + ".out");
    }

    /**
     * Runs BEGIN, which must call exit(), then END; returns stdout, and checks that stderr stayed empty and that
     * the checked interpreter printed the same.
     */
    private static String run(ScriptBuilder script, OutputFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Interpreter vm = new Interpreter(script.verify(), new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), 0, 0, format));
        vm.begin();
        assertTrue(vm.exitRequested(), "the script calls exit()");
        vm.end();
        vm.state().reportProblems();
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream checkedOut = new ByteArrayOutputStream();
        PrintStream checkedStream = new PrintStream(checkedOut, true, StandardCharsets.UTF_8);
        CheckedInterpreter checked = new CheckedInterpreter(script.verify(), new VmOptions(checkedStream, checkedStream, 0, 0, format));
        checked.begin();
        checked.end();
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(printed, checkedOut.toString(StandardCharsets.UTF_8), "the checked interpreter prints the same");
        return printed;
    }

    private static String expected(String dir, String name) {
        try (InputStream in = GoldenOutputTest.class.getResourceAsStream("/" + dir + "/" + name + ".out")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + dir + "/" + name + ".out", e);
        }
    }
}
