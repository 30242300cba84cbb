package dev.safetap.vm;

/**
 * A safety property of the contract found broken at run time by the {@link CheckedInterpreter}: the
 * verifier accepted a program it should have rejected. Names the property, the action and the pc.
 */
public final class SafetyViolation extends RuntimeException {
    private final String property;
    private final int action;
    private final int pc;

    public SafetyViolation(String property, int action, int pc, String message) {
        super(property + " violated in action " + action + " at pc " + pc + ": " + message);
        this.property = property;
        this.action = action;
        this.pc = pc;
    }

    /** Short name of the broken property, e.g. {@code register type} or {@code record bounds}. */
    public String property() {
        return property;
    }

    public int action() {
        return action;
    }

    public int pc() {
        return pc;
    }
}
