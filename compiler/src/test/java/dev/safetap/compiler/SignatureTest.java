package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Program;
import java.util.Collections;
import org.junit.jupiter.api.Test;

/** The signature table is what the compiler accepts, says and generates. */
class SignatureTest {
    /** A script using {@code name} as a builtin, an aggregation or an action of signature {@code s}. */
    private static String use(Signature s, String name) {
        if (s.isStack()) {
            return "tracepoint:syscalls:sys_enter_read { @x[" + name + "(4)] = count(); }";
        }
        return switch (s.kind()) {
            case CONTEXT -> "BEGIN { print(" + name + "); }";
            case AGGREGATION -> "BEGIN { @x = " + name + "(" + (s.mapKind() == MapKind.LHIST ? "1, 0, 10, 1" : "1") + "); }";
            default -> "BEGIN { @x = count(); " + name + "(@x); }";
        };
    }

    @Test
    void everyDtraceSpellingCompilesToTheProgramOfItsBpftraceName() {
        int aliases = 0;
        for (Signature s : Signature.values()) {
            if (s.bpftrace() != null) {
                aliases++;
                assertEquals(withoutSource(Scripts.compile(use(s.bpftrace(), s.bpftrace().spelling()))),
                        withoutSource(Scripts.compile(use(s, s.spelling()))), s.spelling());
            }
        }
        assertEquals(6, aliases);
    }

    @Test
    void aCallThatDoesNotFitItsSignatureIsReportedWithTheTablesWords() {
        for (Signature s : Signature.values()) {
            if (s.kind() == Signature.Kind.CONTEXT || s.kind() == Signature.Kind.RECORD) {
                continue;
            }
            int given = s == Signature.PRINTF ? 0 : 5;
            String call = s.spelling() + "(" + String.join(", ", Collections.nCopies(given, "1")) + ")";
            String rendered = Scripts.errors(s.kind() == Signature.Kind.AGGREGATION ? "BEGIN { @x = " + call + "; }" : "BEGIN { " + call + "; }");
            assertTrue(rendered.contains("error: " + s.misuse(s.spelling(), given) + "\n"), rendered);
            assertTrue(rendered.contains("hint: " + s.usage() + "\n"), rendered);
        }
    }

    private static String withoutSource(Program p) {
        return Disassembler.disassemble(p).replaceAll("    ; line \\d+:\\d+", "");
    }
}
