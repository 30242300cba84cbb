package dev.safetap.vm;

/**
 * Recovers an event's user call stack from the registers and stack bytes its sample copied
 * ({@link EventContext#userState}), for code a frame-pointer walk cannot cross. The session supplies one that
 * reads each binary's call frame information; the VM only asks it for frames, at most once per event, when an
 * action takes a user stack.
 */
public interface UserStackWalker {
    /**
     * Writes the user frames of {@code ctx}'s event into {@code pcs} from index 0, innermost first (the sampled
     * instruction pointer, then each return address), at most {@code pcs.length}, and returns how many. Never
     * throws on bad input: what makes no sense ends the walk.
     */
    int walk(EventContext ctx, long[] pcs);
}
