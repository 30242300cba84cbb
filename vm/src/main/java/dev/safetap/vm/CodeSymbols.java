package dev.safetap.vm;

/**
 * Names code addresses when stacks and symbols are printed: the kernel's from its symbol table, a process's from the
 * files it had mapped at the address. The session gives one that reads the machine; {@link #NONE} names nothing, so
 * every frame prints as its address. Called from printing threads only, never on the event path.
 */
public interface CodeSymbols {
    /** Names nothing. */
    CodeSymbols NONE = new CodeSymbols() {
        @Override
        public Named kernel(long address) {
            return null;
        }

        @Override
        public Named user(int pid, long address) {
            return null;
        }
    };

    /**
     * A symbol an address is in.
     *
     * @param name   the symbol ({@code ksys_read})
     * @param offset bytes from the symbol's start to the address
     * @param file   the file holding it, for user addresses ({@code /usr/lib/x86_64-linux-gnu/libc.so.6}), else null
     */
    record Named(String name, long offset, String file) {
    }

    /** The kernel symbol containing {@code address}, or null when none is known. */
    Named kernel(long address);

    /** The symbol of process {@code pid} containing the user address, or null when none is known. */
    Named user(int pid, long address);

    /** The address of the kernel symbol {@code name}, or 0 when the kernel lists none (or names nothing here). */
    default long kernelAddress(String name) {
        return 0;
    }
}
