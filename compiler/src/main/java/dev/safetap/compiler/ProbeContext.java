package dev.safetap.compiler;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.RecordField;
import dev.safetap.bytecode.RecordFormat;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.UprobeRegisters;
import dev.safetap.bytecode.ValueType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an action can read about the probe that fired: the context builtins, and the fields of the
 * event record of its first probe (the probes of one action share their layout, or it reads none).
 * A field is readable when it is an integer of 1, 2, 4 or 8 bytes, one element of an integer array,
 * or a char string; {@code argN} is the Nth field after the common ones ({@code __syscall_nr}
 * skipped on syscalls) and {@code retval} the {@code ret} field of a syscall exit. When one of the
 * clause's probes could not be resolved (an error already reported), reads are lenient: without a
 * record they are integers, so that one wrong probe does not bury the script under field errors.
 */
final class ProbeContext {
    /** A read: its type and layout slot (-1 for none), or, when refused, why (type null). */
    record Read(ValueType type, int slot, String message, String hint) {
        static Read of(ValueType type) {
            return new Read(type, -1, null, null);
        }

        static Read refused(String message, String hint) {
            return new Read(null, -1, message, hint);
        }
    }

    /** The builtins that describe the task an event happened in, which an interval tick does not have. */
    private static final Set<Builtin> TASK_BUILTINS = Set.of(Builtin.PID, Builtin.TID, Builtin.COMM, Builtin.CPU);

    private final List<ResolvedProbe> probes;
    private final RecordFormat schema;
    private final EventLayout layout;
    private final String probeName;
    private final boolean lenient;

    ProbeContext(List<ResolvedProbe> probes, boolean lenient) {
        this.probes = List.copyOf(probes);
        this.schema = probes.isEmpty() ? null : probes.get(0).format();
        this.layout = schema == null ? null : EventLayout.of(schema);
        this.probeName = probes.isEmpty() ? "" : probes.get(0).name();
        this.lenient = lenient;
    }

    List<ResolvedProbe> probes() {
        return probes;
    }

    /** The layout of the record the action reads; null for BEGIN, END and intervals. */
    EventLayout layout() {
        return layout;
    }

    /** A bare name: a context builtin, {@code argN} or {@code retval}. */
    Read identifier(Ast.Ident id) {
        String name = id.name();
        Signature s = Signature.of(name);
        if (s != null && s.isStack()) {
            return stack(name);
        }
        if (s == Signature.FUNC && !probes.stream().allMatch(p -> p.kind() == ProbeKind.UPROBE || p.kind() == ProbeKind.URETPROBE)) {
            return Read.refused("`func` is the traced function of a uprobe or kprobe; a " + probeKindName() + " probe has none",
                    "in a profile probe the function a sample landed in is the first frame of its stack: `kstack(1)` or"
                    + " `ustack(1)`; a tracepoint names itself in `probe`");
        }
        if (s != null && s.kind() == Signature.Kind.CONTEXT) {
            if (TASK_BUILTINS.contains(s.builtin()) && probes.stream().anyMatch(p -> p.kind() == ProbeKind.INTERVAL)) {
                return Read.refused("`" + name + "` has no meaning in an interval probe: its ticks fire in safetap, not in a"
                        + " traced task, so it would describe safetap itself", "read it in a tracepoint or profile probe:"
                        + " `profile:hz:99` samples the running tasks on every CPU");
            }
            return Read.of(s.result());
        }
        if (s != null && s.argument() >= 0) {
            if (schema == UprobeRegisters.URETPROBE) {
                return Read.refused("`" + name + "` is not available in a uretprobe: at the return the argument registers hold"
                        + " whatever the function left in them", "read it in the uprobe and keep it for the return: "
                        + "`uprobe:...:f { @arg[tid] = " + name + "; }`");
            }
            return argument(s.argument(), name);
        }
        if (s == Signature.RETVAL) {
            if (schema == UprobeRegisters.URETPROBE) {
                return field("retval", -1, "retval");
            }
            if (!lenient && (schema == null || !schema.name().startsWith("syscalls:sys_exit_"))) {
                return Read.refused("`retval` is only available in syscall exit tracepoints and uretprobes",
                        "attach to `tracepoint:syscalls:sys_exit_NAME` or `uretprobe:BINARY:FUNCTION`, or read `args->ret`");
            }
            return field("ret", -1, "retval");
        }
        if (s == Signature.ARGS) {
            return Read.refused("`args` must be followed by a field, as in `args->fd`", "");
        }
        if (name.equals("uid") || name.equals("gid")) {
            return Read.refused("`" + name + "` is not available: the kernel's perf samples do not carry it, and reading it "
                    + "from /proc later would be wrong for processes that exit or change it",
                    "select processes by `comm`, `pid` or -p instead");
        }
        Set<String> known = new HashSet<>(Signature.builtins());
        known.remove("args");
        String hint = Spelling.hint(name, known);
        return Read.refused("unknown builtin `" + name + "`", hint.isEmpty() && Signature.functions().contains(name)
                ? "call it as `" + name + "(...)`" : hint);
    }

    /** What bpftrace calls the kind of the first probe, for messages: {@code tracepoint}, {@code profile}, ... */
    private String probeKindName() {
        return probes.isEmpty() ? "BEGIN" : switch (probes.get(0).kind()) {
            case BEGIN -> "BEGIN";
            case END -> "END";
            default -> probes.get(0).kind().name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * A stack of the event ({@code kstack}, {@code ustack}, called or bare): probes the tracer fires itself have
     * none, since they interrupt no task.
     */
    Read stack(String written) {
        if (probes.stream().anyMatch(p -> p.kind().isSynthetic())) {
            return Read.refused("`" + written + "` has no meaning in BEGIN, END or an interval probe: they fire in safetap, not"
                    + " in a traced task, so there is no stack to take", "take stacks in a tracepoint or `profile:hz:N` probe");
        }
        return Read.of(ValueType.STACK);
    }

    private Read argument(int n, String written) {
        if (schema == null) {
            return field("arg" + n, -1, written);
        }
        int seen = 0;
        for (RecordField f : schema.fields()) {
            if (f.common() || (f.name().equals("__syscall_nr") && schema.name().startsWith("syscalls:"))) {
                continue;
            }
            if (seen++ == n) {
                return field(f.name(), -1, written);
            }
        }
        return Read.refused("`" + written + "` does not exist: " + probeName + " has " + seen + " argument"
                + (seen == 1 ? "" : "s"), seen == 0 ? "" : "arguments are numbered from arg0 to arg" + (seen - 1));
    }

    /** Record field {@code name}, element {@code index} (-1 for none), as the script wrote it. */
    Read field(String name, int index, String written) {
        if (schema == null) {
            return lenient ? Read.of(ValueType.INT) : Read.refused("`" + written + "` is not available in "
                    + (probeName.isEmpty() ? "this probe" : probeName) + ": only tracepoint probes have arguments", "");
        }
        RecordField f = null;
        for (RecordField s : schema.fields()) {
            if (s.name().equals(name)) {
                f = s;
            }
        }
        if (f == null) {
            List<String> names = new ArrayList<>();
            for (RecordField s : schema.fields()) {
                if (!s.common()) {
                    names.add(s.name());
                }
            }
            String hint = Spelling.hint(name, names);
            return Read.refused(probeName + " has no field `" + name + "`",
                    hint.isEmpty() ? "its fields are " + String.join(", ", names) : hint);
        }
        String slotName = name;
        if (f.arrayLength() > 0 && !f.isChar() && !f.dataLoc()) {
            if (index < 0) {
                return Read.refused("field `" + name + "` is an array of " + f.arrayLength() + "; read one element, as in `args->"
                        + name + "[0]`", "");
            }
            if (index >= f.arrayLength()) {
                return Read.refused("index " + index + " is outside the array `" + name + "` of " + f.arrayLength() + " elements",
                        "the valid indexes are 0 to " + (f.arrayLength() - 1));
            }
            slotName = name + "[" + index + "]";
        } else if (index >= 0) {
            return Read.refused("field `" + name + "` is not an array of integers, so it cannot be indexed", "");
        }
        int slot = layout.slotIndex(slotName);
        if (slot < 0) {
            return Read.refused("field `" + name + "` (" + f.type() + ", " + f.size() + " bytes) cannot be read: only integers "
                    + "of 1, 2, 4 or 8 bytes and char strings are readable", "");
        }
        LayoutSlot s = layout.slots().get(slot);
        if (s.kind() == SlotKind.DATA_LOC && !f.isChar()) {
            return Read.refused("field `" + name + "` is a variable-length array of " + f.type() + ", which cannot be read", "");
        }
        return new Read(s.isString() ? ValueType.STR : ValueType.INT, slot, null, null);
    }
}
