package dev.safetap.vm;

import dev.safetap.bytecode.Opcode;
import java.util.List;

/**
 * What went wrong at run time without stopping the trace: updates dropped per map (indexed by map
 * id), divisions and modulos by zero per instruction, and records dropped as too short per probe
 * (indexed by probe).
 */
public record RuntimeCounters(List<Long> droppedUpdates, List<ZeroDivision> divisionsByZero, List<Long> malformedRecords) {
    public RuntimeCounters {
        droppedUpdates = List.copyOf(droppedUpdates);
        divisionsByZero = List.copyOf(divisionsByZero);
        malformedRecords = List.copyOf(malformedRecords);
    }

    /** A DIV or MOD at {@code pc} of {@code action} whose divisor was zero {@code count} times. */
    public record ZeroDivision(int action, int pc, Opcode opcode, long count) {
    }

    public long totalMalformedRecords() {
        return malformedRecords.stream().mapToLong(Long::longValue).sum();
    }

    public boolean isClean() {
        return droppedUpdates.stream().allMatch(n -> n == 0) && divisionsByZero.isEmpty() && totalMalformedRecords() == 0;
    }
}
