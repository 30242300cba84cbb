package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TracepointCatalogTest {

    @Test
    void parsesEveryLiveFormat() {
        TracepointCatalog catalog = TracepointCatalog.live();
        List<String> names = catalog.tracepoints();
        assertTrue(names.size() > 1000, "only " + names.size() + " tracepoints listed");
        assertEquals(names.stream().sorted().collect(Collectors.toList()), names);
        List<String> failures = new ArrayList<>();
        int fields = 0;
        for (String name : names) {
            try {
                TracepointFormat format = catalog.format(name).orElseThrow();
                assertEquals(name, format.name());
                assertTrue(format.id() > 0, name);
                assertTrue(format.fields().stream().anyMatch(f -> f.name().equals("common_pid")), name);
                fields += format.fields().size();
            } catch (RuntimeException e) {
                failures.add(name + ": " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(fields > names.size() * 5, "fields parsed: " + fields);
    }

    @Test
    void knownLiveFormatsAreExact() {
        TracepointCatalog catalog = TracepointCatalog.live();
        checkKnown(catalog);
        TracepointFormat exec = catalog.format("sched:sched_process_exec").orElseThrow();
        assertEquals(new FormatField("char[]", "filename", 8, 4, false, false, -1, true),
                exec.field("filename").orElseThrow());
        assertEquals(catalog.format("sched:sched_switch"), catalog.format("sched:sched_switch"));
    }

    @Test
    void snapshotListsOnlyItsFormatsAndMatchesTheLiveKernel() {
        TracepointCatalog snapshot = TracepointCatalog.snapshot();
        assertEquals(64, snapshot.tracepoints().size());
        assertTrue(snapshot.tracepoints().contains("raw_syscalls:sys_enter"));
        assertFalse(snapshot.tracepoints().contains("ext4:ext4_sync_fs"));
        assertTrue(snapshot.format("ext4:ext4_sync_fs").isEmpty());
        checkKnown(snapshot);
        TracepointCatalog live = TracepointCatalog.live();
        for (String name : snapshot.tracepoints()) {
            assertEquals(live.format(name).orElseThrow().fields(), snapshot.format(name).orElseThrow().fields(),
                    name);
        }
    }

    @Test
    void unknownOrMalformedNamesAreEmpty() {
        TracepointCatalog catalog = TracepointCatalog.live();
        assertTrue(catalog.format("syscalls:sys_enter_nonexistent").isEmpty());
        assertTrue(catalog.format("syscalls").isEmpty());
        assertTrue(catalog.format("../syscalls:sys_enter_read").isEmpty());
        assertTrue(catalog.format("syscalls:").isEmpty());
        assertFalse(catalog.tracepoints().contains("ftrace:function"));
        assertTrue(catalog.format("ftrace:function").isEmpty());
    }

    private static void checkKnown(TracepointCatalog catalog) {
        TracepointFormat read = catalog.format("syscalls:sys_enter_read").orElseThrow();
        assertEquals(List.of(
                new FormatField("unsigned short", "common_type", 0, 2, false, true, -1, false),
                new FormatField("unsigned char", "common_flags", 2, 1, false, true, -1, false),
                new FormatField("unsigned char", "common_preempt_count", 3, 1, false, true, -1, false),
                new FormatField("int", "common_pid", 4, 4, true, true, -1, false),
                new FormatField("int", "__syscall_nr", 8, 4, true, false, -1, false),
                new FormatField("unsigned int", "fd", 16, 8, false, false, -1, false),
                new FormatField("char *", "buf", 24, 8, false, false, -1, false),
                new FormatField("size_t", "count", 32, 8, false, false, -1, false)), read.fields());
        assertEquals(40, read.fixedSize());
        TracepointFormat sw = catalog.format("sched:sched_switch").orElseThrow();
        assertEquals(new FormatField("char", "prev_comm", 8, 16, false, false, 16, false),
                sw.field("prev_comm").orElseThrow());
        assertEquals(new FormatField("long", "prev_state", 32, 8, true, false, -1, false),
                sw.field("prev_state").orElseThrow());
        TracepointFormat exec = catalog.format("sched:sched_process_exec").orElseThrow();
        assertTrue(exec.field("filename").orElseThrow().dataLoc());
    }
}
