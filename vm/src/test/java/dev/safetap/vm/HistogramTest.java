package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void powerOfTwoBucketsCoverEverySixtyFourBitValue() {
        assertEquals(0, Histogram.log2Bucket(Long.MIN_VALUE));
        assertEquals(0, Histogram.log2Bucket(-1));
        assertEquals(1, Histogram.log2Bucket(0));
        assertEquals(2, Histogram.log2Bucket(1));
        assertEquals(3, Histogram.log2Bucket(2));
        assertEquals(3, Histogram.log2Bucket(3));
        assertEquals(4, Histogram.log2Bucket(4));
        assertEquals(64, Histogram.log2Bucket(Long.MAX_VALUE));
        assertEquals("[2G, 4G)", Histogram.log2Label(Histogram.log2Bucket(1L << 31)));
        assertEquals("[4G, 8G)", Histogram.log2Label(Histogram.log2Bucket(1L << 32)));
        assertEquals("[1T, 2T)", Histogram.log2Label(Histogram.log2Bucket(1L << 40)));
        assertEquals("[4E, 8E)", Histogram.log2Label(Histogram.log2Bucket(Long.MAX_VALUE)));
    }

    @Test
    void linearBucketsClampBelowAndAbove() {
        assertEquals(12, Histogram.linearBuckets(0, 100, 10));
        assertEquals(0, Histogram.linearBucket(-1, 0, 100, 10));
        assertEquals(1, Histogram.linearBucket(0, 0, 100, 10));
        assertEquals(10, Histogram.linearBucket(99, 0, 100, 10));
        assertEquals(11, Histogram.linearBucket(100, 0, 100, 10));
        assertEquals(11, Histogram.linearBucket(Long.MAX_VALUE, 0, 100, 10));
        assertEquals("[1M, ...)", Histogram.linearLabel(3, 4, 0, 1 << 20, 1 << 19));
    }
}
