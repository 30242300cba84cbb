package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressSpaceTest {
    private static Mapping file(long start, long end, long offset, String path) {
        return new Mapping(start, end, "r-xp", offset, 8, 1, path.hashCode() & 0xffff, path, false);
    }

    @Test
    void anAddressFindsTheMappingHoldingIt() {
        AddressSpace space = AddressSpace.of(List.of(file(0x1000, 0x3000, 0, "/a"), file(0x5000, 0x6000, 0x2000, "/b")));
        assertEquals(Optional.of("/a"), space.find(0x1000).map(Mapping::path));
        assertEquals(Optional.of("/a"), space.find(0x2fff).map(Mapping::path));
        assertEquals(Optional.empty(), space.find(0x3000));
        assertEquals(Optional.empty(), space.find(0xfff));
        assertEquals(Optional.of("/b"), space.find(0x5800).map(Mapping::path));
        assertEquals(Optional.empty(), space.find(0x6000));
    }

    @Test
    void theLookupThatAllocatesNothingSeesEveryMappingAddedSinceTheLast() {
        AddressSpace space = AddressSpace.of(List.of(file(0x1000, 0x3000, 0, "/a")));
        assertEquals("/a", space.mappingAt(0x2000).path());
        assertNull(space.mappingAt(0x5800));
        space.add(file(0x5000, 0x6000, 0x2000, "/b"));
        assertEquals("/b", space.mappingAt(0x5800).path());
        space.add(file(0x1000, 0x2000, 0, "/c"));
        assertEquals("/c", space.mappingAt(0x1800).path());
        assertEquals("/a", space.mappingAt(0x2800).path());
        assertNull(space.mappingAt(0xfff));
        assertNull(space.mappingAt(0x6000));
        assertNull(new AddressSpace().mappingAt(0x1000));
    }

    @Test
    void aLaterMappingReplacesWhatItCovers() {
        AddressSpace space = AddressSpace.of(List.of(file(0x1000, 0x2000, 0, "/a"), file(0x2000, 0x3000, 0x1000, "/a"),
                file(0x1000, 0x3000, 0, "/new")));
        assertEquals(List.of(file(0x1000, 0x3000, 0, "/new")), space.mappings());
    }

    @Test
    void aPartlyOverlappedMappingKeepsItsOtherPartsWithTheirOffsets() {
        AddressSpace space = new AddressSpace();
        space.add(file(0x10000, 0x20000, 0x4000, "/lib"));
        space.add(file(0x14000, 0x16000, 0, "/jit"));
        assertEquals(List.of(file(0x10000, 0x14000, 0x4000, "/lib"), file(0x14000, 0x16000, 0, "/jit"),
                file(0x16000, 0x20000, 0xa000, "/lib")), space.mappings());
        space.add(file(0x0f000, 0x11000, 0, "/left"));
        space.add(file(0x1f000, 0x30000, 0, "/right"));
        assertEquals(List.of(file(0x0f000, 0x11000, 0, "/left"), file(0x11000, 0x14000, 0x5000, "/lib"),
                file(0x14000, 0x16000, 0, "/jit"), file(0x16000, 0x1f000, 0xa000, "/lib"), file(0x1f000, 0x30000, 0, "/right")),
                space.mappings());
        assertEquals(Optional.of(0x5000L + 0x123), space.find(0x11123).map(m -> m.fileOffset(0x11123)));
    }

    @Test
    void aMappingBeyondTheCapacityIsRefusedAndCounted() {
        AddressSpace space = new AddressSpace();
        for (long i = 0; i < AddressSpace.MAX_MAPPINGS + 10L; i++) {
            space.add(file(0x1000 * (2 * i + 1), 0x1000 * (2 * i + 2), 0, "/x"));
        }
        assertEquals(AddressSpace.MAX_MAPPINGS - 1, space.mappings().size());
        assertEquals(11, space.refused());
    }

    @Test
    void highAddressesCompareUnsigned() {
        AddressSpace space = AddressSpace.of(List.of(file(0x1000, 0x2000, 0, "/low"),
                file(0xffffffffff600000L, 0xffffffffff601000L, 0, "[vsyscall]")));
        assertEquals(Optional.of("[vsyscall]"), space.find(0xffffffffff600400L).map(Mapping::path));
        assertEquals(Optional.of("/low"), space.find(0x1800).map(Mapping::path));
    }
}
