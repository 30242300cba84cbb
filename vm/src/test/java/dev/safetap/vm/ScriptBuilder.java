package dev.safetap.vm;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.LineEntry;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.util.ArrayList;
import java.util.List;

/** Hand-assembles programs for the tests, the way the compiler would, and has the verifier accept them. */
final class ScriptBuilder {
    private final List<String> strings = new ArrayList<>();
    private final List<MapDecl> maps = new ArrayList<>();
    private final List<EventLayout> layouts = new ArrayList<>();
    private final List<ProbeDecl> probes = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private final List<LineEntry> lines = new ArrayList<>();
    private String sourceName = "";
    private String sourceText = "";

    int map(String name, MapKind kind, ValueType value, ValueType... keys) {
        return map(MapDecl.of(name, List.of(keys), kind, value, Limits.DEFAULT_MAP_CAPACITY));
    }

    int map(MapDecl decl) {
        maps.add(decl);
        return maps.size() - 1;
    }

    int string(String s) {
        int at = strings.indexOf(s);
        if (at >= 0) {
            return at;
        }
        strings.add(s);
        return strings.size() - 1;
    }

    int layout(EventLayout layout) {
        layouts.add(layout);
        return layouts.size() - 1;
    }

    ScriptBuilder source(String name, String text) {
        sourceName = name;
        sourceText = text;
        return this;
    }

    /** Starts the code of a new action. */
    Code code() {
        return new Code();
    }

    /** Adds a probe of this kind running {@code code}; returns the probe index. */
    int probe(ProbeKind kind, String name, int layout, Code code) {
        int action = code.finish();
        AttachPoint attach = AttachPoint.NONE;
        if (kind == ProbeKind.TRACEPOINT) {
            String[] parts = name.split(":");
            attach = AttachPoint.tracepoint(parts[1], parts[2]);
        }
        probes.add(new ProbeDecl(kind, name, attach, 0, layout, action));
        return probes.size() - 1;
    }

    int begin(Code code) {
        return probe(ProbeKind.BEGIN, "BEGIN", -1, code);
    }

    Program program() {
        return new Program(strings, layouts, maps, probes, actions, new DebugInfo(sourceName, sourceText, lines));
    }

    VerifiedProgram verify() {
        return Verifier.verify(program());
    }

    /** The code of one action, with registers handed out in order. */
    final class Code {
        final CodeBuilder cb = new CodeBuilder();
        private int next;
        private int action = -1;

        int reg() {
            return next++;
        }

        void mark(int line, int column) {
            cb.mark(line, column);
        }

        int i(long value) {
            int r = reg();
            cb.emit(Opcode.CONST_INT, r, value);
            return r;
        }

        int s(String value) {
            int r = reg();
            cb.emit(Opcode.CONST_STR, r, string(value));
            return r;
        }

        int ctx(Builtin b) {
            int r = reg();
            cb.emit(Opcode.CTX, r, b.code());
            return r;
        }

        int field(int slot) {
            int r = reg();
            cb.emit(Opcode.FIELD, r, slot);
            return r;
        }

        int fieldString(int slot) {
            int r = reg();
            cb.emit(Opcode.FIELD_STR, r, slot);
            return r;
        }

        int op(Opcode op, int x, int y) {
            int r = reg();
            cb.emit(op, r, x, y);
            return r;
        }

        int get(int map, int... keys) {
            int r = reg();
            cb.emitRegs(Opcode.MAP_GET, keys, r, map, 0);
            return r;
        }

        void set(int map, int value, int... keys) {
            cb.emitRegs(Opcode.MAP_SET, keys, map, 0, value);
        }

        void agg(int map, long value, int... keys) {
            aggReg(map, i(value), keys);
        }

        void aggReg(int map, int value, int... keys) {
            cb.emitRegs(Opcode.MAP_AGG, keys, map, 0, value);
        }

        void delete(int map, int... keys) {
            cb.emitRegs(Opcode.MAP_DEL, keys, map, 0);
        }

        void clear(int map) {
            cb.emit(Opcode.MAP_CLEAR, map);
        }

        void zero(int map) {
            cb.emit(Opcode.MAP_ZERO, map);
        }

        void trunc(int map, int top) {
            cb.emit(Opcode.MAP_TRUNC, map, top);
        }

        void printf(String format, int... args) {
            cb.emitRegs(Opcode.PRINTF, args, string(format), 0);
        }

        int finish() {
            if (action < 0) {
                cb.emit(Opcode.RET);
                action = actions.size();
                actions.add(cb.build(Math.max(1, next)));
                lines.addAll(cb.lines(action));
            }
            return action;
        }
    }
}
