package dev.safetap.compiler;

import java.util.List;

/** The record format of one tracepoint; {@code name} is {@code category:event}. */
public record TracepointSchema(String name, List<SchemaField> fields) {
    public TracepointSchema {
        fields = List.copyOf(fields);
    }
}
