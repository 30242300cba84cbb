package dev.safetap.bytecode;

/**
 * An enum stored in the container by an explicit code, never by its ordinal: reordering or adding
 * constants cannot change what a file means. {@link #byCode} turns a code back into its constant.
 */
public interface Coded {
    /** The byte that stands for this constant in the container format. */
    int code();

    /** The constant of {@code type} with this code, or null when no constant has it. */
    static <E extends Enum<E> & Coded> E byCode(Class<E> type, int code) {
        for (E e : type.getEnumConstants()) {
            if (e.code() == code) {
                return e;
            }
        }
        return null;
    }
}
