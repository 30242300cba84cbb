package dev.safetap.compiler;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.Expr;
import dev.safetap.compiler.Ast.SelfVar;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The maps and thread-locals of a script. The first write of a name declares it and decides its
 * kind (a plain value, or one aggregation); the first use with keys decides its key types, the
 * first plain value its value type, the first linear histogram its buckets. Every later use must
 * agree: the methods that learn return whether this use agrees. The resolver fills the table in
 * program order; the type checker reports every use that does not agree, and declares, as the
 * resolver would, a write that only it could type. Map ids follow the order of declaration.
 */
final class MapTable {
    /** One map or thread-local, with where and how it was first written. */
    static final class Entry {
        private final String name;
        private final boolean threadLocal;
        private final MapKind kind;
        private final String use;
        private final int line;
        private final int column;
        private ValueType valueType;
        private List<ValueType> keys;
        private long lhistMin;
        private long lhistMax;
        private long lhistStep;

        private Entry(String name, boolean threadLocal, MapKind kind, String use, int line, int column) {
            this.name = name;
            this.threadLocal = threadLocal;
            this.kind = kind;
            this.use = use;
            this.line = line;
            this.column = column;
        }

        MapKind kind() {
            return kind;
        }

        /** How the first write used it: "plain value", "count()", "lhist()"... */
        String use() {
            return use;
        }

        int line() {
            return line;
        }

        int column() {
            return column;
        }

        /** The value type of a plain value, null before the first plain value is known. */
        ValueType valueType() {
            return valueType;
        }

        /** The key types, null before the first use with keys is known. */
        List<ValueType> keys() {
            return keys;
        }

        long lhistMin() {
            return lhistMin;
        }

        long lhistMax() {
            return lhistMax;
        }

        long lhistStep() {
            return lhistStep;
        }

        /** Learns the key types when none are known yet; true when {@code types} agree with them. */
        boolean keys(List<ValueType> types) {
            if (keys == null) {
                keys = List.copyOf(types);
                return true;
            }
            return keys.equals(types);
        }

        /** Learns the value type when none is known yet; true when {@code type} agrees with it. */
        boolean value(ValueType type) {
            if (valueType == null) {
                valueType = type;
                return true;
            }
            return valueType == type;
        }

        /** Learns the linear histogram's buckets when none are known yet; true when these agree with them. */
        boolean buckets(long min, long max, long step) {
            if (lhistStep == 0) {
                lhistMin = min;
                lhistMax = max;
                lhistStep = step;
                return true;
            }
            return lhistMin == min && lhistMax == max && lhistStep == step;
        }

        /** The type MAP_GET yields: the value type of a plain value, else an integer. */
        ValueType readType() {
            return kind != MapKind.SCALAR || valueType == null ? ValueType.INT : valueType;
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** The name a map or thread-local target is declared under: {@code @name} or {@code self->name}. */
    static String name(Expr target) {
        return target instanceof SelfVar t ? "self->" + t.name() : ((Ast.MapRef) target).name();
    }

    /** Buckets of a linear histogram from min to max by step; -1 unless min &lt; max and step &gt; 0. */
    static long linearBuckets(long min, long max, long step) {
        return step <= 0 || max <= min ? -1 : (max - min) / step;
    }

    /** The entry of this name, or null when nothing has written it. */
    Entry get(String name) {
        return entries.get(name);
    }

    /** The entry of {@code target}; this write declares it, as {@code kind}, when it is the first. */
    Entry declare(Expr target, MapKind kind, String use) {
        return entries.computeIfAbsent(name(target),
                n -> new Entry(n, target instanceof SelfVar, kind, use, target.line(), target.column()));
    }

    Set<String> names() {
        return entries.keySet();
    }

    /** The declarations, in id order; a thread-local is keyed by tid. */
    List<MapDecl> declarations(int capacity) {
        List<MapDecl> out = new ArrayList<>();
        for (Entry m : entries.values()) {
            List<ValueType> keys = m.threadLocal ? List.of(ValueType.INT) : m.keys == null ? List.of() : m.keys;
            out.add(new MapDecl(m.name, keys, m.kind, m.valueType == null ? ValueType.INT : m.valueType,
                    m.lhistMin, m.lhistMax, m.lhistStep, capacity, m.threadLocal));
        }
        return out;
    }

    Map<String, Integer> ids() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (String name : entries.keySet()) {
            ids.put(name, ids.size());
        }
        return ids;
    }
}
