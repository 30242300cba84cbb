package dev.safetap.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.locks.StampedLock;

/**
 * The command name ({@code comm}) of every thread, by tid: filled by a /proc scan when a session opens and kept
 * current from the kernel's COMM, FORK and EXIT records, applied in timestamp order with the samples so that a
 * sample sees the name its thread had when it fired. A tid never seen is read once from /proc. Each thread keeps its
 * last {@value #HISTORY} names with the time each took effect, so a reader behind the records applied (a worker of a
 * sharded run) still finds the name a thread had at the time of its sample.
 * Lookups allocate nothing. The session's polling thread changes it; the workers of a sharded run look names up
 * from their own threads at the same time: a lookup reads optimistically and retries under the lock when a change
 * overlapped it, and a tid it must read from /proc is added under the lock.
 */
public final class CommTable {
    /** Longest comm the kernel keeps (TASK_COMM_LEN without the NUL). */
    public static final int MAX_COMM = 15;
    private static final int SLOT = 16;
    private static final byte[] IDLE = "swapper/".getBytes(StandardCharsets.US_ASCII);
    private static final int EMPTY = 0;
    /** Names kept per thread: the current one and the ones before it. */
    static final int HISTORY = 4;

    private final StampedLock lock = new StampedLock();
    /** The arrays, replaced together when the table grows: an optimistic reader sees one generation of them. */
    private volatile Slots slots;
    private int used;

    /** Per slot: its tid + 1, whether it exited, and {@link #HISTORY} names newest first ({@code slot * HISTORY + h}). */
    private static final class Slots {
        final int[] keys;
        final byte[] names;
        final byte[] lengths;
        /** When each name took effect; Long.MIN_VALUE for a name known from /proc or inherited at fork. */
        final long[] since;
        final boolean[] exited;

        Slots(int capacity) {
            keys = new int[capacity];
            names = new byte[capacity * HISTORY * SLOT];
            lengths = new byte[capacity * HISTORY];
            since = new long[capacity * HISTORY];
            exited = new boolean[capacity];
        }

        /** The name of {@code slot} at {@code time}: the newest that took effect by then, else the oldest kept. */
        int at(int slot, long time) {
            int first = slot * HISTORY;
            for (int h = first; h < first + HISTORY - 1; h++) {
                if (since[h] <= time) {
                    return h;
                }
            }
            return first + HISTORY - 1;
        }

        /** Empties the names of {@code slot}: the next one written is known all along. */
        void reset(int slot) {
            int first = slot * HISTORY;
            Arrays.fill(lengths, first, first + HISTORY, (byte) 0);
            Arrays.fill(since, first, first + HISTORY, Long.MIN_VALUE);
        }

        /** Moves the names of {@code slot} one place older, dropping the oldest, to make room for a new current one. */
        void age(int slot) {
            int first = slot * HISTORY;
            System.arraycopy(names, first * SLOT, names, (first + 1) * SLOT, (HISTORY - 1) * SLOT);
            System.arraycopy(lengths, first, lengths, first + 1, HISTORY - 1);
            System.arraycopy(since, first, since, first + 1, HISTORY - 1);
        }
    }

    CommTable() {
        allocate(1024);
    }

    /** A table holding every thread currently in /proc. */
    static CommTable scan() {
        CommTable table = new CommTable();
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path process : processes) {
                try (DirectoryStream<Path> tasks = Files.newDirectoryStream(process.resolve("task"))) {
                    for (Path task : tasks) {
                        table.loadFromProc(Integer.parseInt(task.getFileName().toString()), task.resolve("comm"));
                    }
                } catch (IOException | NumberFormatException e) {
                    // the process exited while we listed its threads
                }
            }
        } catch (IOException e) {
            throw new KernelException("cannot list /proc to name running threads (" + FileProblem.reason(e) + ")"
                    + FileProblem.fix(e, "is /proc mounted?", "run safetap as root"), e);
        }
        return table;
    }

    /**
     * Copies the current comm of {@code tid} into {@code dst} (at least 16 bytes) and returns its length, 0 if the
     * thread is unknown even to /proc.
     */
    public int comm(int tid, byte[] dst) {
        return comm(tid, Long.MAX_VALUE, dst);
    }

    /**
     * Copies the comm {@code tid} had at {@code time} (CLOCK_MONOTONIC ns; names kept as far back as
     * {@value #HISTORY} renames) into {@code dst} (at least 16 bytes) and returns its length, 0 if the thread is
     * unknown even to /proc.
     */
    public int comm(int tid, long time, byte[] dst) {
        long stamp = lock.tryOptimisticRead();
        if (stamp != 0) {
            Slots s = slots;
            int slot = find(s, tid);
            if (slot >= 0) {
                int h = s.at(slot, time);
                int length = Math.max(0, Math.min(s.lengths[h], MAX_COMM));
                System.arraycopy(s.names, h * SLOT, dst, 0, length);
                if (lock.validate(stamp)) {
                    return length;
                }
            }
        }
        long write = lock.writeLock();
        try {
            Slots s = slots;
            int slot = find(s, tid);
            if (slot < 0) {
                slot = loadFromProc(tid, Path.of("/proc", Integer.toString(tid), "comm"));
                s = slots;
            }
            int h = s.at(slot, time);
            int length = s.lengths[h];
            System.arraycopy(s.names, h * SLOT, dst, 0, length);
            return length;
        } finally {
            lock.unlockWrite(write);
        }
    }

    /**
     * The name of the idle task of CPU {@code cpu}, {@code swapper/N}, copied into {@code dst} (at least 16 bytes), and
     * its length: every CPU's idle task has tid 0, and the kernel names each after its CPU, as bpftrace's {@code comm}
     * shows it. /proc has no task 0, so the table cannot tell them apart. Allocates nothing.
     */
    static int idle(int cpu, byte[] dst) {
        byte[] prefix = IDLE;
        System.arraycopy(prefix, 0, dst, 0, prefix.length);
        int digits = 1;
        for (int n = cpu; n >= 10; n /= 10) {
            digits++;
        }
        int length = Math.min(MAX_COMM, prefix.length + digits);
        int n = cpu;
        for (int i = prefix.length + digits - 1; i >= prefix.length; i--, n /= 10) {
            if (i < length) {
                dst[i] = (byte) ('0' + n % 10);
            }
        }
        return length;
    }

    /**
     * A reader for one thread: {@link Reader#comm} is {@link #comm(int, long, byte[])}, but when the thread and the
     * table are those of its last lookup and the time is inside the span that name was current, it leaves the name
     * already in {@code dst} and only checks that the table did not change: most samples come from the thread of
     * the one before.
     */
    public Reader reader() {
        return new Reader();
    }

    /** See {@link #reader()}; not thread-safe, one per reading thread. */
    public final class Reader {
        private int tid = -1;
        private byte[] dst;
        private int length;
        private long stamp;
        private long from;
        private long until;

        private Reader() {
        }

        /**
         * The comm of the task {@code tid} that ran on CPU {@code cpu} at {@code time}, copied into {@code dst} (reused
         * between calls); its length. Tid 0 is the idle task of that CPU, {@code swapper/N} ({@link #idle}).
         */
        public int comm(int tid, int cpu, long time, byte[] dst) {
            if (tid != 0) {
                return comm(tid, time, dst);
            }
            this.tid = -1;
            return idle(cpu, dst);
        }

        /** The comm {@code tid} had at {@code time}, copied into {@code dst} (reused between calls); its length. */
        public int comm(int tid, long time, byte[] dst) {
            if (tid == this.tid && dst == this.dst && time >= from && time < until && stamp != 0 && lock.validate(stamp)) {
                return length;
            }
            long read = lock.tryOptimisticRead();
            Slots s = slots;
            int slot = read == 0 ? -1 : find(s, tid);
            if (slot >= 0) {
                int h = s.at(slot, time);
                int n = Math.max(0, Math.min(s.lengths[h], MAX_COMM));
                long start = h == slot * HISTORY + HISTORY - 1 ? Long.MIN_VALUE : s.since[h];
                long end = h == slot * HISTORY ? Long.MAX_VALUE : s.since[h - 1];
                System.arraycopy(s.names, h * SLOT, dst, 0, n);
                if (lock.validate(read)) {
                    remember(tid, dst, n, read, start, end);
                    return n;
                }
            }
            this.tid = -1;
            return CommTable.this.comm(tid, time, dst);
        }

        private void remember(int tid, byte[] dst, int length, long stamp, long from, long until) {
            this.tid = tid;
            this.dst = dst;
            this.length = length;
            this.stamp = stamp;
            this.from = from;
            this.until = until;
        }
    }

    /** The comm of {@code tid} as a string ("" if unknown); allocates, for messages and tests. */
    public String name(int tid) {
        byte[] dst = new byte[SLOT];
        return new String(dst, 0, comm(tid, dst), StandardCharsets.UTF_8);
    }

    /** {@code tid} is named from {@code time} on by the NUL-terminated name at {@code offset}. */
    void rename(int tid, long time, ByteBuffer source, int offset, int maxLength) {
        long write = lock.writeLock();
        try {
            int slot = claim(tid);
            Slots s = slots;
            s.age(slot);
            int h = slot * HISTORY;
            int length = 0;
            int limit = Math.min(maxLength, MAX_COMM);
            while (length < limit && source.get(offset + length) != 0) {
                s.names[h * SLOT + length] = source.get(offset + length);
                length++;
            }
            s.lengths[h] = (byte) length;
            s.since[h] = time;
        } finally {
            lock.unlockWrite(write);
        }
    }

    void fork(int parentTid, int childTid) {
        long write = lock.writeLock();
        try {
            if (find(slots, parentTid) < 0) {
                loadFromProc(parentTid, Path.of("/proc", Integer.toString(parentTid), "comm"));
            }
            int child = claim(childTid);
            Slots s = slots;
            int parent = find(s, parentTid);
            s.reset(child);
            if (parent >= 0) {
                int from = parent * HISTORY;
                int to = child * HISTORY;
                System.arraycopy(s.names, from * SLOT, s.names, to * SLOT, SLOT);
                s.lengths[to] = s.lengths[from];
            }
        } finally {
            lock.unlockWrite(write);
        }
    }

    /** Marks {@code tid} gone; its name stays for late records until the table next grows. */
    void exit(int tid) {
        long write = lock.writeLock();
        try {
            Slots s = slots;
            int slot = find(s, tid);
            if (slot >= 0) {
                s.exited[slot] = true;
            }
        } finally {
            lock.unlockWrite(write);
        }
    }

    /** Adds {@code tid} with the name /proc gives it; under the write lock (or before the table is shared). */
    private int loadFromProc(int tid, Path file) {
        byte[] text;
        try {
            text = Files.readAllBytes(file);
        } catch (IOException e) {
            text = new byte[0];
        }
        int length = Math.min(text.length, MAX_COMM);
        while (length > 0 && (text[length - 1] == '\n' || text[length - 1] == 0)) {
            length--;
        }
        int slot = claim(tid);
        Slots s = slots;
        s.reset(slot);
        System.arraycopy(text, 0, s.names, slot * HISTORY * SLOT, length);
        s.lengths[slot * HISTORY] = (byte) length;
        return slot;
    }

    /** The slot of {@code tid} in {@code s}, or -1; ends however a concurrent change leaves the keys (never all full). */
    private static int find(Slots s, int tid) {
        int[] keys = s.keys;
        int key = tid + 1;
        int mask = keys.length - 1;
        int slot = mix(key) & mask;
        for (int probes = 0; probes < keys.length; probes++, slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return slot;
            }
            if (keys[slot] == EMPTY) {
                return -1;
            }
        }
        return -1;
    }

    /** The slot of {@code tid}, inserting it (live, empty name) if absent. */
    private int claim(int tid) {
        Slots s = slots;
        int slot = find(s, tid);
        if (slot >= 0) {
            s.exited[slot] = false;
            return slot;
        }
        if ((used + 1) * 2 > s.keys.length) {
            grow();
            s = slots;
        }
        int key = tid + 1;
        int mask = s.keys.length - 1;
        slot = mix(key) & mask;
        while (s.keys[slot] != EMPTY) {
            slot = (slot + 1) & mask;
        }
        s.reset(slot);
        s.exited[slot] = false;
        s.keys[slot] = key;
        used++;
        return slot;
    }

    /** Rehashes without the exited threads, doubling only if live threads fill half the table. */
    private void grow() {
        Slots old = slots;
        int[] oldKeys = old.keys;
        byte[] oldNames = old.names;
        byte[] oldLengths = old.lengths;
        boolean[] oldExited = old.exited;
        int live = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY && !oldExited[i]) {
                live++;
            }
        }
        int capacity = oldKeys.length;
        while ((live + 1) * 4 > capacity) {
            capacity *= 2;
        }
        Slots s = new Slots(capacity);
        int mask = capacity - 1;
        int moved = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] == EMPTY || oldExited[i]) {
                continue;
            }
            int slot = mix(oldKeys[i]) & mask;
            while (s.keys[slot] != EMPTY) {
                slot = (slot + 1) & mask;
            }
            s.keys[slot] = oldKeys[i];
            System.arraycopy(oldNames, i * HISTORY * SLOT, s.names, slot * HISTORY * SLOT, HISTORY * SLOT);
            System.arraycopy(oldLengths, i * HISTORY, s.lengths, slot * HISTORY, HISTORY);
            System.arraycopy(old.since, i * HISTORY, s.since, slot * HISTORY, HISTORY);
            moved++;
        }
        used = moved;
        slots = s;
    }

    private void allocate(int capacity) {
        slots = new Slots(capacity);
        used = 0;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
