package dev.safetap.bytecode;

/** What a map's values are: plain values, or one of the aggregations. */
public enum MapKind {
    /** Holds a value of the declared value type: {@code @x = expr}. */
    SCALAR,
    COUNT,
    SUM,
    AVG,
    MIN,
    MAX,
    STATS,
    /** Power-of-two histogram. */
    HIST,
    /** Linear histogram with the declared min, max and step. */
    LHIST;

    /** True for the aggregations whose value MAP_GET can read as one integer. */
    public boolean readable() {
        return this == SCALAR || this == COUNT || this == SUM || this == AVG || this == MIN || this == MAX;
    }
}
