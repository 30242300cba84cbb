package dev.safetap.session;

import dev.safetap.bytecode.ProbeKind;

/**
 * How the user stacks of a run's probes are walked ({@code --call-graph}, perf's option and spelling).
 *
 * <p>Frame pointers: the kernel walks the chain of saved frame pointers when it writes the sample (its call chain);
 * cheap, but code built without frame pointers (Debian's libc, most distribution binaries, {@code -O2
 * -fomit-frame-pointer}) breaks the chain after a frame or two. DWARF: each sample copies the task's user registers
 * and the top {@code userStackBytes} of its stack, and safetap walks them with each binary's call frame information
 * ({@code .eh_frame}) as the sample is delivered, as {@code perf record --call-graph dwarf} does; right through such
 * code, at the cost of the copy in the ring buffer and a walk per sample.
 *
 * <p>The default walks DWARF for the sampling probes (profile, software, hardware), whose rate the script sets, and
 * frame pointers for tracepoints, which fire at whatever rate the system makes them (a million per second is
 * ordinary): copying kilobytes per event there would lose events. {@code --call-graph dwarf} or {@code fp} sets one
 * walk for every probe.
 *
 * @param tracepoints    whether tracepoints' user stacks are walked with DWARF
 * @param sampled        whether the sampling probes' user stacks are walked with DWARF
 * @param userStackBytes the user stack each DWARF sample copies: a multiple of 8, at most
 *                       {@value #MAX_USER_STACK}
 */
public record CallGraph(boolean tracepoints, boolean sampled, int userStackBytes) {
    /** perf's default user stack copy for {@code --call-graph dwarf}. */
    public static final int DEFAULT_USER_STACK = 8192;
    /** The most user stack the kernel copies with a sample. */
    public static final int MAX_USER_STACK = 65528;
    /** DWARF for sampling probes, frame pointers for tracepoints. */
    public static final CallGraph DEFAULT = new CallGraph(false, true, DEFAULT_USER_STACK);
    /** Frame pointers everywhere. */
    public static final CallGraph FRAME_POINTERS = new CallGraph(false, false, DEFAULT_USER_STACK);

    public CallGraph {
        if (userStackBytes < 8 || userStackBytes > MAX_USER_STACK || userStackBytes % 8 != 0) {
            throw new IllegalArgumentException("a user stack copy is a multiple of 8 bytes from 8 to " + MAX_USER_STACK
                    + ", not " + userStackBytes);
        }
    }

    /**
     * The walk {@code spelling} asks for: {@code fp}, {@code dwarf} or {@code dwarf,SIZE} (bytes of stack per sample,
     * rounded up to a multiple of 8, as perf does).
     *
     * @throws IllegalArgumentException with a sentence for the user when it is none of them
     */
    public static CallGraph parse(String spelling) {
        String s = spelling.trim();
        if (s.equals("fp")) {
            return FRAME_POINTERS;
        }
        if (s.equals("dwarf")) {
            return new CallGraph(true, true, DEFAULT_USER_STACK);
        }
        if (s.startsWith("dwarf,")) {
            String size = s.substring("dwarf,".length());
            long bytes;
            try {
                bytes = Long.parseLong(size);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--call-graph dwarf," + size + ": the size is a number of bytes, "
                        + "such as dwarf,16384");
            }
            long rounded = (bytes + 7) / 8 * 8;
            if (bytes <= 0 || rounded > MAX_USER_STACK) {
                throw new IllegalArgumentException("--call-graph dwarf," + size + ": the stack copied per sample is "
                        + "1 to " + MAX_USER_STACK + " bytes");
            }
            return new CallGraph(true, true, (int) rounded);
        }
        throw new IllegalArgumentException("--call-graph " + spelling + ": say fp (frame pointers, the kernel's walk), "
                + "dwarf or dwarf,SIZE (copy SIZE bytes of user stack per sample and walk it with call frame information)");
    }

    /** Whether the user stacks of a probe of {@code kind} are walked with DWARF. */
    public boolean dwarf(ProbeKind kind) {
        return switch (kind) {
            case PROFILE, SOFTWARE, HARDWARE -> sampled;
            default -> tracepoints;
        };
    }
}
