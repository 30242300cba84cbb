package dev.safetap.vm;

import java.util.List;

/**
 * One map entry as plain values, for comparing the final state of two interpreters. Key components
 * are {@link Long} or {@link String}. The value is a {@link Long} for SCALAR INT, COUNT, SUM, MIN
 * and MAX maps, a {@link String} for SCALAR STR maps, and a list of counters otherwise: (count,
 * total) for AVG and STATS, one count per bucket for HIST and LHIST.
 */
public record MapEntry(List<Object> key, Object value) {
    public MapEntry {
        key = List.copyOf(key);
    }
}
