package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OnlineCpusTest {

    @Test
    void parsesRangesAndSingles() {
        assertArrayEquals(new int[] {0, 1}, OnlineCpus.parse("0-1"));
        assertArrayEquals(new int[] {0, 2, 3, 4, 7}, OnlineCpus.parse("0,2-4,7\n"));
    }

    @Test
    void liveListMatchesTheJvm() {
        assertEquals(Runtime.getRuntime().availableProcessors(), OnlineCpus.list().length);
    }
}
