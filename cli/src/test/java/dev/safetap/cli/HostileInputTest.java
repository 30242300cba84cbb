package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.session.KernelProbeCatalog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs the corpus cannot spell as a file: a FIFO that never ends, and a bytecode file whose debug section
 * (file name, source text) and map names were written by an adversary; and how one diagnostic renders hostile text.
 */
class HostileInputTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aFifoThatNeverEndsIsReadUpToTheLimitOnly() throws Exception {
        Path fifo = dir.resolve("endless.bt");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Thread writer = new Thread(() -> {
            byte[] comment = "// a comment that never ends\n".getBytes();
            try (OutputStream out = Files.newOutputStream(fifo)) {
                while (true) {
                    out.write(comment);
                }
            } catch (IOException closedByTheReader) {
                return;
            }
        });
        writer.setDaemon(true);
        writer.start();
        CommandLineBounds.Result r = CommandLineBounds.run(new String[] {"verify", fifo.toString()}, 0);
        assertEquals(2, r.code(), r.err());
        assertEquals("safetap: cannot read " + fifo + ": it is larger than 1 MiB (1048576 bytes), the most a script may be\n", r.err());
    }

    /**
     * A program the verifier rejects at a pc (an aggregation update of a map declared plain), whose debug section and
     * map name carry terminal escapes and a name of 100 000 characters: the diagnostic shows them escaped, the file
     * name shortened, the source line with its caret under the right character.
     */
    @Test
    void aBytecodeFileWithAHostileDebugSectionIsRejectedWithEveryNameEscaped() throws IOException {
        String source = "BEGIN { @x = count(); }";
        Program p = Compiler.compile("x.bt", source, new CompileOptions(KernelProbeCatalog.snapshot(), List.of(), 4096));
        MapDecl m = p.maps().get(0);
        MapDecl plain = new MapDecl("@x\u001b[2J\u001b[Hverified OK", m.keyTypes(), MapKind.SCALAR, m.valueType(),
                m.lhistMin(), m.lhistMax(), m.lhistStep(), m.capacity(), m.threadLocal());
        String hostileName = "\u001b]0;title\u0007" + "n".repeat(100_000) + ".bt";
        String hostileText = "BEGIN { @x = count(); } // \u001b[1A\u001b[2K\rverified OK\u202e";
        Program hostile = new Program(p.strings(), p.layouts(), List.of(plain), p.probes(), p.actions(),
                new DebugInfo(hostileName, hostileText, p.debug().lines()));
        Path file = dir.resolve("hostile.sftp");
        Files.write(file, ProgramCodec.encode(hostile));
        CommandLineBounds.Result r = CommandLineBounds.run(new String[] {"verify", file.toString()}, Files.size(file));
        assertEquals(1, r.code(), r.err());
        String shownName = Diagnostic.printable(hostileName);
        String name = shownName.substring(0, 498) + "..." + shownName.substring(shownName.length() - 498);
        List<String> lines = r.err().lines().toList();
        assertEquals(List.of(name + ":1:12: error: action 0 pc 10: MAP_AGG m0, (), r0: map @x\\x1b[2J\\x1b[Hverified OK holds "
                + "plain values, not an aggregation; assign to it instead",
                "    BEGIN { @x = count(); } // \\x1b[1A\\x1b[2K\\rverified OK\\u{202e}",
                "               ^"), lines);
    }

    @Test
    void aSourceLineIsShownWholeUpToItsLimitAndAsAWindowBeyond() {
        String whole = "x".repeat(Diagnostic.MAX_LINE_COLUMNS - 1) + ";";
        assertEquals("t.bt:1:160: error: m\n    " + whole + "\n    " + " ".repeat(159) + "^\n",
                Diagnostic.at("t.bt", 1, 160, "m", whole).render());
        String wide = "a".repeat(1000) + "X" + "b".repeat(1000);
        assertEquals("t.bt:1:1001: error: m\n    ..." + "a".repeat(60) + "X" + "b".repeat(39) + "...\n    " + " ".repeat(63) + "^\n",
                Diagnostic.at("t.bt", 1, 1001, "m", wide).render());
        assertEquals("t.bt:1:2002: error: m\n    ..." + "b".repeat(100) + "\n    " + " ".repeat(103) + "^\n",
                Diagnostic.at("t.bt", 1, 2002, "m", wide).render(), "a caret past the end of the line");
        assertEquals("t.bt:1:1: error: m\n    X" + "b".repeat(99) + "...\n    ^\n",
                Diagnostic.at("t.bt", 1, 1, "m", "X" + "b".repeat(1000)).render());
    }

    @Test
    void escapesKeepTheCaretUnderItsCharacterAndTabsStayTabs() {
        assertEquals("t.bt:1:3: error: m\n    \ta\\x1bb\\u{200b}c\n    \t ^\n", Diagnostic.at("t.bt", 1, 3, "m", "\ta\u001bb\u200bc").render());
        assertEquals("t.bt:1:5: error: m\n    a\\x1bb\\u{200b}c\n    " + " ".repeat(14) + "^\n",
                Diagnostic.at("t.bt", 1, 5, "m", "a\u001bb\u200bc").render());
        assertEquals("t.bt:1:5: error: m\n    \uD83D\uDE00\\u{e0001}c\n    " + " ".repeat(11) + "^\n",
                Diagnostic.at("t.bt", 1, 5, "m", "\uD83D\uDE00\uDB40\uDC01c").render(), "an emoji, then a tag character");
        String once = Diagnostic.printable("\u001b[2J\r\n\u0085\u2028\uD800x\\x1b");
        assertEquals("\\x1b[2J\\r\\n\\x85\\u{2028}\\u{d800}x\\x1b", once);
        assertEquals(once, Diagnostic.printable(once), "escaping twice changes nothing");
    }
}
