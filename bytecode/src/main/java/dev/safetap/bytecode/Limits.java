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
    /** Nesting depth of structured loops. */
    public static final int MAX_LOOP_NESTING = 8;
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

    private Limits() {
    }
}
