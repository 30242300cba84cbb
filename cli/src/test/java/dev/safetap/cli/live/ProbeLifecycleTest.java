package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.cli.live.LiveTracer.Result;
import org.junit.jupiter.api.Test;

/** BEGIN, interval ticks, exit() and END on the live event loop: each runs, in order, exactly as often as asked. */
class ProbeLifecycleTest {
    @Test
    void intervalTicksUntilExitThenEndRunsAndMapsPrint() throws Exception {
        Result r = trace("-e", "BEGIN { printf(\"begin\\n\"); }"
                + " interval:ms:50 { @ticks = count(); if (@ticks == 3) { exit(); } }"
                + " END { printf(\"end after %d ticks\\n\", @ticks); }").assertOk();
        assertEquals("Attaching 3 probes...\nbegin\nend after 3 ticks\n\n\n@ticks: 3\n", r.out());
    }
}
