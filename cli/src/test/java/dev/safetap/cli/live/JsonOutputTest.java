package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.trace;
import static dev.safetap.cli.live.LiveTracer.workloadCommand;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.cli.live.LiveTracer.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code -f json} on the live kernel: every line of stdout is one JSON object (apart from the two empty
 * lines bpftrace prints before the maps at exit), with the exact numbers of a known workload.
 */
class JsonOutputTest {
    private static final int READS = 500;
    private static final int SIZE = 4096;

    @Test
    void aRealRunPrintsOneJsonObjectPerLineWithTheExactCounts() throws Exception {
        Result r = trace("-f", "json", "-c", workloadCommand("read", "stwl_json", "" + READS, "" + SIZE), "-e", """
                tracepoint:syscalls:sys_enter_read /comm == "stwl_json"/ {
                    printf("%s \\"read\\"\\t%d\\n", comm, args.count);
                    @calls = count();
                    @bytes[comm] = sum(args.count);
                    @size = hist(args.count);
                }
                END { printf("done"); }
                """).assertOk();
        List<Map<?, ?>> objects = new ArrayList<>();
        List<String> lines = List.of(r.out().split("\n", -1));
        assertEquals("", lines.get(lines.size() - 1), "stdout ends with a newline");
        int empty = 0;
        for (String line : lines.subList(0, lines.size() - 1)) {
            if (line.isEmpty()) {
                empty++;
            } else {
                objects.add((Map<?, ?>) JsonLine.parse(line));
            }
        }
        assertEquals(2, empty, r.out());
        assertEquals(Map.of("type", "attached_probes", "data", Map.of("probes", 2L)), objects.get(0));
        long reads = objects.stream().filter(o -> o.equals(Map.of("type", "printf", "data", "stwl_json \"read\"\t" + SIZE + "\n"))).count();
        assertEquals(READS, reads, r.out());
        assertEquals(Map.of("type", "printf", "data", "done"), objects.get(1 + READS));
        List<Map<?, ?>> maps = objects.subList(2 + READS, objects.size());
        assertEquals(List.of(
                Map.of("type", "map", "data", Map.of("@bytes", Map.of("stwl_json", (long) READS * SIZE))),
                Map.of("type", "map", "data", Map.of("@calls", (long) READS)),
                Map.of("type", "hist", "data", Map.of("@size", List.of(Map.of("min", 4096L, "max", 8191L, "count", (long) READS))))),
                maps, r.out());
        assertEquals(2 + READS + maps.size(), objects.size(), "nothing else on stdout: " + r.out());
    }
}
