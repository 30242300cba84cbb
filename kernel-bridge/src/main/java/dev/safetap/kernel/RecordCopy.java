package dev.safetap.kernel;

import static dev.safetap.kernel.BpfAssembler.R0;
import static dev.safetap.kernel.BpfAssembler.R1;
import static dev.safetap.kernel.BpfAssembler.R10;
import static dev.safetap.kernel.BpfAssembler.R2;
import static dev.safetap.kernel.BpfAssembler.R3;
import static dev.safetap.kernel.BpfAssembler.R4;
import static dev.safetap.kernel.BpfAssembler.R5;
import static dev.safetap.kernel.BpfAssembler.R6;
import static dev.safetap.kernel.BpfAssembler.R7;
import static dev.safetap.kernel.BpfAssembler.R8;
import static dev.safetap.kernel.BpfAssembler.R9;
import static dev.safetap.kernel.BpfAssembler.SIZE_DW;
import static dev.safetap.kernel.BpfAssembler.SIZE_W;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Delivers every firing of a tracepoint, also where the perf path counts a firing and writes no sample (this is
 * what happens to interrupt-context firings on some kernels; docs/irq-samples.md). One fixed program per
 * tracepoint, generated from its format alone (no script expression reaches it) and checked by the kernel's BPF
 * verifier: it counts the run, copies the record into a per-CPU scratch buffer, sets the common header (the
 * tracepoint's id, the current thread's id; flags and preempt count read 0), and writes it with
 * {@code bpf_perf_event_output} into the sampling event of the current CPU, a {@code PERF_COUNT_SW_BPF_OUTPUT} event
 * that shares that CPU's ring with the session's other events. It returns 1, so the kernel goes on to hand the firing
 * to perf as if no program were attached: other tools counting or sampling the tracepoint see it. No branch of it depends on the record beyond the lengths of its {@code __data_loc} fields, and every copy
 * is bounded by {@value #MAX_RECORD} bytes.
 *
 * <p><b>Its count.</b> The program counts its runs per CPU ({@link #runs}): every run is a record written, lost in a
 * full ring (the output event counts that), or a copy or output that failed, so {@code runs - taken - lost} is what was never delivered. A firing on a CPU already running a BPF program is not
 * run at all (the kernel's recursion guard); the kernel counts it as a miss of the program ({@link #skipped}). A gate
 * shared by the session's programs ({@link Shared}) opens once every output is enabled and closes before any is
 * disabled; while it is closed a run ends at once and counts nothing.
 */
final class RecordCopy {
    /** The largest record copied: the kernel's PERF_MAX_TRACE_SIZE, the size of its own tracepoint buffer. */
    static final int MAX_RECORD = 8192;
    private static final long BPF_F_CURRENT_CPU = 0xffffffffL;
    private static final int STATS_BYTES = 8;
    private static final long IOC_SET_BPF = 0x40042408L;
    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static String unavailable;
    private static boolean probed;

    private final String name;
    private final int arrayFd;
    private final int statsFd;
    private final int programFd;
    private final Pointer stats;
    private final long statsBytes;

    private RecordCopy(String name, int arrayFd, int statsFd, int programFd, Pointer stats, long statsBytes) {
        this.name = name;
        this.arrayFd = arrayFd;
        this.statsFd = statsFd;
        this.programFd = programFd;
        this.stats = stats;
        this.statsBytes = statsBytes;
    }

    /** Whether records of {@code format} can be copied: their fixed part fits the copy. */
    static boolean copies(TracepointFormat format) {
        return format.fixedSize() >= 8 && format.fixedSize() <= MAX_RECORD;
    }

    /** Why this process cannot load BPF programs (a sentence), or null if it can; probed once. */
    static synchronized String unavailable() {
        if (!probed) {
            probed = true;
            try {
                LibC.close(Bpf.createMap(Bpf.MAP_PERCPU_ARRAY, 4, 8, 1, "probe"));
            } catch (KernelException e) {
                unavailable = e.getMessage();
            }
        }
        return unavailable;
    }

    /**
     * The maps a session's copy programs share: the per-CPU buffer every program assembles its record in (one BPF
     * program runs at a time on a CPU), and the gate.
     */
    record Shared(int scratchFd, int gateFd) {
        static Shared create() {
            int scratch = Bpf.createMap(Bpf.MAP_PERCPU_ARRAY, 4, MAX_RECORD, 1, "record scratch");
            try {
                return new Shared(scratch, Bpf.createMap(Bpf.MAP_ARRAY, 4, 4, 1, "record copy gate"));
            } catch (RuntimeException e) {
                LibC.close(scratch);
                throw e;
            }
        }

        /** Opens or closes the gate of every program of the session. */
        void gate(boolean open) {
            Memory key = new Memory(4);
            key.setInt(0, 0);
            Memory value = new Memory(4);
            value.setInt(0, open ? 1 : 0);
            Bpf.update(gateFd, key, value, "record copy gate");
        }

        int[] fds() {
            return new int[] {scratchFd, gateFd};
        }
    }

    /** Creates the maps and loads the program for {@code format}; nothing runs until {@link #attach}. */
    static RecordCopy load(TracepointFormat format, Shared shared) {
        int max = 0;
        for (int cpu : possibleCpus()) {
            max = Math.max(max, cpu + 1);
        }
        int arrayFd = -1;
        int statsFd = -1;
        try {
            arrayFd = Bpf.createMap(Bpf.MAP_PERF_EVENT_ARRAY, 4, 4, max, "output events");
            statsFd = Bpf.createMap(Bpf.MAP_ARRAY, 4, STATS_BYTES, max, Bpf.F_MMAPABLE, "copy counters");
            long page = LibC.getpagesize();
            long statsBytes = ((long) STATS_BYTES * max + page - 1) / page * page;
            Pointer stats = LibC.mmap(null, statsBytes, LibC.PROT_READ, LibC.MAP_SHARED, statsFd, 0);
            if (stats == null || Pointer.nativeValue(stats) == -1) {
                throw new KernelException("cannot map the counters of the record copy of " + format.name() + " ("
                        + Errno.describe(Errno.last()) + "); run with --no-bpf");
            }
            BpfAssembler program = program(format, shared, arrayFd, statsFd);
            int programFd;
            try {
                programFd = Bpf.loadTracepointProgram(program.assemble(), program.size(), "safetap_copy");
            } catch (RuntimeException e) {
                LibC.munmap(stats, statsBytes);
                throw e;
            }
            return new RecordCopy(format.name(), arrayFd, statsFd, programFd, stats, statsBytes);
        } catch (RuntimeException e) {
            closeQuietly(arrayFd);
            closeQuietly(statsFd);
            throw e;
        }
    }

    /**
     * The copy program of {@code format}: r6 the record (the program's context), r7 the scratch buffer, r8 the
     * record's size, r9 this CPU's counters (an array map indexed by CPU, read by safetap through memory: a bpf(2)
     * call on a map would keep the kernel from running BPF programs on that CPU while it lasts).
     */
    static BpfAssembler program(TracepointFormat format, Shared shared, int arrayFd, int statsFd) {
        int fixed = format.fixedSize();
        BpfAssembler a = new BpfAssembler();
        a.mov(R6, R1).storeImm(SIZE_W, R10, -4, 0);
        a.loadMap(R1, shared.gateFd()).mov(R2, R10).addImm(R2, -4).call(Bpf.HELPER_MAP_LOOKUP_ELEM)
                .jumpIfEqual(R0, 0, "closed").load(SIZE_W, R1, R0, 0).jumpIfEqual(R1, 0, "closed");
        a.call(Bpf.HELPER_GET_SMP_PROCESSOR_ID).store(SIZE_W, R10, -8, R0);
        a.loadMap(R1, statsFd).mov(R2, R10).addImm(R2, -8).call(Bpf.HELPER_MAP_LOOKUP_ELEM)
                .jumpIfEqual(R0, 0, "out").mov(R9, R0);
        a.load(SIZE_DW, R1, R9, 0).addImm(R1, 1).store(SIZE_DW, R9, 0, R1);
        a.loadMap(R1, shared.scratchFd()).mov(R2, R10).addImm(R2, -4).call(Bpf.HELPER_MAP_LOOKUP_ELEM)
                .jumpIfEqual(R0, 0, "failed").mov(R7, R0);
        a.mov(R1, R7).movImm(R2, fixed).mov(R3, R6).call(Bpf.HELPER_PROBE_READ_KERNEL).jumpIfNotEqual(R0, 0, "failed");
        a.movImm(R8, fixed);
        int n = 0;
        for (FormatField field : format.fields()) {
            if (field.dataLoc() && field.offset() + 4 <= fixed) {
                String next = "loc" + n++;
                a.load(SIZE_W, R1, R7, field.offset()).mov(R2, R1).rshImm(R2, 16).andImm(R1, 0xffff).add(R1, R2)
                        .jumpIfAtLeast(R8, R1, next).mov(R8, R1).label(next);
            }
        }
        a.jumpIfAtMost(R8, MAX_RECORD, "bounded").movImm(R8, MAX_RECORD).label("bounded");
        a.jumpIfAtMost(R8, fixed, "header");
        a.mov(R1, R7).mov(R2, R8).mov(R3, R6).call(Bpf.HELPER_PROBE_READ_KERNEL).jumpIfNotEqual(R0, 0, "failed");
        a.label("header").call(Bpf.HELPER_GET_CURRENT_PID_TGID).lshImm(R0, 32).orImm(R0, format.id())
                .store(SIZE_DW, R7, 0, R0);
        a.mov(R1, R6).loadMap(R2, arrayFd).movImm32(R3, (int) BPF_F_CURRENT_CPU).mov(R4, R7).mov(R5, R8)
                .call(Bpf.HELPER_PERF_EVENT_OUTPUT).jumpIfEqual(R0, 0, "out");
        a.label("failed").label("out").label("closed").movImm(R0, 1).exit();
        return a;
    }

    /** Makes {@code outputFd}, a BPF-output event opened on {@code cpu}, the one the program writes to there. */
    void output(int cpu, int outputFd) {
        Memory key = new Memory(4);
        key.setInt(0, cpu);
        Memory value = new Memory(4);
        value.setInt(0, outputFd);
        Bpf.update(arrayFd, key, value, "output events of " + name);
    }

    /** Runs the program on every firing of the tracepoint that {@code tracepointFd} (a perf event on it) is open on. */
    void attach(int tracepointFd) {
        if (LibC.ioctl(tracepointFd, IOC_SET_BPF, new Pointer(programFd)) != 0) {
            int errno = Errno.last();
            throw new KernelException("cannot attach the record copy of " + name + " (" + Errno.describe(errno)
                    + "); run with --no-bpf, and please report this with the kernel version (uname -r)");
        }
    }

    /** Runs of the program on each of {@code cpus} while the gate was open. */
    long[] runs(int[] cpus) {
        return counters(cpus, 0);
    }

    /**
     * Firings the kernel did not run the program for, because a BPF program was already running on that CPU (its
     * {@code recursion_misses}); such a firing is neither counted nor delivered. 0 where the kernel does not say.
     */
    long skipped() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + programFd))) {
                if (line.startsWith("recursion_misses:")) {
                    return Long.parseLong(line.substring("recursion_misses:".length()).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }

    /** The fds to close when the session ends: the program and its maps. */
    int[] fds() {
        return new int[] {programFd, arrayFd, statsFd};
    }

    private long[] counters(int[] cpus, int offset) {
        long[] counts = new long[cpus.length];
        for (int c = 0; c < cpus.length; c++) {
            counts[c] = stats.getLong((long) STATS_BYTES * cpus[c] + offset);
        }
        return counts;
    }

    /** Unmaps the counters; called once, when the session is released. */
    void unmap() {
        LibC.munmap(stats, statsBytes);
    }

    private static int[] possibleCpus() {
        try {
            return OnlineCpus.parse(Files.readString(POSSIBLE).strip());
        } catch (IOException e) {
            throw new KernelException("cannot read " + POSSIBLE + " (" + FileProblem.reason(e) + "); is sysfs mounted?", e);
        }
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            LibC.close(fd);
        }
    }
}
