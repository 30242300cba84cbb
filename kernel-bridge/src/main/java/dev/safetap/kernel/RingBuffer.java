package dev.safetap.kernel;

import com.sun.jna.Pointer;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One CPU's perf ring buffer, mapped once and read in place through a direct {@link ByteBuffer}: no JNA call
 * per record. {@code data_head} is read with acquire semantics (records before it are visible) and
 * {@code data_tail} written with release semantics (the kernel may reuse the space only after we read it).
 */
final class RingBuffer {
    private static final VarHandle WORDS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int DATA_HEAD = 1024;
    private static final int DATA_TAIL = 1032;
    private static final int MAX_RECORD = 1 << 16;
    /** Records read between two releases of the tail, so that a long pass gives the kernel room as it goes. */
    private static final int RELEASE_EVERY = 256;

    private final Pointer base;
    private final long mappedBytes;
    private final ByteBuffer control;
    private final ByteBuffer data;
    private final int mask;
    private final ByteBuffer scratch = ByteBuffer.allocate(MAX_RECORD).order(ByteOrder.LITTLE_ENDIAN);

    private RingBuffer(Pointer base, long mappedBytes, int pageSize, int dataBytes) {
        this.base = base;
        this.mappedBytes = mappedBytes;
        this.control = base.getByteBuffer(0, pageSize).order(ByteOrder.LITTLE_ENDIAN);
        this.data = base.getByteBuffer(pageSize, dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        this.mask = dataBytes - 1;
    }

    /** Maps {@code 1 + dataPages} pages of the perf event {@code fd}; {@code dataPages} is a power of two. */
    static RingBuffer map(int fd, int dataPages, String what) {
        int pageSize = LibC.getpagesize();
        long bytes = (long) (dataPages + 1) * pageSize;
        Pointer base = LibC.mmap(null, bytes, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED, fd, 0);
        if (base == null || Pointer.nativeValue(base) == -1L) {
            int errno = Errno.last();
            String hint = errno == Errno.EPERM || errno == Errno.ENOMEM
                    ? "the ring exceeds the locked-memory limit: use fewer ring pages or raise kernel.perf_event_mlock_kb"
                    : "use a smaller power-of-two number of ring pages";
            throw new KernelException("cannot map the " + dataPages + "-page ring buffer for " + what + " ("
                    + Errno.describe(errno) + "): " + hint);
        }
        return new RingBuffer(base, bytes, pageSize, dataPages * pageSize);
    }

    /** Hands every complete record between data_tail and data_head to {@code consumer}; returns how many. */
    int drain(RecordConsumer consumer) {
        long head = (long) WORDS.getAcquire(control, DATA_HEAD);
        long tail = control.getLong(DATA_TAIL);
        int count = 0;
        while (tail < head) {
            int at = (int) (tail & mask);
            int size = data.getShort(at + 6) & 0xffff;
            if (size < 8 || (size & 7) != 0) {
                throw new KernelException("corrupt perf record of size " + size + " in a ring buffer; "
                        + "please report this with the kernel version (uname -r)");
            }
            boolean accepted;
            if (at + size <= mask + 1) {
                accepted = consumer.accept(data, at, size);
            } else {
                int first = mask + 1 - at;
                scratch.clear();
                scratch.put(0, data, at, first);
                scratch.put(first, data, 0, size - first);
                accepted = consumer.accept(scratch, 0, size);
            }
            if (!accepted) {
                break;
            }
            tail += size;
            count++;
            if ((count & (RELEASE_EVERY - 1)) == 0) {
                WORDS.setRelease(control, DATA_TAIL, tail);
            }
        }
        WORDS.setRelease(control, DATA_TAIL, tail);
        return count;
    }

    /**
     * True if the kernel has written records not yet drained. The tail is read with acquire semantics, so what the
     * draining thread wrote before releasing it is visible to a caller on another thread.
     */
    boolean hasData() {
        return (long) WORDS.getAcquire(control, DATA_HEAD) != (long) WORDS.getAcquire(control, DATA_TAIL);
    }

    void unmap() {
        LibC.munmap(base, mappedBytes);
    }
}
