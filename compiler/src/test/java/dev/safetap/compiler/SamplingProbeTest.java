package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** profile, software and hardware probes: every spelling, the probe it compiles to, and every error as printed. */
class SamplingProbeTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "profile:hz:997|PROFILE|profile:hz:997||1003009",
        "p:hz:99|PROFILE|profile:hz:99||10101010",
        "profile:hz:1e3|PROFILE|profile:hz:1000||1000000",
        "profile:hz:10000|PROFILE|profile:hz:10000||100000",
        "profile:s:2|PROFILE|profile:s:2||2000000000",
        "profile:ms:10|PROFILE|profile:ms:10||10000000",
        "profile:us:100|PROFILE|profile:us:100||100000",
        "profile-997|PROFILE|profile:hz:997||1003009",
        "profile-1234hz|PROFILE|profile:hz:1234||810372",
        "profile:::profile-997|PROFILE|profile:hz:997||1003009",
        "profile-10ms|PROFILE|profile:ms:10||10000000",
        "profile-10msec|PROFILE|profile:ms:10||10000000",
        "profile-500us|PROFILE|profile:us:500||500000",
        "profile-2500000ns|PROFILE|profile:us:2500||2500000",
        "profile-1s|PROFILE|profile:s:1||1000000000",
        "profile-2min|PROFILE|profile:s:120||120000000000",
        "profile-1hour|PROFILE|profile:s:3600||3600000000000",
        "profile-1d|PROFILE|profile:s:86400||86400000000000",
        "tick-1s|INTERVAL|interval:s:1||1000000000",
        "tick-100|INTERVAL|interval:hz:100||10000000",
        "tick-2min|INTERVAL|interval:s:120||120000000000",
        "profile:::tick-5sec|INTERVAL|interval:s:5||5000000000",
        "software:page-faults:1|SOFTWARE|software:page-faults:1|page-faults|1",
        "software:faults|SOFTWARE|software:page-faults:100|page-faults|100",
        "software:faults:|SOFTWARE|software:page-faults:100|page-faults|100",
        "s:faults:1e2|SOFTWARE|software:page-faults:100|page-faults|100",
        "software:cpu|SOFTWARE|software:cpu-clock:1000000|cpu-clock|1000000",
        "software:cpu-clock:100000|SOFTWARE|software:cpu-clock:100000|cpu-clock|100000",
        "software:task-clock|SOFTWARE|software:task-clock:1000000|task-clock|1000000",
        "software:cs|SOFTWARE|software:context-switches:1000|context-switches|1000",
        "software:minor-faults|SOFTWARE|software:minor-faults:100|minor-faults|100",
        "software:major-faults|SOFTWARE|software:major-faults:1|major-faults|1",
        "software:cpu-migrations:10|SOFTWARE|software:cpu-migrations:10|cpu-migrations|10",
        "software:dummy|SOFTWARE|software:dummy:1|dummy|1",
        "hardware:cycles:1000000|HARDWARE|hardware:cpu-cycles:1000000|cpu-cycles|1000000",
        "h:cycles:1e6|HARDWARE|hardware:cpu-cycles:1000000|cpu-cycles|1000000",
        "hardware:branches|HARDWARE|hardware:branch-instructions:100000|branch-instructions|100000",
        "hardware:cache-misses:1000000000000|HARDWARE|hardware:cache-misses:1000000000000|cache-misses|1000000000000",
    })
    void compilesTo(String written, ProbeKind kind, String name, String event, long period) {
        ProbeDecl probe = Scripts.compile(written + " { @ = count(); }").probes().get(0);
        assertEquals(kind, probe.kind());
        assertEquals(name, probe.name());
        assertEquals(event == null ? AttachPoint.NONE : new AttachPoint(event, "", 0), probe.attach());
        assertEquals(period, probe.period());
        assertEquals(-1, probe.layout(), "no record");
    }

    @ParameterizedTest
    @EnumSource(CounterEvent.class)
    void everyEventCompilesByNameAndAliasWithItsDefaultPeriod(CounterEvent event) {
        String type = event.kind().name().toLowerCase();
        for (String name : event.alias().isEmpty() ? new String[] {event.eventName()}
                : new String[] {event.eventName(), event.alias()}) {
            ProbeDecl probe = Scripts.compile(type + ":" + name + " { @ = count(); }").probes().get(0);
            assertEquals(type + ":" + event.eventName() + ":" + event.defaultPeriod(), probe.name());
            assertEquals(event.defaultPeriod(), probe.period());
            assertEquals(event.kind(), probe.kind());
        }
    }

    /** The interrupted task is the point of a sample: its builtins are there, unlike in an interval. */
    @Test
    void theTaskBuiltinsAreThoseOfTheSampledTask() {
        Program p = Scripts.compile("profile:hz:99 { @[comm, pid, tid, cpu] = count(); }"
                + " software:faults:1 /pid == cpid/ { @f[comm, cpu] = count(); } hardware:cycles { @h[tid] = count(); }");
        assertEquals(3, p.probes().size());
    }

    @Test
    void theIntervalHintPointsAtProfile() {
        assertEquals("""
                test.bt:1:18: error: `comm` has no meaning in an interval probe: its ticks fire in safetap, not in a traced task, so it would describe safetap itself
                    interval:s:1 { @[comm] = count(); }
                                     ^
                hint: read it in a tracepoint or profile probe: `profile:hz:99` samples the running tasks on every CPU
                """, Scripts.errors("interval:s:1 { @[comm] = count(); }"));
    }

    @Test
    void aMisspeltSoftwareEventSuggestsTheName() {
        assertEquals("""
                test.bt:1:1: error: `page-fault` is not a software event
                    software:page-fault:1 { @ = count(); }
                    ^
                hint: did you mean `page-faults`?
                """, Scripts.errors("software:page-fault:1 { @ = count(); }"));
    }

    @Test
    void anUnknownSoftwareEventListsThemWhenNothingIsClose() {
        assertEquals("""
                test.bt:1:1: error: `nope` is not a software event
                    software:nope:1 { @ = count(); }
                    ^
                hint: list the software events with `safetap -l 'software:*'`
                """, Scripts.errors("software:nope:1 { @ = count(); }"));
    }

    @Test
    void aZeroRateIsAnErrorWithAnExample() {
        assertEquals("""
                test.bt:2:3: error: the profile count must be a positive integer, not `0`
                      profile:hz:0 { @ = count(); }
                      ^
                hint: for example `profile:hz:1`
                """, Scripts.errors("BEGIN { }\n  profile:hz:0 { @ = count(); }"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "profile:hz:0|the profile count must be a positive integer, not `0`|for example `profile:hz:1`",
        "profile:hz:abc|the profile count must be a positive integer, not `abc`|for example `profile:hz:1`",
        "profile:hz:-5|the profile count must be a positive integer, not `-5`|for example `profile:hz:1`",
        "profile:hz:20000|`profile:hz:20000` fires more often than the shortest profile, 100 us (10000 per second)"
                + "|sample at most 10000 times a second on each CPU, e.g. `profile:hz:997`",
        "profile:us:50|`profile:us:50` fires more often than the shortest profile, 100 us (10000 per second)"
                + "|sample at most 10000 times a second on each CPU, e.g. `profile:hz:997`",
        "profile:s:31536001|`profile:s:31536001` is longer than the longest profile, 365 days|",
        "profile:xs:5|unknown profile unit `xs`|use `s`, `ms`, `us` or `hz`, e.g. `profile:hz:99`",
        "profile:ms|a profile probe is written `profile:hz:N`, `profile:s:N`, `profile:ms:N` or `profile:us:N`, not `profile:ms`"
                + "|for example `profile:hz:99` samples every CPU 99 times a second",
        "profile:hz:99:3|a profile probe is written `profile:hz:N`, `profile:s:N`, `profile:ms:N` or `profile:us:N`, not"
                + " `profile:hz:99:3`|for example `profile:hz:99` samples every CPU 99 times a second",
        "profile-1500ns|`profile-1500ns` is not a whole number of microseconds, the finest unit of a profile probe"
                + "|for example `profile-1us`",
        "profile-20000|`profile-20000` fires more often than the shortest profile, 100 us (10000 per second)"
                + "|sample at most 10000 times a second on each CPU, e.g. `profile:hz:997`",
        "software:page-fault:1|`page-fault` is not a software event|did you mean `page-faults`?",
        "software:faults:0|the count of software:page-faults must be a positive integer, not `0`"
                + "|for example `software:page-faults:100` runs on every 100th event",
        "software:faults:-1|the count of software:page-faults must be a positive integer, not `-1`"
                + "|for example `software:page-faults:100` runs on every 100th event",
        "software:faults:1x|the count of software:page-faults must be a positive integer, not `1x`"
                + "|for example `software:page-faults:100` runs on every 100th event",
        "software:cpu-clock:0|the count of software:cpu-clock must be a positive integer, not `0`"
                + "|for example `software:cpu-clock:1000000` runs every millisecond of CPU time",
        "software:faults:2000000000000|`software:faults:2000000000000` samples every 2000000000000th event: at most every"
                + " 1000000000000th|",
        "software:cpu-clock:1000|`software:cpu-clock:1000` samples every 1000 ns of CPU time: the period of a clock is 100000"
                + " (100 us) to 31536000000000000 ns (365 days)|sample at most 10000 times a second on each CPU, e.g."
                + " `software:cpu-clock:1000000`",
        "software:faults:1:2|a software probe is written `software:EVENT:N` or `software:EVENT`, not `software:faults:1:2`"
                + "|for example `software:page-faults:100` runs on every 100th page fault",
        "software|a software probe is written `software:EVENT:N` or `software:EVENT`, not `software`"
                + "|for example `software:page-faults:100` runs on every 100th page fault",
        "hardware:|a hardware probe is written `hardware:EVENT:N` or `hardware:EVENT`, not `hardware:`"
                + "|for example `hardware:cache-misses:1000000` runs on every millionth cache miss",
        "software:bpf-output|`software:bpf-output` receives only what a BPF program writes, and a safetap script loads none"
                + "|list the software events with `safetap -l 'software:*'`",
        "hardware:page-faults:1|`page-faults` is a software event, not a hardware event|write `software:page-faults:1`",
        "software:cycles|`cycles` is a hardware event, not a software event|write `hardware:cycles`",
        "hardware:cycle:1000|`cycle` is not a hardware event|did you mean `cycles`?",
        "software:*:1|software events are named one at a time: `*` cannot be a wildcard"
                + "|list the software events with `safetap -l 'software:*'`",
    })
    void errorsAreReportedWithAHint(String probe, String message, String hint) {
        String rendered = Scripts.errors(probe + " { @ = count(); }");
        assertEquals("test.bt:1:1: error: " + message + "\n    " + probe + " { @ = count(); }\n    ^\n"
                + (hint == null ? "" : "hint: " + hint + "\n"), rendered);
    }

    @Test
    void aSampledProbeHasNoArguments() {
        String rendered = Scripts.errors("profile:hz:99 { @[args->fd] = count(); }");
        assertTrue(rendered.contains("`args->fd` is not available in profile:hz:99: only tracepoint probes have arguments"),
                rendered);
    }
}
