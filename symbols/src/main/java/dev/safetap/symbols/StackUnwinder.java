package dev.safetap.symbols;

/**
 * Recovers the user call stack of a sample from what the kernel copied with it ({@link UserStack}): the sampled
 * instruction pointer, then the return address into each caller, innermost first. An unwinder reads nothing but
 * the copied registers and stack bytes and the binaries on disk; where they say nothing more, the walk ends.
 */
public interface StackUnwinder {
    /** The most frames one walk yields (perf's default {@code kernel.perf_event_max_stack}). */
    int MAX_FRAMES = 127;

    /**
     * Writes the frames of {@code stack}, sampled in process {@code pid} whose mappings are {@code space}, into
     * {@code pcs} from index 0, at most {@code min(pcs.length, MAX_FRAMES)}, and returns how many. Never throws on
     * bad input: registers or bytes that are missing or make no sense end the walk.
     */
    int unwind(int pid, AddressSpace space, UserStack stack, long[] pcs);
}
