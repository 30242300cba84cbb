package dev.safetap.kernel;

import java.nio.ByteBuffer;

/** Takes perf records out of a {@link RingBuffer}, each one contiguous (wrapped records are copied). */
interface RecordConsumer {
    /**
     * @param record little-endian buffer holding the whole record, header included
     * @param offset start of the record's {@code perf_event_header}
     * @param size   the header's size field
     * @return false to stop draining: the record stays in the ring for the next pass
     */
    boolean accept(ByteBuffer record, int offset, int size);
}
