package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Limits;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EventGeneratorTest {
    private static final TracepointFormat EXEC = Scripts.CATALOG.format("sched:sched_process_exec").orElseThrow();
    private static final TracepointFormat SWITCH = Scripts.CATALOG.format("sched:sched_switch").orElseThrow();
    private static final TracepointFormat READ = Scripts.CATALOG.format("syscalls:sys_enter_read").orElseThrow();

    private static long field(byte[] record, FormatField f) {
        ByteBuffer b = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        return switch (f.size()) {
            case 1 -> f.signed() ? b.get(f.offset()) : b.get(f.offset()) & 0xffL;
            case 2 -> f.signed() ? b.getShort(f.offset()) : b.getShort(f.offset()) & 0xffffL;
            case 4 -> f.signed() ? b.getInt(f.offset()) : b.getInt(f.offset()) & 0xffffffffL;
            default -> b.getLong(f.offset());
        };
    }

    @Test
    void integerFieldsHitTheirBoundaries() {
        EventGenerator g = new EventGenerator(SWITCH, new SplittableRandom(1));
        FormatField pid = SWITCH.field("prev_pid").orElseThrow();
        FormatField state = SWITCH.field("prev_state").orElseThrow();
        Set<Long> pids = new HashSet<>();
        Set<Long> states = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            byte[] r = g.next(0, EventGenerator.Shape.WELL_FORMED).record();
            assertEquals(SWITCH.fixedSize(), r.length);
            pids.add(field(r, pid));
            states.add(field(r, state));
        }
        assertTrue(pids.containsAll(Set.of(0L, 1L, -1L, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE)), pids.toString());
        assertTrue(states.containsAll(Set.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE)), states.toString());
    }

    @Test
    void charArraysAreEmptyFullAndUnterminated() {
        EventGenerator g = new EventGenerator(SWITCH, new SplittableRandom(2));
        FormatField comm = SWITCH.field("prev_comm").orElseThrow();
        boolean empty = false;
        boolean unterminated = false;
        for (int i = 0; i < 200; i++) {
            byte[] r = g.next(0, EventGenerator.Shape.WELL_FORMED).record();
            byte[] chars = Arrays.copyOfRange(r, comm.offset(), comm.offset() + comm.size());
            empty |= chars[0] == 0;
            unterminated |= chars[comm.size() - 1] != 0;
        }
        assertTrue(empty && unterminated);
    }

    @Test
    void dataLocStringsSpanEmptyToOverTheStringLimit() {
        EventGenerator g = new EventGenerator(EXEC, new SplittableRandom(3));
        FormatField filename = EXEC.field("filename").orElseThrow();
        Set<Integer> lengths = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            byte[] r = g.next(0, EventGenerator.Shape.WELL_FORMED).record();
            int word = (int) field(r, filename);
            int offset = word & 0xffff;
            int length = word >>> 16;
            assertTrue(offset + length <= r.length, "well-formed data_loc stays inside the record");
            lengths.add(length - 1);
        }
        assertTrue(lengths.containsAll(Set.of(0, Limits.MAX_STRING - 1, Limits.MAX_STRING, Limits.MAX_STRING + 8)), lengths.toString());
    }

    @Test
    void badDataLocWordsPointPastTheRecord() {
        EventGenerator g = new EventGenerator(EXEC, new SplittableRandom(4));
        FormatField filename = EXEC.field("filename").orElseThrow();
        int past = 0;
        for (int i = 0; i < 100; i++) {
            byte[] r = g.next(0, EventGenerator.Shape.BAD_DATA_LOC).record();
            int word = (int) field(r, filename);
            if ((word & 0xffff) + (word >>> 16) > r.length) {
                past++;
            }
        }
        assertTrue(past > 50, "most broken data_loc words run past the record: " + past);
    }

    @Test
    void shortRecordsAreShorterThanTheFormat() {
        EventGenerator g = new EventGenerator(READ, new SplittableRandom(5));
        for (int i = 0; i < 50; i++) {
            assertTrue(g.next(0, EventGenerator.Shape.SHORT).record().length < READ.fixedSize());
        }
    }

    @Test
    void probesWithoutARecordGetNone() {
        GeneratedEvent e = new EventGenerator(null, new SplittableRandom(6)).next(2);
        assertNull(e.record());
        assertEquals(2, e.probe());
        assertEquals(e.toText(), GeneratedEvent.parse(e.toText()).toText());
    }
}
