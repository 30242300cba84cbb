package dev.safetap.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The glob of {@code -l}: bpftrace's wildcards, in time and memory bounded whatever the pattern. */
class ProbeListingTest {
    @Test
    void starsAndQuestionMarksMatchAsInAShell() {
        assertTrue(ProbeListing.matches("*read*", "syscalls:sys_enter_read"));
        assertTrue(ProbeListing.matches("sys_?nter_*", "sys_enter_pread64"));
        assertTrue(ProbeListing.matches("*", ""));
        assertTrue(ProbeListing.matches("a*b*c", "aXbYbZc"));
        assertFalse(ProbeListing.matches("a*b*c", "aXbYbZ"));
        assertFalse(ProbeListing.matches("read", "pread"));
        assertFalse(ProbeListing.matches("?", ""));
        assertTrue(ProbeListing.matches("*a*a*a*a*a*a*a*a*b", "a".repeat(60) + "b"));
        assertFalse(ProbeListing.matches("*a*a*a*a*a*a*a*a*b", "a".repeat(60)));
    }

    @Test
    void aHundredThousandStarsListEveryProbe() {
        String every = list("*");
        assertEquals(every, list("*".repeat(100_000)));
        assertEquals("tracepoint:syscalls:sys_enter_read\n", list("*".repeat(50_000) + ":sys_enter_read"));
    }

    private static String list(String pattern) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProbeListing.print(KernelProbeCatalog.snapshot(), pattern, false, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
