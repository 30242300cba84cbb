package dev.safetap.kernel;

import java.util.List;
import java.util.Optional;

/**
 * The parsed format of one tracepoint: its perf id and the layout of its raw record.
 */
public record TracepointFormat(String category, String event, int id, List<FormatField> fields) {

    public TracepointFormat {
        fields = List.copyOf(fields);
    }

    /** The name as written in scripts without the probe type: {@code "category:event"}. */
    public String name() {
        return category + ":" + event;
    }

    /** Size of the fixed part of the record: the largest {@code offset + size} over all fields. */
    public int fixedSize() {
        int max = 0;
        for (FormatField field : fields) {
            max = Math.max(max, field.offset() + field.size());
        }
        return max;
    }

    public Optional<FormatField> field(String fieldName) {
        for (FormatField field : fields) {
            if (field.name().equals(fieldName)) {
                return Optional.of(field);
            }
        }
        return Optional.empty();
    }
}
