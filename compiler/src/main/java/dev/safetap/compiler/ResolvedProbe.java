package dev.safetap.compiler;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.RecordFormat;

/**
 * One probe a clause attaches to, after aliases and wildcards: its kind, its canonical full name
 * ({@code tracepoint:syscalls:sys_enter_read}, {@code interval:s:1}), what it attaches to, its period
 * (nanoseconds for intervals), and its record format for tracepoints (null otherwise).
 */
record ResolvedProbe(ProbeKind kind, String name, AttachPoint attach, long period, RecordFormat format) {
}
