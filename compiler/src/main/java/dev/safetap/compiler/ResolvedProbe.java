package dev.safetap.compiler;

import dev.safetap.bytecode.ProbeKind;

/**
 * One probe a clause attaches to, after aliases and wildcards: its canonical full name
 * ({@code tracepoint:syscalls:sys_enter_read}, {@code interval:s:1}), its period for intervals, and
 * its record format for tracepoints (null otherwise).
 */
record ResolvedProbe(ProbeKind kind, String name, long periodNanos, TracepointSchema schema) {
}
