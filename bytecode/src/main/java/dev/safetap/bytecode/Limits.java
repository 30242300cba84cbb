package dev.safetap.bytecode;

/** Fixed bounds of the format. The verifier enforces them; the VM sizes its buffers by them. */
public final class Limits {
    /** Maximum length of a string value in bytes, as bpftrace's default BPFTRACE_STRLEN. */
    public static final int MAX_STRING = 64;
    /** Registers per action (register ids are one byte). */
    public static final int MAX_REGISTERS = 255;
    /** Key components of one map. */
    public static final int MAX_KEYS = 8;
    /** Arguments of one printf. */
    public static final int MAX_PRINTF_ARGS = 16;
    /** Frames one stack may hold: the kernel's default perf_event_max_stack, as bpftrace. */
    public static final int MAX_STACK_FRAMES = 127;
    /** Nesting depth of structured loops. */
    public static final int MAX_LOOP_NESTING = 8;
    /**
     * Probes one program may have: every tracepoint of a kernel several times over (a 6.x kernel has about 2,300),
     * so that wildcards stay usable while a script of a few hundred bytes cannot ask for millions.
     */
    public static final int MAX_PROBES = 10_000;
    /** Worst-case instructions one probe firing may execute. */
    public static final long INSTRUCTION_BUDGET = 1_000_000;
    /** Largest capacity a map may declare. */
    public static final int MAX_MAP_CAPACITY = 1 << 24;
    /** Default capacity of a map when the user does not choose one (bpftrace's default too). */
    public static final int DEFAULT_MAP_CAPACITY = 4096;
    /** Number of power-of-two buckets of a hist() (bucket 0 is negative values, 1 is zero). */
    public static final int HIST_BUCKETS = 66;
    /** Largest number of linear buckets of an lhist(), as bpftrace allows. */
    public static final int MAX_LHIST_BUCKETS = 1000;
    /**
     * Shortest period of an interval or profile probe: 100 us, 10,000 firings a second (what bpftrace's
     * perf-driven intervals deliver at most here; the kernel refuses faster sampling).
     */
    public static final long MIN_PERIOD_NANOS = 100_000;
    /** Longest period of an interval or profile probe: 365 days. */
    public static final long MAX_PERIOD_NANOS = 365L * 24 * 3600 * 1_000_000_000L;
    /**
     * The memory budget when none is given: the most the maps of a program (the verifier's bound) plus the
     * ring buffers of a run may take. The command line lowers it to an eighth of the machine's memory on
     * small machines and takes a larger one with {@code --memory}.
     */
    public static final long DEFAULT_MEMORY_BUDGET = 1L << 30;

    private Limits() {
    }
}
