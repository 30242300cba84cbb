package dev.safetap.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What each sample of a {@link TraceRequest} carries beyond what every sample has (stream, cpu, pid, tid,
 * time): {@link SampleField#requestable() requestable} fields, with the user registers to sample when they
 * include REGS_USER and how much user stack to copy when they include STACK_USER.
 *
 * @param fields           requestable fields only
 * @param userRegisterMask sample_regs_user: bit i samples register i of the architecture's
 *                         {@code asm/perf_regs.h} (x86-64: AX 0, BX 1, CX 2, DX 3, SI 4, DI 5, BP 6, SP 7, IP 8,
 *                         FLAGS 9, CS 10, SS 11, R8 16 ... R15 23); not 0 exactly when fields has REGS_USER
 * @param userStackBytes   sample_stack_user: bytes of user stack to copy from the stack pointer, a multiple of 8
 *                         up to {@value #MAX_USER_STACK}; not 0 exactly when fields has STACK_USER
 */
public record SampleContent(Set<SampleField> fields, long userRegisterMask, int userStackBytes) {
    /** The largest user stack a sample can carry (the kernel refuses 65535 and more, and wants 8-byte units). */
    public static final int MAX_USER_STACK = 65528;

    /** The sample_type bits of every event the bridge opens. */
    static final long ALWAYS = SampleField.IDENTIFIER.bit() | SampleField.TID.bit() | SampleField.TIME.bit()
            | SampleField.CPU.bit();

    /** A tracepoint's record, nothing else. */
    public static final SampleContent RAW = of(SampleField.RAW);

    public SampleContent {
        EnumSet<SampleField> copy = EnumSet.noneOf(SampleField.class);
        copy.addAll(fields);
        List<String> refused = new ArrayList<>();
        for (SampleField field : copy) {
            if (!field.requestable()) {
                refused.add(field.name());
            }
        }
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("a trace request cannot ask for sample field " + String.join(", ", refused)
                    + ": it may ask for IP, CALLCHAIN, PERIOD, RAW, REGS_USER and STACK_USER (IDENTIFIER, TID, TIME and "
                    + "CPU are in every sample)");
        }
        if (copy.contains(SampleField.REGS_USER) != (userRegisterMask != 0)) {
            throw new IllegalArgumentException("REGS_USER and a register mask go together (mask 0x"
                    + Long.toHexString(userRegisterMask) + "): use withUserRegisters");
        }
        if (copy.contains(SampleField.STACK_USER) != (userStackBytes != 0)) {
            throw new IllegalArgumentException("STACK_USER and a user stack size go together (size " + userStackBytes
                    + "): use withUserStack");
        }
        if (userStackBytes < 0 || userStackBytes > MAX_USER_STACK || userStackBytes % 8 != 0) {
            throw new IllegalArgumentException("a sampled user stack is a multiple of 8 bytes up to " + MAX_USER_STACK
                    + ", not " + userStackBytes);
        }
        fields = Collections.unmodifiableSet(copy);
    }

    /** Samples with {@code fields}, which need no parameter (not REGS_USER or STACK_USER). */
    public static SampleContent of(SampleField... fields) {
        return new SampleContent(Set.copyOf(List.of(fields)), 0, 0);
    }

    /** These fields and the user registers of {@code mask} (see {@link #userRegisterMask()}). */
    public SampleContent withUserRegisters(long mask) {
        return new SampleContent(plus(SampleField.REGS_USER), mask, userStackBytes);
    }

    /** These fields and {@code bytes} of user stack from the stack pointer. */
    public SampleContent withUserStack(int bytes) {
        return new SampleContent(plus(SampleField.STACK_USER), userRegisterMask, bytes);
    }

    /** The perf sample_type of an event sampling this: the requested bits and those of every sample. */
    long sampleType() {
        long bits = ALWAYS;
        for (SampleField field : fields) {
            bits |= field.bit();
        }
        return bits;
    }

    private Set<SampleField> plus(SampleField field) {
        EnumSet<SampleField> more = EnumSet.of(field);
        more.addAll(fields);
        return more;
    }
}
