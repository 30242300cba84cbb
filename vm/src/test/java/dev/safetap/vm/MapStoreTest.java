package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** MapStore against a java.util.HashMap model under random inserts, updates and deletes. */
class MapStoreTest {

    private static void key(MapStore store, long k, String s) {
        store.keyInt(0, k);
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        store.keyString(1, b, b.length);
    }

    @Test
    void behavesLikeABoundedHashMap() {
        for (long seed = 1; seed <= 20; seed++) {
            Random random = new Random(seed);
            int capacity = 1 + random.nextInt(300);
            MapStore store = new MapStore(MapDecl.of("@m", List.of(ValueType.INT, ValueType.STR), MapKind.SUM, ValueType.INT, capacity));
            Map<List<Object>, Long> model = new HashMap<>();
            long dropped = 0;
            for (int step = 0; step < 5_000; step++) {
                long k = random.nextInt(400) - 200;
                String s = "k" + random.nextInt(3);
                List<Object> modelKey = List.of(k, s);
                key(store, k, s);
                switch (random.nextInt(4)) {
                    case 0, 1 -> {
                        long v = random.nextInt(1000);
                        int e = store.findOrInsert();
                        if (model.containsKey(modelKey) || model.size() < capacity) {
                            store.fold(e, v);
                            model.merge(modelKey, v, Long::sum);
                        } else {
                            assertEquals(-1, e, "seed " + seed + ": a new key in a full map is dropped");
                            dropped++;
                        }
                    }
                    case 2 -> {
                        store.remove();
                        model.remove(modelKey);
                    }
                    default -> {
                        int e = store.find();
                        assertEquals(model.getOrDefault(modelKey, 0L), e < 0 ? 0L : store.readInt(e), "seed " + seed);
                    }
                }
                assertEquals(model.size(), store.size(), "seed " + seed);
            }
            Map<List<Object>, Object> actual = new HashMap<>();
            for (MapEntry e : store.entries()) {
                actual.put(e.key(), e.value());
            }
            assertEquals(model, actual, "seed " + seed);
            assertEquals(dropped, store.droppedUpdates(), "seed " + seed);
        }
    }

    @Test
    void clearEmptiesAndZeroKeepsKeys() {
        MapStore store = new MapStore(MapDecl.of("@m", List.of(ValueType.INT, ValueType.STR), MapKind.MIN, ValueType.INT, 10));
        key(store, 1, "a");
        store.fold(store.findOrInsert(), 5);
        key(store, 2, "b");
        store.fold(store.findOrInsert(), -5);
        store.zero();
        assertEquals(2, store.size());
        key(store, 1, "a");
        int e = store.find();
        assertEquals(0, store.readInt(e));
        store.fold(e, 9);
        assertEquals(9, store.readInt(e), "after zero() the next min() starts afresh");
        store.clear();
        assertEquals(0, store.size());
        assertEquals(-1, store.find());
    }

    /**
     * A map absorbing the parts of several workers ends equal to one map that took every update itself, for every
     * aggregation: same keys, same counters; the parts are left empty.
     */
    @Test
    void absorbingWorkerPartsEqualsTakingEveryUpdateInOnePlace() {
        for (MapKind kind : List.of(MapKind.COUNT, MapKind.SUM, MapKind.MIN, MapKind.MAX, MapKind.AVG, MapKind.STATS,
                MapKind.HIST, MapKind.LHIST)) {
            MapDecl decl = new MapDecl("@m", List.of(ValueType.INT, ValueType.STR), kind, ValueType.INT, 0, 100, 10, 100, false);
            MapStore whole = new MapStore(decl);
            MapStore merged = new MapStore(decl);
            MapStore[] parts = {new MapStore(decl), new MapStore(decl), new MapStore(decl)};
            Random random = new Random(kind.ordinal());
            for (int round = 0; round < 4; round++) {
                for (int step = 0; step < 2_000; step++) {
                    long k = random.nextInt(60);
                    long v = random.nextInt(2_000) - 500;
                    MapStore part = parts[random.nextInt(parts.length)];
                    for (MapStore m : List.of(whole, part)) {
                        key(m, k, "c" + k % 7);
                        int e = m.findOrInsert();
                        if (e >= 0) {
                            m.fold(e, v);
                        }
                    }
                }
                for (MapStore part : parts) {
                    merged.absorb(part);
                    assertEquals(0, part.size(), "a part is empty once absorbed");
                }
            }
            assertEquals(whole.size(), merged.size(), kind.name());
            for (int e = 0; e < whole.size(); e++) {
                key(merged, whole.keyIntAt(e, 0), whole.keyStringAt(e, 1));
                int m = merged.find();
                for (int c = 0; c < whole.width(); c++) {
                    assertEquals(whole.counter(e, c), merged.counter(m, c), kind + " counter " + c);
                }
            }
            assertEquals(0, merged.droppedUpdates());
        }
    }

    @Test
    void aKeyThatDoesNotFitWhenAbsorbedDropsEveryUpdateItHeld() {
        MapDecl decl = MapDecl.of("@m", List.of(ValueType.INT, ValueType.STR), MapKind.COUNT, ValueType.INT, 1);
        MapStore merged = new MapStore(decl);
        MapStore part = new MapStore(decl);
        key(merged, 0, "x");
        merged.fold(merged.findOrInsert(), 0);
        for (int n = 0; n < 5; n++) {
            key(part, 1, "x");
            part.fold(part.findOrInsert(), 0);
        }
        merged.absorb(part);
        assertEquals(1, merged.size());
        assertEquals(5, merged.droppedUpdates(), "the five counts of the key that did not fit");
    }
}
