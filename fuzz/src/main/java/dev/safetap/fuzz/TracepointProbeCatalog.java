package dev.safetap.fuzz;

import dev.safetap.compiler.ProbeCatalog;
import dev.safetap.compiler.SchemaField;
import dev.safetap.compiler.TracepointSchema;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.List;
import java.util.Optional;

/** The compiler's view of a kernel-bridge tracepoint catalog (live or snapshot). */
public final class TracepointProbeCatalog implements ProbeCatalog {
    private final TracepointCatalog catalog;

    public TracepointProbeCatalog(TracepointCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public List<String> tracepoints() {
        return catalog.tracepoints();
    }

    @Override
    public Optional<TracepointSchema> schema(String tracepoint) {
        return catalog.format(tracepoint).map(TracepointProbeCatalog::schemaOf);
    }

    private static TracepointSchema schemaOf(TracepointFormat format) {
        return new TracepointSchema(format.name(), format.fields().stream().map(TracepointProbeCatalog::fieldOf).toList());
    }

    private static SchemaField fieldOf(FormatField f) {
        return new SchemaField(f.type(), f.name(), f.offset(), f.size(), f.signed(), f.common(), f.arrayLength(), f.dataLoc());
    }
}
