package dev.safetap.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * perf_event_open and the perf ioctls, with every failure turned into an actionable {@link KernelException}.
 * Offsets and constants are those of {@code include/uapi/linux/perf_event.h}.
 */
final class PerfEvent {
    static final int TYPE_HARDWARE = 0;
    static final int TYPE_SOFTWARE = 1;
    static final int TYPE_TRACEPOINT = 2;
    static final long COUNT_SW_DUMMY = 9;
    /** A software event that only a BPF program writes to, with bpf_perf_event_output. */
    static final long COUNT_SW_BPF_OUTPUT = 10;

    /** read(2) of a sampling event also returns how many of its samples found its ring full (Linux 6.0+). */
    static final long FORMAT_LOST = 1L << 4;

    static final int RECORD_LOST = 2;
    static final int RECORD_COMM = 3;
    static final int RECORD_EXIT = 4;
    /** The kernel stopped a sampling event until its next tick: it sampled faster than perf_event_max_sample_rate. */
    static final int RECORD_THROTTLE = 5;
    /** THROTTLE: header, u64 time, u64 id, u64 stream id, sample_id trailer. */
    static final int THROTTLE_ID = 16;
    static final int RECORD_FORK = 7;
    static final int RECORD_SAMPLE = 9;
    static final int RECORD_MMAP2 = 10;

    private static final long FLAG_DISABLED = 1L;
    private static final long FLAG_INHERIT = 1L << 1;
    /** With FLAG_INHERIT: inherited only by the threads a task starts, not by its child processes (Linux 5.13+). */
    private static final long FLAG_INHERIT_THREAD = 1L << 35;
    private static final long FLAG_MMAP = 1L << 8;
    private static final long FLAG_COMM = 1L << 9;
    private static final long FLAG_TASK = 1L << 13;
    private static final long FLAG_WATERMARK = 1L << 14;
    private static final long FLAG_SAMPLE_ID_ALL = 1L << 18;
    private static final long FLAG_MMAP2 = 1L << 23;
    private static final long FLAG_COMM_EXEC = 1L << 24;
    private static final long FLAG_USE_CLOCKID = 1L << 25;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int OWN_FILES = 8;
    private static final int CAP_SYS_ADMIN = 21;
    private static final int CAP_PERFMON = 38;
    private static final int ATTR_SIZE = 128;
    private static final int ATTR_SAMPLE_PERIOD = 16;
    private static final int ATTR_SAMPLE_TYPE = 24;
    private static final int ATTR_READ_FORMAT = 32;
    private static final int ATTR_FLAGS = 40;
    private static final int ATTR_WAKEUP_WATERMARK = 48;
    /** config1, which a uprobe's path pointer is (uprobe_path). */
    private static final int ATTR_CONFIG1 = 56;
    /** config2, which a uprobe's file offset is (probe_offset). */
    private static final int ATTR_CONFIG2 = 64;
    private static final int ATTR_SAMPLE_REGS_USER = 80;
    private static final int ATTR_SAMPLE_STACK_USER = 88;
    private static final int ATTR_CLOCKID = 92;
    private static final long FLAG_FD_CLOEXEC = 8;
    private static final String REJECTED =
            "the kernel rejected the event attributes; please report this with the kernel version (uname -r)";

    private static final long IOC_ENABLE = 0x2400;
    private static final long IOC_DISABLE = 0x2401;
    private static final long IOC_SET_OUTPUT = 0x2405;
    private static final long IOC_SET_FILTER = 0x40082406L;
    private static final long IOC_ID = 0x80082407L;

    /**
     * Loaded before any event is opened: once the process is out of file descriptors no class file
     * could be opened any more to release what was opened and report the failure.
     */
    private static final Class<?>[] FAILURE_PATH = {Errno.class, KernelException.class, DeferredRelease.class,
        FileProblem.class};

    private PerfEvent() {
    }

    /**
     * A sampling event: every {@link PerfTarget#period()}-th event of {@code target} is a sample carrying
     * {@code samples}; disabled until {@link #enable}.
     */
    static Memory sampler(PerfTarget target, SampleContent samples, int wakeupBytes, boolean threads) {
        Memory attr = attr(target);
        attr.setLong(ATTR_SAMPLE_PERIOD, target.period());
        attr.setLong(ATTR_SAMPLE_TYPE, samples.sampleType());
        attr.setLong(ATTR_READ_FORMAT, FORMAT_LOST);
        attr.setLong(ATTR_FLAGS, FLAG_DISABLED | FLAG_WATERMARK | FLAG_SAMPLE_ID_ALL | FLAG_USE_CLOCKID
                | (threads ? FLAG_INHERIT | FLAG_INHERIT_THREAD : 0));
        attr.setInt(ATTR_WAKEUP_WATERMARK, wakeupBytes);
        attr.setLong(ATTR_SAMPLE_REGS_USER, samples.userRegisterMask());
        attr.setInt(ATTR_SAMPLE_STACK_USER, samples.userStackBytes());
        attr.setInt(ATTR_CLOCKID, CLOCK_MONOTONIC);
        return attr;
    }

    /**
     * The event a {@link RecordCopy} program writes {@code samples} into on one CPU: its samples are laid out as a
     * sampler's, with the copied record as RAW.
     */
    static Memory bpfOutput(SampleContent samples, int wakeupBytes) {
        Memory attr = attr(TYPE_SOFTWARE, COUNT_SW_BPF_OUTPUT);
        attr.setLong(ATTR_SAMPLE_PERIOD, 1);
        attr.setLong(ATTR_SAMPLE_TYPE, samples.sampleType());
        attr.setLong(ATTR_READ_FORMAT, FORMAT_LOST);
        attr.setLong(ATTR_FLAGS, FLAG_DISABLED | FLAG_WATERMARK | FLAG_SAMPLE_ID_ALL | FLAG_USE_CLOCKID);
        attr.setInt(ATTR_WAKEUP_WATERMARK, wakeupBytes);
        attr.setLong(ATTR_SAMPLE_REGS_USER, samples.userRegisterMask());
        attr.setInt(ATTR_SAMPLE_STACK_USER, samples.userStackBytes());
        attr.setInt(ATTR_CLOCKID, CLOCK_MONOTONIC);
        return attr;
    }

    /**
     * A software event that samples nothing but writes COMM, FORK and EXIT records of its CPU, and with
     * {@code mappings} MMAP2 records of the executable mappings made on it.
     */
    static Memory taskTracker(int wakeupBytes, boolean mappings) {
        Memory attr = attr(TYPE_SOFTWARE, COUNT_SW_DUMMY);
        attr.setLong(ATTR_SAMPLE_TYPE, SampleContent.ALWAYS);
        attr.setLong(ATTR_FLAGS, FLAG_DISABLED | FLAG_COMM | FLAG_COMM_EXEC | FLAG_TASK | FLAG_WATERMARK
                | FLAG_SAMPLE_ID_ALL | FLAG_USE_CLOCKID | (mappings ? FLAG_MMAP | FLAG_MMAP2 : 0));
        attr.setInt(ATTR_WAKEUP_WATERMARK, wakeupBytes);
        attr.setInt(ATTR_CLOCKID, CLOCK_MONOTONIC);
        return attr;
    }

    /**
     * A counting event (no samples): {@code read(2)} gives the number of firings of {@code target}; with
     * {@code threads}, in the task it is opened on and every thread that task starts, also once they exited.
     */
    static Memory counter(PerfTarget target, boolean threads) {
        Memory attr = attr(target);
        attr.setLong(ATTR_FLAGS, FLAG_DISABLED | (threads ? FLAG_INHERIT | FLAG_INHERIT_THREAD : 0));
        return attr;
    }

    /** The layout of the records an event opened with {@code attr} writes. */
    static SampleFormat sampleFormat(Memory attr) {
        return SampleFormat.of(attr.getLong(ATTR_SAMPLE_TYPE), attr.getLong(ATTR_READ_FORMAT),
                attr.getLong(ATTR_SAMPLE_REGS_USER));
    }

    private static Memory attr(int type, long config) {
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        attr.setInt(0, type);
        attr.setInt(4, ATTR_SIZE);
        attr.setLong(8, config);
        return attr;
    }

    /**
     * The attributes of {@code target}. A uprobe's path is a C string the kernel reads through config1
     * (uprobe_path) while the event opens: it is kept in the same allocation, after the {@link #ATTR_SIZE} bytes of
     * the attributes (which say their own size, so the kernel reads no further), and lives as long as they do.
     */
    private static Memory attr(PerfTarget target) {
        if (target.uprobePath() == null) {
            return attr(target.type(), target.config());
        }
        byte[] path = target.uprobePath().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Memory attr = new Memory(ATTR_SIZE + path.length + 1L);
        attr.clear();
        attr.setInt(0, target.type());
        attr.setInt(4, ATTR_SIZE);
        attr.setLong(8, target.config());
        attr.write(ATTR_SIZE, path, 0, path.length);
        attr.setLong(ATTR_CONFIG1, Pointer.nativeValue(attr) + ATTR_SIZE);
        attr.setLong(ATTR_CONFIG2, target.config2());
        return attr;
    }

    /**
     * @param what   the probe being opened, for messages ("syscalls:sys_enter_read on cpu 1")
     * @param needed how many perf events the session still has to open, this one included (EMFILE message)
     */
    /** As {@link #open}, for one thread of a process: -1 when that thread has exited meanwhile. */
    static int openThread(Memory attr, int tid, int cpu, String what, int needed) {
        long fd = LibC.syscall(LibC.SYS_PERF_EVENT_OPEN, attr, tid, cpu, -1, FLAG_FD_CLOEXEC);
        if (fd < 0 && Errno.last() == Errno.ESRCH) {
            return -1;
        }
        return fd >= 0 ? (int) fd : open(attr, tid, cpu, what, needed);
    }

    static int open(Memory attr, int pid, int cpu, String what, int needed) {
        long fd = LibC.syscall(LibC.SYS_PERF_EVENT_OPEN, attr, pid, cpu, -1, FLAG_FD_CLOEXEC);
        int errno = fd >= 0 ? 0 : Errno.last();
        if (errno == Errno.EINVAL && (attr.getLong(ATTR_READ_FORMAT) & FORMAT_LOST) != 0) {
            attr.setLong(ATTR_READ_FORMAT, attr.getLong(ATTR_READ_FORMAT) & ~FORMAT_LOST);
            return open(attr, pid, cpu, what, needed);
        }
        if (fd >= 0) {
            return (int) fd;
        }
        String failed = "perf_event_open for " + what + " failed (" + Errno.describe(errno) + "): ";
        switch (errno) {
            case Errno.EACCES, Errno.EPERM -> throw new KernelException(failed + denied());
            case Errno.EMFILE -> throw new KernelException(failed + tooManyOpenFiles(needed));
            case Errno.ENFILE -> throw new KernelException(failed + "the system-wide file table is full: "
                    + "raise fs.file-max or trace fewer tracepoints (needed: " + needed + " perf events)");
            case Errno.ENOENT, Errno.ENODEV, Errno.EOPNOTSUPP -> throw new KernelException(failed
                    + new PerfTarget(attr.getInt(0), attr.getLong(8), attr.getLong(ATTR_SAMPLE_PERIOD)).missing(what));
            case Errno.ESRCH -> throw new KernelException(failed + "no process with pid " + pid
                    + "; check the pid given with -p");
            case Errno.EINVAL -> throw new KernelException(failed + invalid(attr));
            default -> throw new KernelException(failed + REJECTED);
        }
    }

    /** Why the kernel may have refused {@code attr} with EINVAL (the sample fields it asks for), and what to do. */
    private static String invalid(Memory attr) {
        if ((attr.getLong(ATTR_FLAGS) & FLAG_INHERIT_THREAD) != 0) {
            return "the kernel cannot follow the threads of one process alone (that needs Linux 5.13 or later); run with"
                    + " --no-kernel-filter, which traces every process and selects in safetap";
        }
        long extra = attr.getLong(ATTR_SAMPLE_TYPE) & ~(SampleContent.ALWAYS | SampleField.RAW.bit());
        if (extra == 0) {
            return REJECTED;
        }
        StringBuilder fields = new StringBuilder(SampleField.names(extra));
        if ((extra & SampleField.REGS_USER.bit()) != 0) {
            fields.append(" (user register mask 0x").append(Long.toHexString(attr.getLong(ATTR_SAMPLE_REGS_USER)))
                    .append(": every bit must name a register of this architecture's asm/perf_regs.h)");
        }
        if ((extra & SampleField.STACK_USER.bit()) != 0) {
            fields.append(" (").append(attr.getInt(ATTR_SAMPLE_STACK_USER)).append(" bytes of user stack)");
        }
        return "the kernel cannot sample " + fields + " for this event; sample fewer fields, or report this with "
                + "the kernel version (uname -r)";
    }

    static void enable(int fd) {
        control(fd, IOC_ENABLE, null, "enable");
    }

    static void disable(int fd) {
        control(fd, IOC_DISABLE, null, "disable");
    }

    /** Disables every fd {@code >= 0}, ignoring failures: used while releasing a session. */
    static void stopAll(int[] fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                LibC.ioctl(fd, IOC_DISABLE, null);
            }
        }
    }

    /**
     * Samples of this event the kernel dropped because the ring was full, or -1 when the kernel does not
     * count them per event (before Linux 6.0). Unlike the ring's LOST records, which the kernel writes only
     * once the ring has room again, this count is complete at any moment.
     */
    static long lostSamples(int fd) {
        Memory values = new Memory(16);
        return LibC.read(fd, values, 16) == 16 ? values.getLong(8) : -1;
    }

    /** Makes {@code fd} write its records into the ring buffer mapped for {@code ringFd}. */
    static void redirect(int fd, int ringFd) {
        control(fd, IOC_SET_OUTPUT, new Pointer(ringFd), "share the ring buffer of");
    }

    /** The kernel's id of the event, as it appears in every record the event writes. */
    static long id(int fd) {
        Memory id = new Memory(8);
        control(fd, IOC_ID, id, "read the id of");
        return id.getLong(0);
    }

    /** Installs a tracepoint filter; false if the kernel rejects the expression. */
    static boolean filter(int fd, String expression) {
        Memory text = new Memory(expression.length() * 4L + 1);
        text.setString(0, expression, "UTF-8");
        return LibC.ioctl(fd, IOC_SET_FILTER, text) == 0;
    }

    private static void control(int fd, long request, Pointer argument, String action) {
        if (LibC.ioctl(fd, request, argument) != 0) {
            int errno = Errno.last();
            throw new KernelException("cannot " + action + " perf event (fd " + fd + "): " + Errno.describe(errno)
                    + "; please report this with the kernel version (uname -r)");
        }
    }

    /**
     * At EMFILE every fd below the soft limit is in use, so the process holds as many fds as the limit, and
     * needs {@code needed} more for perf events, and {@value #OWN_FILES} for what the run opens after them (the
     * /proc scan, the pipes of the deferred release and of a held command); counted without opening a file,
     * which would fail too (/proc/self/fd).
     */
    private static String tooManyOpenFiles(int needed) {
        long limit = FileProblem.openFileLimit();
        return "too many open files: raise `ulimit -n` to at least " + (limit + needed + OWN_FILES) + " (now " + limit
                + "; " + needed + " more perf event" + (needed == 1 ? "" : "s") + " to open, and a few files for safetap)";
    }

    /**
     * Why the kernel refused: without CAP_PERFMON (or CAP_SYS_ADMIN) kernel.perf_event_paranoid decides;
     * with them, capabilities of a user namespace do not count, and otherwise a seccomp filter or a security
     * module refused, whatever the uid.
     */
    private static String denied() {
        String status = procFile("/proc/self/status");
        long capabilities = hexField(status, "CapEff:");
        boolean capable = (capabilities & (1L << CAP_PERFMON | 1L << CAP_SYS_ADMIN)) != 0;
        String paranoid = "kernel.perf_event_paranoid is " + paranoid();
        if (!capable) {
            return paranoid + " and safetap has neither CAP_PERFMON nor CAP_SYS_ADMIN"
                    + (LibC.geteuid() == 0 ? " (it runs as root, but without these capabilities)" : "")
                    + ": run as root or grant CAP_PERFMON (or lower kernel.perf_event_paranoid)";
        }
        if (!procFile("/proc/self/uid_map").strip().endsWith("4294967295")) {
            return "safetap runs in a user namespace (a rootless container or `unshare -U`), whose capabilities do not"
                    + " count for perf events: run it in the initial user namespace, or set kernel.perf_event_paranoid"
                    + " to -1 (now " + paranoid() + ")";
        }
        if (hexField(status, "Seccomp:") == 2) {
            return "safetap has CAP_PERFMON or CAP_SYS_ADMIN, so a seccomp filter refuses perf_event_open (Seccomp: 2 in"
                    + " /proc/self/status): in a container, allow perf_event_open in its seccomp profile (docker: "
                    + "--security-opt seccomp=unconfined) and grant CAP_PERFMON";
        }
        return "safetap has CAP_PERFMON or CAP_SYS_ADMIN, so a security policy refuses perf events: check the kernel lockdown mode "
                + "(/sys/kernel/security/lockdown) and security modules such as SELinux or AppArmor (their denials are in"
                + " dmesg or the audit log)";
    }

    /** The value of {@code name} in /proc/self/status (hexadecimal or decimal digits), or 0. */
    private static long hexField(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name)) {
                String value = line.substring(name.length()).strip();
                return value.isEmpty() ? 0 : Long.parseUnsignedLong(value, 16);
            }
        }
        return 0;
    }

    private static String procFile(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            return "";
        }
    }

    private static String paranoid() {
        return sysctl("kernel.perf_event_paranoid");
    }

    /**
     * The value of sysctl {@code name} ({@code kernel.perf_event_paranoid}), or "unknown (why)". Read as one line: a
     * sysctl file answers only a read from its start, so a reader that asks for one byte first ({@code
     * Files.readAllBytes}, for a file of size 0) gets that byte alone, "1" for 100000.
     */
    static String sysctl(String name) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/sys", name.replace('.', '/')));
            return lines.isEmpty() ? "unknown (empty)" : lines.get(0).strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
