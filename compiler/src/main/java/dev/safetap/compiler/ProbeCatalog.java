package dev.safetap.compiler;

import java.util.List;
import java.util.Optional;

/** The tracepoints of the machine the script is compiled for, and their record formats. */
public interface ProbeCatalog {
    /** Every tracepoint as {@code category:event}, e.g. {@code syscalls:sys_enter_read}. */
    List<String> tracepoints();

    Optional<TracepointSchema> schema(String tracepoint);
}
