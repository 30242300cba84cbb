package dev.safetap.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tracepoints of a kernel: their names (listed cheaply) and formats (parsed on first use, then cached).
 * {@link #live()} reads tracefs; {@link #snapshot()} reads real format files kept as resources, for tests
 * that must not depend on the machine.
 */
public final class TracepointCatalog {
    private static final String SNAPSHOT = "/dev/safetap/kernel/snapshot/";

    private final Path events;
    private final List<String> names;
    private final Set<String> listed;
    private final Map<String, Optional<TracepointFormat>> formats = new ConcurrentHashMap<>();

    private TracepointCatalog(Path events, List<String> names) {
        this.events = events;
        this.names = List.copyOf(names);
        this.listed = Set.copyOf(names);
    }

    /** The running kernel's tracepoints, from tracefs (mounted here if absent and we are root). */
    public static TracepointCatalog live() {
        Path root = Tracefs.locate();
        Path events = root.resolve("events");
        List<String> names = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(root.resolve("available_events"))) {
                if (!line.isBlank()) {
                    names.add(line.strip());
                }
            }
        } catch (NoSuchFileException e) {
            names = listDirectories(events);
        } catch (IOException e) {
            throw new KernelException("cannot read " + root.resolve("available_events") + " (" + FileProblem.reason(e) + ")"
                    + tracefsFix(e), e);
        }
        names.sort(null);
        return new TracepointCatalog(events, names);
    }

    /** A fixed catalog of about sixty real format files (syscalls, sched, block, irq, ...) from a 6.18 kernel. */
    public static TracepointCatalog snapshot() {
        List<String> names = new ArrayList<>();
        for (String line : resource(SNAPSHOT + "index").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.strip());
            }
        }
        names.sort(null);
        return new TracepointCatalog(null, names);
    }

    /** Every tracepoint as {@code "category:event"}, sorted. */
    public List<String> tracepoints() {
        return names;
    }

    /**
     * The format of {@code "category:event"}, or empty if it is not one of {@link #tracepoints()} (events
     * perf cannot attach to, such as the ftrace-internal {@code ftrace:function}, are not listed).
     */
    public Optional<TracepointFormat> format(String name) {
        return formats.computeIfAbsent(name, this::load);
    }

    private Optional<TracepointFormat> load(String name) {
        int colon = name.indexOf(':');
        if (!listed.contains(name) || colon <= 0 || name.contains("/")) {
            return Optional.empty();
        }
        String category = name.substring(0, colon);
        String event = name.substring(colon + 1);
        String text;
        if (events == null) {
            text = resource(SNAPSHOT + category + "/" + event + "/format");
        } else {
            Path file = events.resolve(category).resolve(event).resolve("format");
            try {
                text = Files.readString(file);
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new KernelException("cannot read " + file + " (" + FileProblem.reason(e) + ")" + tracefsFix(e), e);
            }
        }
        return Optional.of(FormatParser.parse(category, event, text));
    }

    private static List<String> listDirectories(Path events) {
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> categories = Files.newDirectoryStream(events, Files::isDirectory)) {
            for (Path category : categories) {
                try (DirectoryStream<Path> tracepoints = Files.newDirectoryStream(category, Files::isDirectory)) {
                    for (Path tracepoint : tracepoints) {
                        names.add(category.getFileName() + ":" + tracepoint.getFileName());
                    }
                }
            }
        } catch (IOException e) {
            throw new KernelException("cannot list " + events + " (" + FileProblem.reason(e) + ")" + tracefsFix(e), e);
        }
        return names;
    }

    private static String tracefsFix(IOException e) {
        String fix = FileProblem.fix(e, "", "");
        return fix.isEmpty() ? "; run as root or make tracefs readable" : fix;
    }

    private static String resource(String path) {
        try (InputStream in = TracepointCatalog.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new KernelException("the format snapshot resource " + path
                        + " is missing from the kernel-bridge jar; rebuild kernel-bridge");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
