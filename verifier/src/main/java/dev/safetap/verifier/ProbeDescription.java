package dev.safetap.verifier;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;

/**
 * What a probe attaches to, written from its kind, attach point and period, never from the name it carries:
 * a name is only what the {@code probe} builtin prints, and a program could call any probe anything. Periods
 * of timed probes are written in the largest unit that divides them ({@code interval:s:2}), as a frequency
 * when they are a whole fraction of a second ({@code interval:hz:3}), else in nanoseconds.
 */
final class ProbeDescription {
    private static final long SECOND = 1_000_000_000L;

    private ProbeDescription() {
    }

    static String of(ProbeDecl p) {
        AttachPoint a = p.attach();
        String offset = a.offset() == 0 ? "" : "+" + a.offset();
        return switch (p.kind()) {
            case BEGIN, END -> p.kind().name();
            case TRACEPOINT -> "tracepoint:" + a.target() + ":" + a.function();
            case INTERVAL -> "interval:" + period(p.period());
            case PROFILE -> "profile:" + period(p.period());
            case SOFTWARE -> "software:" + a.target() + ":" + p.period();
            case HARDWARE -> "hardware:" + a.target() + ":" + p.period();
            case UPROBE -> "uprobe:" + a.target() + ":" + a.function() + offset;
            case URETPROBE -> "uretprobe:" + a.target() + ":" + a.function();
            case KPROBE -> "kprobe:" + module(a) + a.function() + offset;
            case KRETPROBE -> "kretprobe:" + module(a) + a.function();
            case USDT -> "usdt:" + a.target() + ":" + a.function();
        };
    }

    /** True when the name the probe carries says what it does: it is the description, or the same period in other units. */
    static boolean nameAgrees(ProbeDecl p) {
        String described = of(p);
        if (p.name().equals(described)) {
            return true;
        }
        String prefix = p.kind().name().toLowerCase() + ":";
        boolean timed = p.kind() == ProbeKind.INTERVAL || p.kind() == ProbeKind.PROFILE;
        return timed && p.name().startsWith(prefix) && nanos(p.name().substring(prefix.length())) == p.period();
    }

    private static String module(AttachPoint a) {
        return a.target().isEmpty() ? "" : a.target() + ":";
    }

    private static String period(long nanos) {
        if (nanos % SECOND == 0) {
            return "s:" + nanos / SECOND;
        }
        if (nanos % 1_000_000 == 0) {
            return "ms:" + nanos / 1_000_000;
        }
        if (nanos % 1_000 == 0) {
            return "us:" + nanos / 1_000;
        }
        long hz = SECOND / nanos;
        return hz > 0 && SECOND / hz == nanos ? "hz:" + hz : "ns:" + nanos;
    }

    /** The period a name's {@code UNIT:N} stands for, as the compiler computes it; -1 when it is not one. */
    private static long nanos(String unitAndCount) {
        int colon = unitAndCount.indexOf(':');
        if (colon < 0) {
            return -1;
        }
        long n;
        try {
            n = Long.parseLong(unitAndCount.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
        if (n <= 0) {
            return -1;
        }
        return switch (unitAndCount.substring(0, colon)) {
            case "s" -> n <= Long.MAX_VALUE / SECOND ? n * SECOND : -1;
            case "ms" -> n <= Long.MAX_VALUE / 1_000_000 ? n * 1_000_000 : -1;
            case "us" -> n <= Long.MAX_VALUE / 1_000 ? n * 1_000 : -1;
            case "hz" -> SECOND / n;
            default -> -1;
        };
    }
}
