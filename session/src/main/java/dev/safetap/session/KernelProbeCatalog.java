package dev.safetap.session;

import dev.safetap.bytecode.ProbeCatalog;
import dev.safetap.bytecode.RecordField;
import dev.safetap.bytecode.RecordFormat;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.KernelException;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import dev.safetap.symbols.DebugFileDirectory;
import dev.safetap.symbols.ProbedBinary;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The probes of a kernel as the language modules see them: kernel-bridge's tracepoint catalog (live
 * from tracefs, or the snapshot of real formats shipped with safetap) turned into record formats, and the binaries
 * of this machine that uprobes attach to, with their functions ({@link ProbedBinary}).
 */
public final class KernelProbeCatalog implements ProbeCatalog {
    private final TracepointCatalog tracepoints;
    /** The binaries uprobes named, read once each. */
    private final Map<String, Optional<ProbedBinary>> binaries = new HashMap<>();

    private KernelProbeCatalog(TracepointCatalog tracepoints) {
        this.tracepoints = tracepoints;
    }

    public static KernelProbeCatalog of(TracepointCatalog tracepoints) {
        return new KernelProbeCatalog(tracepoints);
    }

    /** The running kernel's probes, from tracefs; an {@link AttachException} when tracefs cannot be read. */
    public static KernelProbeCatalog live() {
        try {
            return new KernelProbeCatalog(TracepointCatalog.live());
        } catch (KernelException e) {
            throw AttachException.attach(e);
        }
    }

    /** The fixed snapshot of real 6.18 tracepoint formats, for tests that must not depend on the machine. */
    public static KernelProbeCatalog snapshot() {
        return new KernelProbeCatalog(TracepointCatalog.snapshot());
    }

    /** The live catalog when tracefs can be reached, else the snapshot: enough to compile and verify anywhere. */
    public static KernelProbeCatalog forCompiling() {
        try {
            return live();
        } catch (AttachException e) {
            return snapshot();
        }
    }

    /** The kernel-bridge catalog underneath: what attaching needs (tracepoint ids). */
    public TracepointCatalog tracepointCatalog() {
        return tracepoints;
    }

    @Override
    public List<String> tracepoints() {
        return tracepoints.tracepoints();
    }

    @Override
    public Optional<RecordFormat> tracepointFormat(String tracepoint) {
        return tracepoints.format(tracepoint).map(KernelProbeCatalog::formatOf);
    }

    @Override
    public Optional<String> binary(String name) {
        return ProbedBinary.locate(name).map(Path::toString);
    }

    @Override
    public List<String> functions(String path) {
        return probed(path).map(b -> List.copyOf(b.functions().keySet())).orElse(List.of());
    }

    /** The file offset of {@code function} in the binary at {@code path}, where its uprobe goes; empty when it has none. */
    public OptionalLong uprobeOffset(String path, String function) {
        Long offset = probed(path).map(b -> b.functions().get(function)).orElse(null);
        return offset == null ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    private synchronized Optional<ProbedBinary> probed(String path) {
        return binaries.computeIfAbsent(path, p -> ProbedBinary.read(Path.of(p), DebugFileDirectory.system()));
    }

    static RecordFormat formatOf(TracepointFormat format) {
        return new RecordFormat(format.name(), format.fields().stream().map(KernelProbeCatalog::fieldOf).toList());
    }

    private static RecordField fieldOf(FormatField f) {
        return new RecordField(f.type(), f.name(), f.offset(), f.size(), f.signed(), f.common(), f.arrayLength(), f.dataLoc());
    }
}
