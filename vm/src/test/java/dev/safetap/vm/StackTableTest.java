package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.safetap.bytecode.StackKind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.Test;

class StackTableTest {
    private static final long KERNEL = -128;
    private static final long USER = -512;

    private static ByteBuffer chain(long... entries) {
        ByteBuffer b = ByteBuffer.allocate(8 * entries.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < entries.length; i++) {
            b.putLong(8 + 8 * i, entries[i]);
        }
        return b;
    }

    private static int take(StackTable t, StackKind kind, int pid, ByteBuffer chain, int most) {
        return t.stack(kind, pid, chain, 8, (chain.capacity() - 8) / 8, most);
    }

    @Test
    void equalStacksAreOneIdAndTheSidesAndProcessesAreApart() {
        StackTable t = new StackTable(CodeSymbols.NONE);
        t.reserve();
        ByteBuffer c = chain(KERNEL, 0xffffffff81000010L, 0xffffffff81000020L, USER, 0x401000, 0x402000);
        int k = take(t, StackKind.KERNEL, 7, c, 127);
        assertEquals(k, take(t, StackKind.KERNEL, 8, c, 127), "a kernel stack does not depend on the process");
        int u7 = take(t, StackKind.USER, 7, c, 127);
        int u8 = take(t, StackKind.USER, 8, c, 127);
        assertNotEquals(u7, u8, "user addresses are those of their process");
        assertNotEquals(k, u7);
        assertNotEquals(k, take(t, StackKind.KERNEL_PERF, 7, c, 127), "the print mode is part of the stack");
        assertNotEquals(k, take(t, StackKind.KERNEL, 7, c, 1), "a cut stack is another stack");
        assertEquals("\n    0xffffffff81000010\n    0xffffffff81000020\n", t.text(k, 4));
        assertEquals("\n        0x401000\n        0x402000\n", t.text(u7, 8));
        assertEquals("\n\t401000 0x401000 ([unknown])\n\t402000 0x402000 ([unknown])\n",
                t.text(take(t, StackKind.USER_PERF, 7, c, 127), 4));
        assertEquals(StackTable.EMPTY, take(t, StackKind.USER, 7, chain(KERNEL, 0xffffffff81000010L), 127), "no user part");
        assertEquals("", t.text(StackTable.EMPTY, 4));
        assertEquals("0x999", t.text(t.symbol(StackKind.USER_SYMBOL, 7, 0x999), 8));
    }

    @Test
    void userStacksWalkedFromTheSamplesUserStateAreWalkedOncePerEventAndInternedAsChainsAre() {
        StackTable t = new StackTable(CodeSymbols.NONE);
        t.reserve();
        ByteBuffer c = chain(KERNEL, 0xffffffff81000010L, USER, 0x401000, 0x402000);
        int[] walks = {0};
        EventContext ctx = new EventContext();
        ctx.record = c;
        ctx.callchainOffset = 8;
        ctx.callchainLength = 5;
        ctx.pid = 7;
        ctx.userState = true;
        ctx.userRegsCount = 17;
        ctx.walker = (event, pcs) -> {
            walks[0]++;
            pcs[0] = 0x401000;
            pcs[1] = 0x402000;
            pcs[2] = 0x403000;
            return 3;
        };
        ctx.newEvent();
        int walked = t.stack(StackKind.USER, ctx, 127);
        assertEquals(walked, t.stack(StackKind.USER, ctx, 127));
        assertEquals(1, walks[0], "one walk per event, however many stacks its action takes");
        assertEquals("\n    0x401000\n    0x402000\n    0x403000\n", t.text(walked, 4));
        assertEquals(take(t, StackKind.USER, 7, c, 127), t.stack(StackKind.USER, ctx, 2),
                "the walk's first two frames are the chain's user part: one stack, whichever way it was found");
        assertEquals(take(t, StackKind.KERNEL, 7, c, 127), t.stack(StackKind.KERNEL, ctx, 127), "kernel stacks are the chain's");
        ctx.newEvent();
        t.stack(StackKind.USER_PERF, ctx, 127);
        assertEquals(2, walks[0], "a new event is walked again");
        ctx.newEvent();
        ctx.userRegsCount = 0;
        assertEquals(StackTable.EMPTY, t.stack(StackKind.USER, ctx, 127), "a kernel thread's sample has no user registers");
        assertEquals(2, walks[0]);
        ctx.newEvent();
        ctx.userState = false;
        assertEquals(take(t, StackKind.USER, 7, c, 127), t.stack(StackKind.USER, ctx, 127),
                "without the user state, the user stack is the chain's");
    }

    @Test
    void aFullTableSaysSoAndCountsWhatItCouldNotHold() {
        StackTable t = new StackTable(CodeSymbols.NONE, 4, 100);
        t.reserve();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(t.symbol(StackKind.KERNEL_SYMBOL, 0, 0xffffffff81000000L + i));
        }
        assertEquals(List.of(2, 3, StackTable.FULL, StackTable.FULL, StackTable.FULL), ids);
        assertEquals(3, t.overflowed());
        assertEquals(2, t.symbol(StackKind.KERNEL_SYMBOL, 0, 0xffffffff81000000L), "held entries are still found");
        assertEquals("\n    [stack table full]\n", t.text(StackTable.FULL, 4));
        StackTable frames = new StackTable(CodeSymbols.NONE, 100, 3);
        frames.reserve();
        assertEquals(StackTable.FULL, take(frames, StackKind.KERNEL, 1, chain(KERNEL, 1, 2, 3, 4), 127),
                "a stack over the frames left");
        assertEquals(1, frames.overflowed());
    }

    @Test
    void threadsTakingTheSameStacksAgreeOnTheirIds() throws InterruptedException {
        StackTable t = new StackTable(CodeSymbols.NONE);
        t.reserve();
        ConcurrentMap<Long, Integer> seen = new ConcurrentHashMap<>();
        List<String> disagreements = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Thread thread = new Thread(() -> {
                for (int round = 0; round < 20; round++) {
                    for (long s = 0; s < 500; s++) {
                        int id = take(t, StackKind.KERNEL, 1, chain(KERNEL, 0xffffffff81000000L + s, 0xffffffff82000000L), 127);
                        Integer before = seen.putIfAbsent(s, id);
                        if (before != null && before != id) {
                            synchronized (disagreements) {
                                disagreements.add("stack " + s + ": " + before + " and " + id);
                            }
                        }
                    }
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertEquals(List.of(), disagreements);
        assertEquals(502, t.size(), "500 stacks, the empty one and the full one");
    }

    @Test
    void namesComeFromTheSymbolsAndTheirControlCharactersAreShownAsQuestionMarks() {
        CodeSymbols symbols = new CodeSymbols() {
            @Override
            public Named kernel(long address) {
                return address == 0xffffffff81000010L ? new Named("vfs_read", 16, null) : null;
            }

            @Override
            public Named user(int pid, long address) {
                return address == 0x401000 ? new Named("evil\u001b[2J", 0, "/tmp/a\nb") : null;
            }
        };
        StackTable t = new StackTable(symbols);
        t.reserve();
        ByteBuffer c = chain(KERNEL, 0xffffffff81000010L, USER, 0x401000);
        assertEquals("\n    vfs_read+16\n", t.text(take(t, StackKind.KERNEL, 1, c, 127), 4));
        assertEquals("\n\t401000 evil?[2J+0 (/tmp/a?b)\n", t.text(take(t, StackKind.USER_PERF, 1, c, 127), 4));
        assertEquals("vfs_read", t.text(t.symbol(StackKind.KERNEL_SYMBOL, 0, 0xffffffff81000010L), 8));
    }
}
