package dev.safetap.bytecode;

/** What a map's values are: plain values, or one of the aggregations. */
public enum MapKind implements Coded {
    /** Holds a value of the declared value type: {@code @x = expr}. */
    SCALAR(0),
    COUNT(1),
    SUM(2),
    AVG(3),
    MIN(4),
    MAX(5),
    STATS(6),
    /** Power-of-two histogram. */
    HIST(7),
    /** Linear histogram with the declared min, max and step. */
    LHIST(8);

    private final int code;

    MapKind(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    /** True for the aggregations whose value MAP_GET can read as one integer. */
    public boolean readable() {
        return this == SCALAR || this == COUNT || this == SUM || this == AVG || this == MIN || this == MAX;
    }
}
