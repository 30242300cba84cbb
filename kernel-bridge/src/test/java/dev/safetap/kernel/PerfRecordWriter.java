package dev.safetap.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes perf records by hand, field after field in the order a test spells out (it knows nothing of
 * {@link SampleFormat}), into a little-endian buffer: each record starts with an 8-byte header whose size is
 * filled in by {@link #end()}.
 */
final class PerfRecordWriter {
    final ByteBuffer buffer;
    private int at;
    private int start = -1;

    PerfRecordWriter(int capacity) {
        buffer = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Skips {@code bytes}, so that the next record starts at a nonzero offset. */
    PerfRecordWriter skip(int bytes) {
        at += bytes;
        return this;
    }

    /** Starts a record of {@code type}; returns this. */
    PerfRecordWriter begin(int type) {
        start = at;
        buffer.putInt(at, type);
        at += 8;
        return this;
    }

    PerfRecordWriter u64(long value) {
        buffer.putLong(at, value);
        at += 8;
        return this;
    }

    PerfRecordWriter u32(int value) {
        buffer.putInt(at, value);
        at += 4;
        return this;
    }

    /** Two u32 in one u64 slot: (pid, tid) or (cpu, reserved). */
    PerfRecordWriter u32s(int first, int second) {
        return u32(first).u32(second);
    }

    /** {@code count} bytes of value {@code fill}. */
    PerfRecordWriter bytes(int count, int fill) {
        for (int i = 0; i < count; i++) {
            buffer.put(at++, (byte) fill);
        }
        return this;
    }

    /** The current offset. */
    int at() {
        return at;
    }

    /** Ends the record: writes its size in the header; returns where it starts. */
    int end() {
        buffer.putShort(start + 6, (short) (at - start));
        return start;
    }

    /** Size of the record that starts at {@code offset}. */
    int size(int offset) {
        return buffer.getShort(offset + 6) & 0xffff;
    }
}
