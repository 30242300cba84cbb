package dev.safetap.bytecode;

import java.util.List;

/**
 * A map declared in the program header. Keys are tuples of {@code keyTypes} (empty for a scalar
 * map such as {@code @x}). {@code valueType} is meaningful for {@link MapKind#SCALAR} maps; every
 * aggregation takes integers. The lhist fields are meaningful for {@link MapKind#LHIST} only.
 * A thread-local map ({@code self->x}) is keyed by tid and is never printed.
 */
public record MapDecl(String name, List<ValueType> keyTypes, MapKind kind, ValueType valueType,
        long lhistMin, long lhistMax, long lhistStep, int capacity, boolean threadLocal) {
    public MapDecl {
        keyTypes = List.copyOf(keyTypes);
    }

    /** A scalar or aggregation map with the default lhist fields. */
    public static MapDecl of(String name, List<ValueType> keyTypes, MapKind kind, ValueType valueType, int capacity) {
        return new MapDecl(name, keyTypes, kind, valueType, 0, 0, 0, capacity, false);
    }

    /** The type MAP_GET yields for this map. */
    public ValueType readType() {
        return kind == MapKind.SCALAR ? valueType : ValueType.INT;
    }
}
