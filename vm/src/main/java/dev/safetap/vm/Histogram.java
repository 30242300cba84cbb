package dev.safetap.vm;

import dev.safetap.bytecode.Limits;

/**
 * Bucket numbering and bucket labels of the two histograms, as bpftrace defines them.
 *
 * <p>A power-of-two histogram has bucket 0 for negative values, 1 for zero, 2 for one, and bucket
 * {@code k >= 3} for values in {@code [2^(k-2), 2^(k-1))}. A linear histogram with min, max and step
 * has bucket 0 for values below min, bucket {@code 1 + (v - min) / step} for values in range, and
 * the last bucket, {@code (max - min) / step + 1}, for values at or above max.
 */
public final class Histogram {
    private static final String[] SUFFIXES = {"", "K", "M", "G", "T", "P", "E"};

    private Histogram() {
    }

    /** Number of counters a power-of-two histogram keeps. */
    public static int log2Buckets() {
        return Limits.HIST_BUCKETS;
    }

    public static int log2Bucket(long value) {
        if (value < 0) {
            return 0;
        }
        if (value == 0) {
            return 1;
        }
        return 2 + 63 - Long.numberOfLeadingZeros(value);
    }

    /** Number of counters a linear histogram keeps, including the below-min and at-or-above-max buckets. */
    public static int linearBuckets(long min, long max, long step) {
        return (int) ((max - min) / step) + 2;
    }

    public static int linearBucket(long value, long min, long max, long step) {
        int last = (int) ((max - min) / step) + 1;
        if (value < min) {
            return 0;
        }
        if (value >= max) {
            return last;
        }
        return (int) Math.min(last, 1 + (value - min) / step);
    }

    /** The row label of power-of-two bucket {@code index}: {@code (..., 0)}, {@code [0]}, {@code [1]}, {@code [2, 4)}, {@code [1K, 2K)}. */
    public static String log2Label(int index) {
        return switch (index) {
            case 0 -> "(..., 0)";
            case 1 -> "[0]";
            case 2 -> "[1]";
            default -> "[" + powerLabel(index - 2) + ", " + powerLabel(index - 1) + ")";
        };
    }

    /** Smallest value of power-of-two bucket {@code index >= 1}; bucket 0 has no lower bound. */
    public static long log2Min(int index) {
        return index == 1 ? 0 : 1L << (index - 2);
    }

    /** Largest value of power-of-two bucket {@code index}: -1 for the negative bucket, 0 for zero, {@code 2^(k-1) - 1} above. */
    public static long log2Max(int index) {
        return index <= 1 ? index - 1 : (1L << (index - 1)) - 1;
    }

    /**
     * Smallest value of linear bucket {@code index >= 1} of a histogram with {@code buckets} counters:
     * max for the last bucket (which bpftrace opens at max), else the bucket's lower edge.
     */
    public static long linearMin(int index, int buckets, long min, long max, long step) {
        return index == buckets - 1 ? max : (index - 1) * step + min;
    }

    /** Largest value of linear bucket {@code index} below the last one: one less than its upper edge. */
    public static long linearMax(int index, long min, long step) {
        return index * step + min - 1;
    }

    private static String powerLabel(int power) {
        return (1L << (power % 10)) + SUFFIXES[power / 10];
    }

    /** The row label of linear bucket {@code index} of a histogram with {@code buckets} counters. */
    public static String linearLabel(int index, int buckets, long min, long max, long step) {
        if (index == 0) {
            return "(..., " + linearNumber(min) + ")";
        }
        if (index == buckets - 1) {
            return "[" + linearNumber(max) + ", ...)";
        }
        return "[" + linearNumber(linearMin(index, buckets, min, max, step)) + ", " + linearNumber(linearMax(index, min, step) + 1) + ")";
    }

    private static String linearNumber(long n) {
        if (n != 0 && n % (1 << 20) == 0) {
            return n / (1 << 20) + "M";
        }
        if (n != 0 && n % 1024 == 0) {
            return n / 1024 + "K";
        }
        return Long.toString(n);
    }
}
