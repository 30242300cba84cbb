package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Every name the compiler knows has an entry in docs/language.md. */
class LanguageDocsTest {
    private static final Path DOC = Path.of("../docs/language.md");

    private static List<String> entries() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(DOC)) {
            if (line.startsWith("#") || line.startsWith("|")) {
                out.add(line);
            }
        }
        return out;
    }

    private static Set<String> undocumented(Set<String> names) throws IOException {
        List<String> entries = entries();
        Set<String> missing = new TreeSet<>();
        for (String name : names) {
            if (entries.stream().noneMatch(l -> l.contains("`" + name + "`"))) {
                missing.add(name);
            }
        }
        return missing;
    }

    @Test
    void everyBuiltinIsDocumented() throws IOException {
        assertEquals(Set.of(), undocumented(Signature.builtins()));
    }

    @Test
    void everyFunctionIsDocumented() throws IOException {
        assertEquals(Set.of(), undocumented(Signature.functions()));
    }

    @Test
    void everyProbeTypeIsDocumented() throws IOException {
        assertEquals(Set.of(), undocumented(ProbeMatcher.TYPES));
    }

    @Test
    void everyDtraceSpellingIsDocumentedAsTheSpellingOfItsBpftraceName() throws IOException {
        List<String> entries = entries();
        Set<String> missing = new TreeSet<>();
        for (Signature s : Signature.values()) {
            if (s.bpftrace() != null && entries.stream().noneMatch(l -> l.startsWith("| `" + s.spelling() + "` |")
                    && l.contains("DTrace spelling of `" + s.bpftrace().spelling()))) {
                missing.add(s.spelling());
            }
        }
        assertEquals(Set.of(), missing);
    }

    @Test
    void theCheckFindsAMissingName() throws IOException {
        assertEquals(Set.of("no_such_builtin"), undocumented(Set.of("pid", "no_such_builtin")));
    }

    @Test
    void commandLineSectionIsLeftToTheCli() throws IOException {
        String doc = Files.readString(DOC);
        assertTrue(doc.contains("\n## Command line\n"), "missing the Command line section");
    }

    @Test
    void languageListsMatchWhatTheCompilerAccepts() {
        for (String b : Signature.builtins()) {
            if (b.equals("func")) {
                continue; // a uprobe's: the test catalog has no binaries (UprobesTest compiles it live)
            }
            String probe = b.equals("retval") ? "tracepoint:syscalls:sys_exit_read" : "tracepoint:syscalls:sys_enter_mmap";
            Scripts.compile(probe + " { print(" + (b.equals("args") ? "args->len" : b) + "); }");
        }
        assertTrue(Signature.functions().containsAll(Set.of("printf", "count", "hist", "lhist", "quantize", "printa", "trunc")));
        assertTrue(ProbeMatcher.TYPES.containsAll(Set.of("BEGIN", "END", "tracepoint", "interval", "syscall", "tick")));
    }
}
