package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Names by tid and time: a reader behind the records applied still finds the name a thread had then. */
class CommTableTest {
    private static void rename(CommTable table, int tid, long time, String name) {
        byte[] bytes = (name + "\0").getBytes(StandardCharsets.UTF_8);
        table.rename(tid, time, ByteBuffer.wrap(bytes), 0, bytes.length);
    }

    private static String at(CommTable table, int tid, long time) {
        byte[] dst = new byte[16];
        return new String(dst, 0, table.comm(tid, time, dst), StandardCharsets.UTF_8);
    }

    private static String read(CommTable.Reader reader, int tid, long time, byte[] dst) {
        return new String(dst, 0, reader.comm(tid, time, dst), StandardCharsets.UTF_8);
    }

    @Test
    void eachNameHoldsFromTheTimeItTookEffectAndTheLastFourAreKept() {
        CommTable table = new CommTable();
        table.fork(1, 4242);
        rename(table, 4242, 100, "exec");
        rename(table, 4242, 200, "renamed");
        assertEquals("exec", at(table, 4242, 150));
        assertEquals("renamed", at(table, 4242, 200));
        assertEquals("renamed", table.name(4242), "now is the newest name");
        String forked = at(table, 4242, 99);
        assertEquals(at(table, 1, 99), forked, "before its exec the child had its parent's name");
        rename(table, 4242, 300, "third");
        rename(table, 4242, 400, "fourth");
        assertEquals("renamed", at(table, 4242, 250));
        assertEquals("exec", at(table, 4242, 50), "past the history: the oldest name kept");
    }

    @Test
    void aReaderReusesItsLastNameOnlyWhileItIsStillTheRightOne() {
        CommTable table = new CommTable();
        table.fork(1, 777);
        rename(table, 777, 100, "first");
        CommTable.Reader reader = table.reader();
        byte[] dst = new byte[16];
        assertEquals("first", read(reader, 777, 150, dst));
        assertEquals("first", read(reader, 777, 160, dst));
        rename(table, 777, 200, "second");
        assertEquals("first", read(reader, 777, 170, dst), "a change of the table is seen, the time still decides");
        assertEquals("second", read(reader, 777, 250, dst));
        assertEquals("first", read(reader, 777, 199, dst), "the span of the remembered name ends where the next begins");
        table.fork(777, 778);
        assertEquals("second", read(reader, 778, 300, dst), "another thread is looked up");
    }

    @Test
    void readersOnOtherThreadsSeeOneWholeNameWhileTheTableGrowsAndChanges() throws Exception {
        CommTable table = new CommTable();
        table.fork(1, 5);
        rename(table, 5, 1, "aaaaaaaaaaaa");
        AtomicReference<String> torn = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            CommTable.Reader r = table.reader();
            byte[] dst = new byte[16];
            for (int i = 0; i < 2_000_000 && torn.get() == null; i++) {
                String name = read(r, 5, Long.MAX_VALUE, dst);
                if (!name.equals("aaaaaaaaaaaa") && !name.equals("bbbbbbbbbbbb")) {
                    torn.set(name);
                }
            }
        });
        reader.start();
        for (int i = 0; i < 20_000; i++) {
            rename(table, 5, 2 + i, i % 2 == 0 ? "bbbbbbbbbbbb" : "aaaaaaaaaaaa");
            table.fork(5, 100_000 + i);
            table.exit(100_000 + i);
        }
        reader.join();
        assertEquals(null, torn.get(), "a reader saw a name being written");
    }

    /**
     * Every CPU's idle task is tid 0: named after its CPU, as the kernel and bpftrace name it; a reader that names it
     * in its buffer forgets the name it last left there.
     */
    @Test
    void theIdleTaskOfEachCpuIsSwapperSlashItsNumber() {
        CommTable table = new CommTable();
        rename(table, 42, 0, "C1 CompilerThre");
        CommTable.Reader reader = table.reader();
        byte[] dst = new byte[16];
        for (int cpu : new int[] {0, 1, 9, 10, 1234567, Integer.MAX_VALUE}) {
            assertEquals("C1 CompilerThre", new String(dst, 0, reader.comm(42, 0, 5, dst), StandardCharsets.US_ASCII));
            String expected = ("swapper/" + cpu).substring(0, Math.min(15, ("swapper/" + cpu).length()));
            assertEquals(expected, new String(dst, 0, reader.comm(0, cpu, 5, dst), StandardCharsets.US_ASCII));
        }
        assertEquals("C1 CompilerThre", new String(dst, 0, reader.comm(42, 1, 5, dst), StandardCharsets.US_ASCII));
    }
}
