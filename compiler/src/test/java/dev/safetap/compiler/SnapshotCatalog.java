package dev.safetap.compiler;

import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.List;
import java.util.Optional;

/** The compiler's probe catalog over kernel-bridge's snapshot of real 6.18 tracepoint formats. */
final class SnapshotCatalog implements ProbeCatalog {
    static final SnapshotCatalog INSTANCE = new SnapshotCatalog(TracepointCatalog.snapshot());

    private final TracepointCatalog catalog;

    SnapshotCatalog(TracepointCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public List<String> tracepoints() {
        return catalog.tracepoints();
    }

    @Override
    public Optional<TracepointSchema> schema(String tracepoint) {
        return catalog.format(tracepoint).map(SnapshotCatalog::schemaOf);
    }

    private static TracepointSchema schemaOf(TracepointFormat f) {
        return new TracepointSchema(f.category() + ":" + f.event(), f.fields().stream().map(SnapshotCatalog::fieldOf).toList());
    }

    private static SchemaField fieldOf(FormatField f) {
        return new SchemaField(f.type(), f.name(), f.offset(), f.size(), f.signed(), f.common(), f.arrayLength(), f.dataLoc());
    }
}
