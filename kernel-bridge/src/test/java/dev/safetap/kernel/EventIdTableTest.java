package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Event ids to requests: more events than the table was sized for (threads of a -p process that start while it opens). */
class EventIdTableTest {
    @Test
    void holdsMoreEventsThanItWasSizedForAndFindsEachOne() {
        EventIdTable table = new EventIdTable(1);
        for (long id = 1; id <= 5_000; id++) {
            table.put(id * 7919, (int) (id % 13));
        }
        for (long id = 1; id <= 5_000; id++) {
            assertEquals((int) (id % 13), table.request(id * 7919), "id " + id);
        }
        assertEquals(-1, table.request(3));
        table.put(7919, 12);
        assertEquals(12, table.request(7919), "putting an id again replaces its request");
    }
}
