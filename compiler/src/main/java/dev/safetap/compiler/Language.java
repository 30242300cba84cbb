package dev.safetap.compiler;

import dev.safetap.bytecode.Builtin;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The names the language knows: builtins, functions and probe types, for the docs and {@code safetap -l}. */
public final class Language {
    /** Builtins read with CTX, by every spelling (DTrace's {@code execname} and {@code timestamp} included). */
    static final Map<String, Builtin> CONTEXT = Map.ofEntries(
            Map.entry("pid", Builtin.PID), Map.entry("tid", Builtin.TID), Map.entry("comm", Builtin.COMM),
            Map.entry("execname", Builtin.COMM), Map.entry("nsecs", Builtin.NSECS), Map.entry("timestamp", Builtin.NSECS),
            Map.entry("elapsed", Builtin.ELAPSED), Map.entry("cpu", Builtin.CPU), Map.entry("probe", Builtin.PROBE),
            Map.entry("cpid", Builtin.CPID));
    /** Builtins that read the event record. */
    static final Set<String> RECORD = Set.of("args", "retval", "arg0", "arg1", "arg2", "arg3", "arg4", "arg5");
    /** Functions that fold a value into a map, with their DTrace spellings. */
    static final Set<String> AGGREGATIONS = Set.of("count", "sum", "avg", "min", "max", "stats", "hist", "lhist",
            "quantize", "lquantize");
    static final Set<String> ACTIONS = Set.of("printf", "print", "printa", "clear", "zero", "delete", "exit", "str",
            "time", "trunc");

    private Language() {
    }

    public static Set<String> builtins() {
        Set<String> all = new TreeSet<>(CONTEXT.keySet());
        all.addAll(RECORD);
        return all;
    }

    public static Set<String> functions() {
        Set<String> all = new TreeSet<>(AGGREGATIONS);
        all.addAll(ACTIONS);
        return all;
    }

    public static Set<String> probeTypes() {
        return new TreeSet<>(Set.of("BEGIN", "END", "tracepoint", "t", "interval", "i", "syscall", "dtrace",
                "profile", "tick"));
    }
}
