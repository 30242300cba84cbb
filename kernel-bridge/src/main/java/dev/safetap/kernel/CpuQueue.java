package dev.safetap.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Whole records (header included) copied out of one CPU's ring and waiting to be merged, kept sorted by time,
 * each with its kind: the index of the request whose event wrote a sample, or {@link #COMM}, {@link #FORK},
 * {@link #EXIT} or {@link #MMAP}. Nothing else is decoded until the record is delivered. The kernel writes a CPU's records
 * almost in time order (a record written from an interrupt can overtake the one it interrupted), so sorting
 * is an insertion from the tail that almost never moves anything. The storage is allocated once; when it is
 * full the ring keeps the rest until the next pass.
 */
final class CpuQueue {
    static final int COMM = -1;
    static final int FORK = -2;
    static final int EXIT = -3;
    static final int MMAP = -4;

    /** Bytes of index per queued record: its time, kind, offset and length. */
    static final int INDEX_BYTES = 8 + 4 + 4 + 4;

    private final byte[] bytes;
    final ByteBuffer buffer;
    private int end;

    private final long[] times;
    private final int[] kinds;
    private final int[] offsets;
    private final int[] lengths;
    private int head;
    private int count;

    CpuQueue(int byteCapacity, int entryCapacity) {
        bytes = new byte[byteCapacity];
        buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        times = new long[entryCapacity];
        kinds = new int[entryCapacity];
        offsets = new int[entryCapacity];
        lengths = new int[entryCapacity];
    }

    /** Copies the record of {@code length} bytes at {@code offset} in; false if the queue is full even after compaction. */
    boolean add(long time, int kind, ByteBuffer source, int offset, int length) {
        if (end + length > bytes.length || count == times.length) {
            compact();
            if (end + length > bytes.length || count == times.length) {
                return false;
            }
        }
        buffer.put(end, source, offset, length);
        int i = count++;
        times[i] = time;
        kinds[i] = kind;
        offsets[i] = end;
        lengths[i] = length;
        end += length;
        while (i > head && times[i - 1] > times[i]) {
            swap(i - 1, i);
            i--;
        }
        return true;
    }

    boolean isEmpty() {
        return head == count;
    }

    /** Time of the oldest record; only when not empty. */
    long oldestTime() {
        return times[head];
    }

    /** Time of the newest record; only when not empty. */
    long newestTime() {
        return times[count - 1];
    }

    /** Kind of the oldest record: a request index, or COMM, FORK or EXIT. */
    int kind() {
        return kinds[head];
    }

    /** Where the oldest record's header starts in {@link #buffer}. */
    int offset() {
        return offsets[head];
    }

    /** Size of the oldest record, header included. */
    int length() {
        return lengths[head];
    }

    void pop() {
        head++;
        if (head == count) {
            head = 0;
            count = 0;
            end = 0;
        }
    }

    /** Moves the waiting records to the front of the storage. */
    private void compact() {
        if (head == 0) {
            return;
        }
        int first = end;
        for (int i = head; i < count; i++) {
            first = Math.min(first, offsets[i]);
        }
        System.arraycopy(bytes, first, bytes, 0, end - first);
        end -= first;
        int live = count - head;
        System.arraycopy(times, head, times, 0, live);
        System.arraycopy(kinds, head, kinds, 0, live);
        System.arraycopy(offsets, head, offsets, 0, live);
        System.arraycopy(lengths, head, lengths, 0, live);
        for (int i = 0; i < live; i++) {
            offsets[i] -= first;
        }
        head = 0;
        count = live;
    }

    private void swap(int a, int b) {
        long time = times[a];
        times[a] = times[b];
        times[b] = time;
        swapInt(kinds, a, b);
        swapInt(offsets, a, b);
        swapInt(lengths, a, b);
    }

    private static void swapInt(int[] values, int a, int b) {
        int value = values[a];
        values[a] = values[b];
        values[b] = value;
    }
}
