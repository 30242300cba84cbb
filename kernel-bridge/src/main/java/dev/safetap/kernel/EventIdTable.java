package dev.safetap.kernel;

/**
 * Maps the kernel's perf event ids (from PERF_EVENT_IOC_ID) to the index of the request that opened the event;
 * lookups allocate nothing.
 */
final class EventIdTable {
    private long[] ids;
    private int[] requests;
    private int size;

    /** A table for about {@code events} events; it grows if more are put (all are put before it is read). */
    EventIdTable(int events) {
        int capacity = Integer.highestOneBit(Math.max(4, events) * 4);
        ids = new long[capacity];
        requests = new int[capacity];
    }

    void put(long id, int request) {
        if ((size + 1) * 2 > ids.length) {
            long[] oldIds = ids;
            int[] oldRequests = requests;
            ids = new long[oldIds.length * 2];
            requests = new int[oldIds.length * 2];
            size = 0;
            for (int i = 0; i < oldIds.length; i++) {
                if (oldIds[i] != 0) {
                    put(oldIds[i], oldRequests[i]);
                }
            }
        }
        int mask = ids.length - 1;
        int slot = mix(id) & mask;
        while (ids[slot] != 0 && ids[slot] != id) {
            slot = (slot + 1) & mask;
        }
        size += ids[slot] == 0 ? 1 : 0;
        ids[slot] = id;
        requests[slot] = request;
    }

    /** The request index of event {@code id}, or -1 for an id this session did not open. */
    int request(long id) {
        int mask = ids.length - 1;
        for (int slot = mix(id) & mask; ids[slot] != 0; slot = (slot + 1) & mask) {
            if (ids[slot] == id) {
                return requests[slot];
            }
        }
        return -1;
    }

    private static int mix(long id) {
        long h = id * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }
}
