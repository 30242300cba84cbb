package dev.safetap.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.kernel.EventSource;
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

    @Test
    void softwareAndHardwareEventsAreListedAsBpftraceNamesThem() {
        assertEquals("software:page-faults:\nsoftware:minor-faults:\nsoftware:major-faults:\n"
                + "software:alignment-faults:\nsoftware:emulation-faults:\n", list("software:*faults"));
        assertEquals(list("software:*"), list("s:*"));
        assertEquals(10, list("software:*").lines().count());
        assertEquals("hardware:cpu-cycles:\nhardware:bus-cycles:\nhardware:ref-cycles:\n", list("h:*cycles*"));
        assertTrue(list("*").startsWith("hardware:cpu-cycles:\n"), "events first, as bpftrace lists them");
        assertEquals("", list("profile:*"));
    }

    /** Every event the language names is one the kernel bridge can open: both spell perf's names. */
    @Test
    void everyListedEventIsOneTheBridgeOpens() {
        for (CounterEvent e : CounterEvent.values()) {
            EventSource source = e.kind() == ProbeKind.SOFTWARE ? new EventSource.Software(e.eventName(), 1)
                    : new EventSource.Hardware(e.eventName(), 1);
            assertEquals(e.kind().name().toLowerCase() + ":" + e.eventName(), source.name());
        }
        assertEquals(EventSource.Software.events().size() + EventSource.Hardware.events().size(), CounterEvent.values().length);
    }

    private static String list(String pattern) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ProbeListing.print(KernelProbeCatalog.snapshot(), pattern, false, new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }
}
