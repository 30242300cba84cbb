package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SyntheticRecordTest {
    private static final TracepointCatalog SNAPSHOT = TracepointCatalog.snapshot();

    @Test
    void scalarsAreLittleEndianAtTheirOffsets() {
        TracepointFormat read = SNAPSHOT.format("syscalls:sys_enter_read").orElseThrow();
        byte[] record = SyntheticRecord.build(read, Map.of("common_pid", 4242L, "fd", 3L, "count", 0x1_0000_0001L));
        assertEquals(read.fixedSize(), record.length);
        ByteBuffer buf = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(read.id(), buf.getShort(0) & 0xffff);
        assertEquals(4242, buf.getInt(4));
        assertEquals(3L, buf.getLong(16));
        assertEquals(0x1_0000_0001L, buf.getLong(32));
        assertEquals(0L, buf.getLong(24));
    }

    @Test
    void dataLocStringsFollowTheFixedPartInFieldOrder() {
        TracepointFormat exec = SNAPSHOT.format("sched:sched_process_exec").orElseThrow();
        byte[] record = SyntheticRecord.build(exec, Map.of("filename", "/usr/bin/true", "pid", 99L));
        ByteBuffer buf = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        FormatField filename = exec.field("filename").orElseThrow();
        int word = buf.getInt(filename.offset());
        int offset = word & 0xffff;
        int length = word >>> 16;
        assertEquals(exec.fixedSize(), offset);
        assertEquals("/usr/bin/true".length() + 1, length);
        assertEquals(offset + length, record.length);
        assertEquals("/usr/bin/true", new String(record, offset, length - 1, StandardCharsets.UTF_8));
        assertEquals(0, record[offset + length - 1]);
        assertEquals(99, buf.getInt(exec.field("pid").orElseThrow().offset()));
    }

    @Test
    void charArraysAreNulPadded() {
        TracepointFormat sw = SNAPSHOT.format("sched:sched_switch").orElseThrow();
        byte[] record = SyntheticRecord.build(sw, Map.of("prev_comm", "bash", "next_comm", "swapper/1"));
        FormatField prev = sw.field("prev_comm").orElseThrow();
        byte[] expected = new byte[16];
        System.arraycopy("bash".getBytes(StandardCharsets.UTF_8), 0, expected, 0, 4);
        byte[] actual = new byte[16];
        System.arraycopy(record, prev.offset(), actual, 0, 16);
        assertArrayEquals(expected, actual);
    }

    @Test
    void mistakesAreRejectedWithTheFieldName() {
        TracepointFormat sw = SNAPSHOT.format("sched:sched_switch").orElseThrow();
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> SyntheticRecord.build(sw, Map.of("prev_cmm", "x")));
        assertTrue(unknown.getMessage().contains("prev_cmm"), unknown.getMessage());
        IllegalArgumentException tooLong = assertThrows(IllegalArgumentException.class,
                () -> SyntheticRecord.build(sw, Map.of("prev_comm", "a-name-longer-than-16")));
        assertTrue(tooLong.getMessage().contains("prev_comm holds 16 bytes"), tooLong.getMessage());
        IllegalArgumentException notNumber = assertThrows(IllegalArgumentException.class,
                () -> SyntheticRecord.build(sw, Map.of("prev_pid", "12")));
        assertTrue(notNumber.getMessage().contains("prev_pid is a scalar"), notNumber.getMessage());
    }
}
