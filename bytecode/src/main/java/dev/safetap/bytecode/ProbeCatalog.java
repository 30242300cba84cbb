package dev.safetap.bytecode;

import java.util.List;
import java.util.Optional;

/**
 * The probes of the machine a script is compiled for and attached on, and the record formats of those
 * that have records. The compiler types a script against it; at attach the running kernel's catalog is
 * checked against the layouts the program was verified with ({@link EventLayout#of}).
 */
public interface ProbeCatalog {
    /** Every tracepoint as {@code category:event}, e.g. {@code syscalls:sys_enter_read}, sorted. */
    List<String> tracepoints();

    /** The record format of a tracepoint, or empty when it is not one of {@link #tracepoints()}. */
    Optional<RecordFormat> tracepointFormat(String tracepoint);

    /**
     * The absolute path of the binary a uprobe names: a path, a library ({@code libc}) or a command ({@code bash});
     * empty when there is none (or the catalog knows no binaries).
     */
    default Optional<String> binary(String name) {
        return Optional.empty();
    }

    /** The functions a uprobe may attach to in the binary at {@code path}, sorted; empty when it has none. */
    default List<String> functions(String path) {
        return List.of();
    }
}
