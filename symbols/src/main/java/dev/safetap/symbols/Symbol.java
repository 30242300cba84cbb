package dev.safetap.symbols;

import java.util.Objects;
import java.util.Optional;

/**
 * What an address resolved to: the function {@code name}, how far past its first byte the address lies, and the
 * {@code source} that named it: the kernel module ({@code ext4}, or {@value #KERNEL_IMAGE} for the kernel image
 * itself), or for user space the file as the process mapped it ({@code /usr/lib/x86_64-linux-gnu/libc.so.6}).
 *
 * <p>The formats are those of bpftrace 0.17: a stack frame prints {@code name+offset} with the offset in decimal
 * ({@code ksys_read+40}), {@code ksym}/{@code usym} the name alone, and an address nothing names prints as
 * {@code 0x} and lowercase hex ({@code 0x55a3defc8710}).
 *
 * @param name   the symbol's name as the symbol table spells it (not demangled)
 * @param offset the address minus the symbol's start, never negative
 * @param source the kernel module or the mapped file that named the address
 */
public record Symbol(String name, long offset, String source) {
    /** The {@link #source} of symbols of the kernel image (not of a module). */
    public static final String KERNEL_IMAGE = "vmlinux";

    /** Checks that nothing is null and the offset is not negative. */
    public Symbol {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        if (offset < 0) {
            throw new IllegalArgumentException("negative offset " + offset + " into " + name);
        }
    }

    /** The frame of a stack trace: {@code ksys_read+40}. */
    public String withOffset() {
        return name + "+" + offset;
    }

    /** A stack frame for {@code address}: {@link #withOffset} of its symbol, else {@link #unknown}. */
    public static String frame(Optional<Symbol> symbol, long address) {
        return symbol.map(Symbol::withOffset).orElseGet(() -> unknown(address));
    }

    /** What {@code ksym}/{@code usym} print for {@code address}: the name of its symbol, else {@link #unknown}. */
    public static String name(Optional<Symbol> symbol, long address) {
        return symbol.map(Symbol::name).orElseGet(() -> unknown(address));
    }

    /** An address nothing names: {@code 0x55a3defc8710}. */
    public static String unknown(long address) {
        return "0x" + Long.toHexString(address);
    }
}
