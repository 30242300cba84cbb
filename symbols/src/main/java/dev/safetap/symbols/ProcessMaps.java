package dev.safetap.symbols;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The mappings /proc/PID/maps lists, read at most {@link #MAX_MAPPINGS} lines; lines that are not mappings are
 * skipped, and a file that cannot be read (the process exited, no permission) gives none.
 */
public final class ProcessMaps {
    /** The most lines read (four times the default vm.max_map_count). */
    public static final int MAX_MAPPINGS = 1 << 18;

    private ProcessMaps() {
    }

    /** The mappings of process {@code pid} now. */
    public static List<Mapping> read(int pid) {
        return read(Path.of("/proc", Integer.toString(pid), "maps"));
    }

    /** The mappings listed in {@code maps}, a file in the format of /proc/PID/maps. */
    public static List<Mapping> read(Path maps) {
        List<Mapping> mappings = new ArrayList<>();
        BoundedLines.read(maps, MAX_MAPPINGS, (bytes, from, to) ->
                Mapping.parse(new String(bytes, from, to - from, StandardCharsets.UTF_8)).ifPresent(mappings::add));
        return mappings;
    }
}
