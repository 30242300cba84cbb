package dev.safetap.bytecode;

import java.util.List;

/** The record format of one probe that has a record: a tracepoint's {@code category:event} and its fields. */
public record RecordFormat(String name, List<RecordField> fields) {
    public RecordFormat {
        fields = List.copyOf(fields);
    }
}
