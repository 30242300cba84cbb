package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Requests as values: their source and what their samples carry, and the sample_type that follows. */
class TraceRequestTest {

    @Test
    void aTracepointByNameSamplesItsRawRecordAsBefore() {
        TraceRequest request = new TraceRequest("syscalls:sys_enter_read", 4, "count == 1");
        assertEquals(new EventSource.Tracepoint("syscalls", "sys_enter_read"), request.source());
        assertEquals("syscalls:sys_enter_read", request.source().name());
        assertEquals(SampleContent.RAW, request.samples());
        assertEquals(4, request.stream());
        assertEquals("count == 1", request.filter());
        // IDENTIFIER | CPU | RAW | TIME | TID: the sample_type the bridge has always opened tracepoints with
        assertEquals(0x10000L | 0x80 | 0x400 | 0x4 | 0x2, request.samples().sampleType());
    }

    @Test
    void samplesMayCarryCallchainsUserRegistersAndStack() {
        SampleContent content = SampleContent.of(SampleField.CALLCHAIN, SampleField.RAW)
                .withUserRegisters(0x180).withUserStack(1024);
        assertEquals(EnumSet.of(SampleField.CALLCHAIN, SampleField.RAW, SampleField.REGS_USER, SampleField.STACK_USER),
                content.fields());
        assertEquals(0x180, content.userRegisterMask());
        assertEquals(1024, content.userStackBytes());
        assertEquals(SampleContent.ALWAYS | 0x20 | 0x400 | 0x1000 | 0x2000, content.sampleType());
        assertEquals(SampleContent.ALWAYS, SampleContent.of().sampleType());
    }

    @Test
    void fieldsARequestCannotAskForAreRefused() {
        assertEquals("a trace request cannot ask for sample field TID, READ: it may ask for IP, CALLCHAIN, PERIOD, RAW, "
                        + "REGS_USER and STACK_USER (IDENTIFIER, TID, TIME and CPU are in every sample)",
                assertThrows(IllegalArgumentException.class,
                        () -> SampleContent.of(SampleField.READ, SampleField.TID)).getMessage());
        assertEquals("REGS_USER and a register mask go together (mask 0x0): use withUserRegisters",
                assertThrows(IllegalArgumentException.class,
                        () -> new SampleContent(Set.of(SampleField.REGS_USER), 0, 0)).getMessage());
        assertEquals("STACK_USER and a user stack size go together (size 64): use withUserStack",
                assertThrows(IllegalArgumentException.class,
                        () -> new SampleContent(Set.of(), 0, 64)).getMessage());
        for (int bytes : new int[] {12, 65536, -8}) {
            assertEquals("a sampled user stack is a multiple of 8 bytes up to 65528, not " + bytes,
                    assertThrows(IllegalArgumentException.class,
                            () -> SampleContent.RAW.withUserStack(bytes)).getMessage());
        }
    }

    @Test
    void aTracepointIsNamedCategoryColonEvent() {
        assertEquals(new EventSource.Tracepoint("sched", "sched_switch"), EventSource.Tracepoint.parse("sched:sched_switch"));
        assertEquals("a tracepoint is named category:event, not sched_switch",
                assertThrows(IllegalArgumentException.class, () -> new TraceRequest("sched_switch", 0)).getMessage());
        assertEquals("a tracepoint needs a category and an event, not sched:",
                assertThrows(IllegalArgumentException.class, () -> EventSource.Tracepoint.parse("sched:")).getMessage());
    }

    @Test
    void softwareAndHardwareEventsAreNamedAsPerfNamesThem() {
        EventSource faults = new EventSource.Software("page-faults", 100);
        assertEquals("software:page-faults", faults.name());
        assertEquals(new PerfTarget(PerfEvent.TYPE_SOFTWARE, 2, 100), PerfTarget.of(CATALOG, faults));
        assertEquals(new PerfTarget(PerfEvent.TYPE_SOFTWARE, 0, 1003009),
                PerfTarget.of(CATALOG, new EventSource.Software("cpu-clock", 1003009)));
        assertEquals(new PerfTarget(PerfEvent.TYPE_HARDWARE, 0, 1000000),
                PerfTarget.of(CATALOG, new EventSource.Hardware("cpu-cycles", 1000000)));
        assertEquals(new PerfTarget(PerfEvent.TYPE_HARDWARE, 9, 5), PerfTarget.of(CATALOG, new EventSource.Hardware("ref-cycles", 5)));
        assertEquals(10, EventSource.Software.events().size());
        assertEquals(10, EventSource.Hardware.events().size());
        assertEquals("no software event faults with period 1; the events are cpu-clock, task-clock, page-faults, "
                + "context-switches, cpu-migrations, minor-faults, major-faults, alignment-faults, emulation-faults, dummy",
                assertThrows(IllegalArgumentException.class, () -> new EventSource.Software("faults", 1)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new EventSource.Hardware("cpu-cycles", 0));
    }

    /** Which events may be opened on some tasks alone: those that fire only in the task whose work they count. */
    @Test
    void eventsOfTheTaskAreThoseThatFireInIt() {
        assertEquals(true, EventSource.Tracepoint.parse("syscalls:sys_enter_read").inTask());
        assertEquals(false, EventSource.Tracepoint.parse("sched:sched_switch").inTask());
        assertEquals(true, new EventSource.Software("page-faults", 1).inTask());
        assertEquals(true, new EventSource.Software("task-clock", 100000).inTask());
        assertEquals(false, new EventSource.Software("cpu-clock", 100000).inTask());
        assertEquals(true, new EventSource.Hardware("instructions", 1).inTask());
    }

    /** The samples a count tells: every firing of a tracepoint, every Pth occurrence of a counted event, no number of a clock. */
    @Test
    void theSamplesOfAnEventFollowFromItsCountWhereTheKernelTellsThem() {
        assertEquals(12345, PerfTarget.of(CATALOG, EventSource.Tracepoint.parse("syscalls:sys_enter_read")).samples(12345, true));
        PerfTarget faults = PerfTarget.of(CATALOG, new EventSource.Software("page-faults", 100));
        assertEquals(123, faults.samples(12399, false));
        assertEquals(-1, faults.samples(12399, true), "threads inheriting the event keep periods of their own");
        assertEquals(7, PerfTarget.of(CATALOG, new EventSource.Software("page-faults", 1)).samples(7, true));
        assertEquals(-1, PerfTarget.of(CATALOG, new EventSource.Software("cpu-clock", 1000000)).samples(5_000_000, false));
        assertEquals(-1, PerfTarget.of(CATALOG, new EventSource.Software("task-clock", 1000000)).samples(5_000_000, false));
        assertEquals(-1, PerfTarget.of(CATALOG, new EventSource.Hardware("cpu-cycles", 1000)).samples(5_000_000, false));
    }

    private static final TracepointCatalog CATALOG = TracepointCatalog.snapshot();
}
