package dev.safetap.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;

/**
 * The few bpf(2) commands {@link RecordCopy} needs: create a map, update an element, load a tracepoint program.
 * Layouts are those of {@code union bpf_attr} in {@code include/uapi/linux/bpf.h}; every failure is a
 * {@link KernelException} that says what to do.
 */
final class Bpf {
    static final int MAP_ARRAY = 2;
    static final int MAP_PERF_EVENT_ARRAY = 4;
    static final int MAP_PERCPU_ARRAY = 6;
    static final int PROG_TRACEPOINT = 5;

    static final int HELPER_MAP_LOOKUP_ELEM = 1;
    static final int HELPER_GET_SMP_PROCESSOR_ID = 8;
    static final int HELPER_GET_CURRENT_PID_TGID = 14;
    static final int HELPER_PERF_EVENT_OUTPUT = 25;
    static final int HELPER_PROBE_READ_KERNEL = 113;

    /** An array map that can be mapped into memory and read there without a system call. */
    static final int F_MMAPABLE = 1 << 10;
    private static final int MAP_CREATE = 0;
    private static final int MAP_UPDATE_ELEM = 2;
    private static final int PROG_LOAD = 5;
    private static final int ATTR_SIZE = 128;
    private static final int LOG_BYTES = 1 << 16;

    private Bpf() {
    }

    /** A new map; its fd is close-on-exec, as every bpf fd. */
    static int createMap(int type, int keySize, int valueSize, int maxEntries, String what) {
        return createMap(type, keySize, valueSize, maxEntries, 0, what);
    }

    static int createMap(int type, int keySize, int valueSize, int maxEntries, int flags, String what) {
        Memory attr = attr();
        attr.setInt(0, type);
        attr.setInt(4, keySize);
        attr.setInt(8, valueSize);
        attr.setInt(12, maxEntries);
        attr.setInt(16, flags);
        return (int) call(MAP_CREATE, attr, "create the " + what + " map");
    }

    static void update(int mapFd, Pointer key, Pointer value, String what) {
        Memory attr = attr();
        attr.setInt(0, mapFd);
        attr.setPointer(8, key);
        attr.setPointer(16, value);
        call(MAP_UPDATE_ELEM, attr, "update the " + what + " map");
    }

    /**
     * Loads a tracepoint program of {@code instructions} 8-byte instructions; the kernel's verifier checks it.
     * Refused, it is loaded again with the verifier's log, whose end goes into the message.
     */
    static int loadTracepointProgram(Memory instructions, int count, String name) {
        Memory license = new Memory(4);
        license.setString(0, "GPL", "US-ASCII");
        Memory attr = attr();
        attr.setInt(0, PROG_TRACEPOINT);
        attr.setInt(4, count);
        attr.setPointer(8, instructions);
        attr.setPointer(16, license);
        byte[] shortName = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        attr.write(48, shortName, 0, Math.min(15, shortName.length));
        long fd = LibC.syscall(LibC.SYS_BPF, PROG_LOAD, attr, ATTR_SIZE);
        if (fd >= 0) {
            return (int) fd;
        }
        int errno = Errno.last();
        if (errno != Errno.EINVAL && errno != Errno.EACCES) {
            throw failure(errno, "load the " + name + " program");
        }
        Memory log = new Memory(LOG_BYTES);
        log.clear();
        attr.setInt(24, 1);
        attr.setInt(28, LOG_BYTES);
        attr.setPointer(32, log);
        fd = LibC.syscall(LibC.SYS_BPF, PROG_LOAD, attr, ATTR_SIZE);
        if (fd >= 0) {
            return (int) fd;
        }
        errno = Errno.last();
        String text = log.getString(0, "US-ASCII").strip();
        String tail = text.length() > 600 ? "..." + text.substring(text.length() - 600) : text;
        throw new KernelException("the kernel's BPF verifier refused safetap's fixed " + name + " program ("
                + Errno.describe(errno) + "); run with --no-bpf, and please report this with the kernel version "
                + "(uname -r) and the verifier's log:\n" + tail);
    }

    private static long call(int command, Memory attr, String action) {
        long result = LibC.syscall(LibC.SYS_BPF, command, attr, ATTR_SIZE);
        if (result < 0) {
            throw failure(Errno.last(), action);
        }
        return result;
    }

    private static KernelException failure(int errno, String action) {
        String failed = "bpf(2) could not " + action + " (" + Errno.describe(errno) + "): ";
        return new KernelException(failed + switch (errno) {
            case Errno.EPERM, Errno.EACCES -> "BPF needs CAP_BPF and CAP_PERFMON (or root), and is refused in a user "
                    + "namespace and under kernel lockdown; run as root, or run with --no-bpf";
            case Errno.ENOSYS -> "this kernel has no bpf(2) (CONFIG_BPF_SYSCALL); run with --no-bpf";
            case Errno.ENOMEM -> "the kernel is out of memory for BPF maps (or the memory cgroup limit is reached); "
                    + "free memory, or run with --no-bpf";
            default -> "please report this with the kernel version (uname -r); run with --no-bpf meanwhile";
        });
    }

    private static Memory attr() {
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        return attr;
    }
}
