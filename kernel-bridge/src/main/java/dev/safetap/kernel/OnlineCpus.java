package dev.safetap.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The CPUs perf events are opened on: /sys/devices/system/cpu/online, e.g. "0-3,6". */
final class OnlineCpus {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private OnlineCpus() {
    }

    static int[] list() {
        String text;
        try {
            text = Files.readString(ONLINE).strip();
        } catch (IOException e) {
            throw new KernelException("cannot read " + ONLINE + " to find the online CPUs (" + FileProblem.reason(e) + ")"
                    + FileProblem.fix(e, "is sysfs mounted?", "run safetap as root"), e);
        }
        return parse(text);
    }

    static int[] parse(String text) {
        List<Integer> cpus = new ArrayList<>();
        for (String range : text.split(",")) {
            String[] bounds = range.strip().split("-");
            int first = Integer.parseInt(bounds[0]);
            int last = bounds.length > 1 ? Integer.parseInt(bounds[1]) : first;
            for (int cpu = first; cpu <= last; cpu++) {
                cpus.add(cpu);
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }
}
