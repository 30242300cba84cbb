package dev.safetap.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Finds the tracefs mount (from /proc/mounts), mounting it at /sys/kernel/tracing when it is absent
 * and we are root.
 */
final class Tracefs {
    static final Path DEFAULT_MOUNT = Path.of("/sys/kernel/tracing");
    private static final Path MOUNTS = Path.of("/proc/mounts");
    private static final String MOUNT_HINT = "mount it as root with `mount -t tracefs nodev /sys/kernel/tracing`";

    private Tracefs() {
    }

    /** The directory holding {@code events/}; mounts tracefs if needed and allowed. */
    static Path locate() {
        Path mounted = findMounted();
        if (mounted != null) {
            return mounted;
        }
        if (LibC.geteuid() != 0) {
            throw new KernelException("tracefs is not mounted and safetap is not root, so it cannot mount it: "
                    + MOUNT_HINT + ", or run safetap as root");
        }
        if (LibC.mount("nodev", DEFAULT_MOUNT.toString(), "tracefs", 0, null) != 0) {
            int errno = Errno.last();
            throw new KernelException("tracefs is not mounted and mounting it at " + DEFAULT_MOUNT + " failed ("
                    + Errno.describe(errno) + "); check that the kernel has CONFIG_TRACING, then " + MOUNT_HINT);
        }
        if (!Files.isDirectory(DEFAULT_MOUNT.resolve("events"))) {
            throw new KernelException("tracefs mounted at " + DEFAULT_MOUNT + " has no events/ directory; "
                    + "this kernel was built without tracepoint events (CONFIG_EVENT_TRACING)");
        }
        return DEFAULT_MOUNT;
    }

    private static Path findMounted() {
        List<String> lines;
        try {
            lines = Files.readAllLines(MOUNTS);
        } catch (IOException e) {
            throw new KernelException("cannot read " + MOUNTS + " to find tracefs (" + FileProblem.reason(e) + ")"
                    + FileProblem.fix(e, "is /proc mounted?", "run safetap as root"), e);
        }
        Path debugfs = null;
        for (String line : lines) {
            String[] parts = line.split(" ");
            if (parts.length < 3) {
                continue;
            }
            Path point = Path.of(unescape(parts[1]));
            if (parts[2].equals("tracefs")) {
                return point;
            }
            if (parts[2].equals("debugfs") && Files.exists(point.resolve("tracing"))) {
                debugfs = point.resolve("tracing");
            }
        }
        return debugfs;
    }

    /** /proc/mounts writes space, tab, newline and backslash as octal escapes. */
    private static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
