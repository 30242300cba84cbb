package dev.safetap.bytecode;

/**
 * What a probe attaches to, as bpftrace names the parts of a probe: {@code target} is the tracepoint
 * category, the binary of a uprobe or USDT probe, the kernel module of a kprobe ("" for the kernel
 * itself) or the software/hardware event; {@code function} is the tracepoint event, the function of a
 * uprobe or kprobe, or the {@code provider:name} of a USDT probe; {@code offset} is a byte offset into
 * the function. Which parts a probe kind uses is listed at {@link ProbeKind}; the others are empty.
 */
public record AttachPoint(String target, String function, long offset) {
    /** The attach point of the probes that attach to nothing: BEGIN, END, interval, profile. */
    public static final AttachPoint NONE = new AttachPoint("", "", 0);

    public AttachPoint {
        if (target == null || function == null) {
            throw new IllegalArgumentException("an attach point has a target and a function, possibly empty");
        }
    }

    public static AttachPoint tracepoint(String category, String event) {
        return new AttachPoint(category, event, 0);
    }

    /** {@code category:event}, as tracefs and {@code safetap -l} name a tracepoint. */
    public String tracepointName() {
        return target + ":" + function;
    }

    public boolean isNone() {
        return equals(NONE);
    }
}
