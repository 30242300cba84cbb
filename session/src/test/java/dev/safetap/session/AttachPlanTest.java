package dev.safetap.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.Limits;
import dev.safetap.kernel.EventSource;
import dev.safetap.kernel.TraceRequest;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.vm.OutputFormat;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The requests of sampled probes: one cpu-clock per profile, one event per software kind shared by its probes. */
class AttachPlanTest {
    private static final TraceSettings SETTINGS = new TraceSettings(true, -1, List.of(), 0, true, OutputFormat.TEXT,
            Limits.DEFAULT_MEMORY_BUDGET, false, false, true);

    private static VerifiedProgram program(String probes) {
        return Verifier.verify(Assembler.assemble(probes + """
                .action 0 registers 0
                  RET
                """));
    }

    @Test
    void theProbesOfOneSoftwareKindShareOneEventAtTheGreatestCommonDivisorOfTheirPeriods() {
        AttachPlan plan = new AttachPlan(program("""
                .probe 0 SOFTWARE software:page-faults:100 attach "page-faults" "" 0 layout -1 period 100 action 0
                .probe 1 PROFILE profile:hz:997 layout -1 period 1003009 action 0
                .probe 2 SOFTWARE software:page-faults:150 attach "page-faults" "" 0 layout -1 period 150 action 0
                .probe 3 SOFTWARE software:cpu-clock:1000000 attach "cpu-clock" "" 0 layout -1 period 1000000 action 0
                .probe 4 HARDWARE hardware:cpu-cycles:1000000 attach "cpu-cycles" "" 0 layout -1 period 1000000 action 0
                .probe 5 SOFTWARE software:cpu-clock:2000000 attach "cpu-clock" "" 0 layout -1 period 2000000 action 0
                .probe 6 SOFTWARE software:context-switches:7 attach "context-switches" "" 0 layout -1 period 7 action 0
                """), SETTINGS, 0);
        List<TraceRequest> requests = plan.sampled(Set.of(), false);
        assertEquals(List.of(new EventSource.Software("page-faults", 50), new EventSource.Software("cpu-clock", 1003009),
                new EventSource.Software("cpu-clock", 1000000), new EventSource.Hardware("cpu-cycles", 1000000),
                new EventSource.Software("cpu-clock", 2000000), new EventSource.Software("context-switches", 7)),
                requests.stream().map(TraceRequest::source).toList());
        assertEquals(List.of(0, 1, 3, 4, 5, 6), requests.stream().map(TraceRequest::stream).toList());
        AttachPlan.Takers shared = plan.takers().get(0);
        assertArrayEquals(new int[] {0, 2}, shared.probes());
        assertArrayEquals(new long[] {2, 3}, shared.everyNth());
        assertEquals(Set.of(0), plan.takers().keySet(), "a software kind with one probe at its own period has no takers");
        assertEquals("software:page-faults:100, software:page-faults:150", plan.name(requests.get(0)));
        assertEquals("profile:hz:997", plan.name(requests.get(1)));
    }

    /** pid == cpid scopes a software event to the command, but a profile samples the CPUs whatever runs. */
    @Test
    void aSoftwareEventIsScopedToTheCommandAndAProfileNever() {
        String scoped = """
                .action 0 registers 2
                  0000: CTX r0, 0
                  0003: CTX r1, 5
                  0006: EQ r0, r0, r1
                  0010: JZ r0, +7
                  0016: EXIT
                  0017: RET
                """;
        VerifiedProgram v = Verifier.verify(Assembler.assemble("""
                .probe 0 SOFTWARE software:page-faults:1 attach "page-faults" "" 0 layout -1 period 1 action 0
                .probe 1 PROFILE profile:hz:997 layout -1 period 1003009 action 0
                .probe 2 SOFTWARE software:cpu-clock:1000000 attach "cpu-clock" "" 0 layout -1 period 1000000 action 0
                """ + scoped));
        List<TraceRequest> requests = new AttachPlan(v, SETTINGS, 4321).sampled(Set.of(), false);
        assertEquals(List.of(4321, -1, -1), requests.stream().map(TraceRequest::process).toList());
    }
}
