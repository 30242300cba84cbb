package dev.safetap.kernel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The command name ({@code comm}) of every thread, by tid: filled by a /proc scan when a session opens and kept
 * current from the kernel's COMM, FORK and EXIT records, applied in timestamp order with the samples so that a
 * sample sees the name its thread had when it fired. A tid never seen is read once from /proc.
 * Lookups allocate nothing. Not thread-safe: use it from the thread that polls the session.
 */
public final class CommTable {
    /** Longest comm the kernel keeps (TASK_COMM_LEN without the NUL). */
    public static final int MAX_COMM = 15;
    private static final int SLOT = 16;
    private static final int EMPTY = 0;

    private int[] keys;
    private byte[] names;
    private byte[] lengths;
    private boolean[] exited;
    private int used;

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
     * Copies the comm of {@code tid} into {@code dst} (at least 16 bytes) and returns its length, 0 if the
     * thread is unknown even to /proc.
     */
    public int comm(int tid, byte[] dst) {
        int slot = find(tid);
        if (slot < 0) {
            slot = loadFromProc(tid, Path.of("/proc", Integer.toString(tid), "comm"));
        }
        int length = lengths[slot];
        System.arraycopy(names, slot * SLOT, dst, 0, length);
        return length;
    }

    /** The comm of {@code tid} as a string ("" if unknown); allocates, for messages and tests. */
    public String name(int tid) {
        byte[] dst = new byte[SLOT];
        return new String(dst, 0, comm(tid, dst), StandardCharsets.UTF_8);
    }

    void rename(int tid, ByteBuffer source, int offset, int maxLength) {
        int slot = claim(tid);
        int length = 0;
        int limit = Math.min(maxLength, MAX_COMM);
        while (length < limit && source.get(offset + length) != 0) {
            names[slot * SLOT + length] = source.get(offset + length);
            length++;
        }
        lengths[slot] = (byte) length;
    }

    void fork(int parentTid, int childTid) {
        int parent = find(parentTid);
        if (parent < 0) {
            parent = loadFromProc(parentTid, Path.of("/proc", Integer.toString(parentTid), "comm"));
        }
        int child = claim(childTid);
        parent = find(parentTid);
        if (parent >= 0) {
            System.arraycopy(names, parent * SLOT, names, child * SLOT, SLOT);
            lengths[child] = lengths[parent];
        }
    }

    /** Marks {@code tid} gone; its name stays for late records until the table next grows. */
    void exit(int tid) {
        int slot = find(tid);
        if (slot >= 0) {
            exited[slot] = true;
        }
    }

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
        System.arraycopy(text, 0, names, slot * SLOT, length);
        lengths[slot] = (byte) length;
        return slot;
    }

    private int find(int tid) {
        int key = tid + 1;
        int mask = keys.length - 1;
        for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return slot;
            }
            if (keys[slot] == EMPTY) {
                return -1;
            }
        }
    }

    /** The slot of {@code tid}, inserting it (live, empty name) if absent. */
    private int claim(int tid) {
        int slot = find(tid);
        if (slot >= 0) {
            exited[slot] = false;
            return slot;
        }
        if ((used + 1) * 2 > keys.length) {
            grow();
        }
        int key = tid + 1;
        int mask = keys.length - 1;
        slot = mix(key) & mask;
        while (keys[slot] != EMPTY) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        lengths[slot] = 0;
        exited[slot] = false;
        used++;
        return slot;
    }

    /** Rehashes without the exited threads, doubling only if live threads fill half the table. */
    private void grow() {
        int[] oldKeys = keys;
        byte[] oldNames = names;
        byte[] oldLengths = lengths;
        boolean[] oldExited = exited;
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
        allocate(capacity);
        int mask = capacity - 1;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] == EMPTY || oldExited[i]) {
                continue;
            }
            int slot = mix(oldKeys[i]) & mask;
            while (keys[slot] != EMPTY) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = oldKeys[i];
            System.arraycopy(oldNames, i * SLOT, names, slot * SLOT, SLOT);
            lengths[slot] = oldLengths[i];
            used++;
        }
    }

    private void allocate(int capacity) {
        keys = new int[capacity];
        names = new byte[capacity * SLOT];
        lengths = new byte[capacity];
        exited = new boolean[capacity];
        used = 0;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
