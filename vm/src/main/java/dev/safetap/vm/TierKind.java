package dev.safetap.vm;

import dev.safetap.verifier.VerifiedProgram;

/** The execution tiers there are, by the name {@code --tier} and the reports give them. */
public enum TierKind {
    /** The fast interpreter: relies on the proof, checks nothing it proved. */
    INTERP("interp"),
    /** The reference interpreter: re-checks every property of the contract at every step; slow. */
    CHECKED("checked");

    private final String label;

    TierKind(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }

    /** A new tier of this kind running {@code program}, with a state of its own. */
    public Tier create(VerifiedProgram program, VmOptions options) {
        return switch (this) {
            case INTERP -> new Interpreter(program, options);
            case CHECKED -> new CheckedInterpreter(program, options);
        };
    }
}
