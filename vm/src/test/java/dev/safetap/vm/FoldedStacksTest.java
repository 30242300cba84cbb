package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.StackKind;
import dev.safetap.bytecode.ValueType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FoldedStacksTest {
    private static final CodeSymbols SYMBOLS = new CodeSymbols() {
        @Override
        public Named kernel(long address) {
            return address == 0xffffffff81000010L ? new Named("do_syscall_64", 5, null)
                    : address == 0xffffffff81000020L ? new Named("entry;SYSCALL", 1, null) : null;
        }

        @Override
        public Named user(int pid, long address) {
            return address == 0x401000 ? new Named("leaf", 3, "/bin/app") : address == 0x402000 ? new Named("main", 9, "/bin/app") : null;
        }
    };

    private static int stack(StackTable t, StackKind kind, long... chain) {
        ByteBuffer b = ByteBuffer.allocate(8 * chain.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < chain.length; i++) {
            b.putLong(8 * i, chain[i]);
        }
        return t.stack(kind, 7, b, 0, chain.length, 127);
    }

    @Test
    void theFramesGoFromTheRootNamesFirstThenUserThenKernelEachOutermostFirst() {
        StackTable t = new StackTable(SYMBOLS);
        t.reserve();
        MapStore m = new MapStore(MapDecl.of("@", List.of(ValueType.STACK, ValueType.STR, ValueType.STACK, ValueType.INT),
                MapKind.COUNT, ValueType.INT, 16), t);
        int k = stack(t, StackKind.KERNEL, -128, 0xffffffff81000010L, 0xffffffff81000020L);
        int u = stack(t, StackKind.USER_PERF, -512, 0x401000, 0x402000, 0x7f00);
        byte[] comm = "bash".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 3; i++) {
            m.keyInt(0, k);
            m.keyString(1, comm, comm.length);
            m.keyInt(2, u);
            m.keyInt(3, 42);
            m.fold(m.findOrInsert(), 1);
        }
        m.keyInt(0, StackTable.EMPTY);
        m.keyString(1, comm, comm.length);
        m.keyInt(2, StackTable.EMPTY);
        m.keyInt(3, 0);
        m.fold(m.findOrInsert(), 1);
        assertEquals("bash;0 1\nbash;42;0x7f00;main;leaf;entry:SYSCALL;do_syscall_64 3\n", FoldedStacks.render(m));
    }

    @Test
    void countsSumsAndIntegersFoldOtherKindsDoNot() {
        assertTrue(FoldedStacks.foldable(MapDecl.of("@c", List.of(ValueType.STACK), MapKind.COUNT, ValueType.INT, 1)));
        assertTrue(FoldedStacks.foldable(MapDecl.of("@s", List.of(ValueType.STACK), MapKind.SUM, ValueType.INT, 1)));
        assertTrue(FoldedStacks.foldable(MapDecl.of("@i", List.of(ValueType.STACK), MapKind.SCALAR, ValueType.INT, 1)));
        assertFalse(FoldedStacks.foldable(MapDecl.of("@h", List.of(ValueType.STACK), MapKind.HIST, ValueType.INT, 1)));
        assertFalse(FoldedStacks.foldable(MapDecl.of("@v", List.of(ValueType.INT), MapKind.SCALAR, ValueType.STACK, 1)));
        assertTrue(FoldedStacks.hasStacks(MapDecl.of("@c", List.of(ValueType.INT, ValueType.STACK), MapKind.COUNT, ValueType.INT, 1)));
        assertFalse(FoldedStacks.hasStacks(MapDecl.of("@c", List.of(ValueType.INT), MapKind.COUNT, ValueType.INT, 1)));
    }
}
