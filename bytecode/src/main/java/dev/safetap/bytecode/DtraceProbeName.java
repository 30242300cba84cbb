package dev.safetap.bytecode;

/**
 * A probe as DTrace names it, in four parts {@code provider:module:function:name}, for the builtins
 * {@code probeprov}, {@code probemod}, {@code probefunc} and {@code probename}. Derived from the probe's kind and attach
 * point, never from the name it carries (which a program could set to anything):
 *
 * <ul>
 * <li>a system call tracepoint ({@code syscalls:sys_enter_read}, {@code sys_exit_read}) is DTrace's
 * {@code syscall::read:entry} and {@code syscall::read:return};</li>
 * <li>another tracepoint {@code CATEGORY:EVENT} is {@code tracepoint:CATEGORY::EVENT};</li>
 * <li>{@code profile} and {@code interval} probes are the profile provider's {@code profile-997} (in hertz where the
 * period is a second divided by a whole number, as {@code profile-10ms} is {@code profile-100}; else with a unit),
 * and {@code tick-1s}, {@code tick-10ms};</li>
 * <li>{@code BEGIN} and {@code END} are {@code dtrace:::BEGIN} and {@code dtrace:::END};</li>
 * <li>software and hardware events are {@code software:::EVENT}, {@code hardware:::EVENT}; probes of a function
 * (uprobe, kprobe and their returns, USDT) name the binary or module, the function, and {@code entry} or
 * {@code return}.</li>
 * </ul>
 *
 * @param provider probeprov
 * @param module   probemod
 * @param function probefunc
 * @param name     probename
 */
public record DtraceProbeName(String provider, String module, String function, String name) {
    private static final long SECOND = 1_000_000_000L;

    /** The four parts of {@code probe}. */
    public static DtraceProbeName of(ProbeDecl probe) {
        AttachPoint a = probe.attach();
        return switch (probe.kind()) {
            case BEGIN -> new DtraceProbeName("dtrace", "", "", "BEGIN");
            case END -> new DtraceProbeName("dtrace", "", "", "END");
            case TRACEPOINT -> tracepoint(a.target(), a.function());
            case PROFILE -> new DtraceProbeName("profile", "", "", "profile-" + period(probe.period(), true));
            case INTERVAL -> new DtraceProbeName("profile", "", "", "tick-" + period(probe.period(), false));
            case SOFTWARE -> new DtraceProbeName("software", "", "", a.target());
            case HARDWARE -> new DtraceProbeName("hardware", "", "", a.target());
            case UPROBE, KPROBE -> new DtraceProbeName(probe.kind().name().toLowerCase(java.util.Locale.ROOT), a.target(),
                    a.function(), "entry");
            case URETPROBE, KRETPROBE -> new DtraceProbeName(probe.kind() == ProbeKind.URETPROBE ? "uprobe" : "kprobe",
                    a.target(), a.function(), "return");
            case USDT -> new DtraceProbeName("usdt", a.target(), "", a.function());
        };
    }

    /** The part a DTrace probe builtin reads; null for other builtins. */
    public String part(Builtin builtin) {
        return switch (builtin) {
            case PROBEPROV -> provider;
            case PROBEMOD -> module;
            case PROBEFUNC -> function;
            case PROBENAME -> name;
            default -> null;
        };
    }

    private static DtraceProbeName tracepoint(String category, String event) {
        if (category.equals("syscalls") && event.startsWith("sys_enter_")) {
            return new DtraceProbeName("syscall", "", event.substring("sys_enter_".length()), "entry");
        }
        if (category.equals("syscalls") && event.startsWith("sys_exit_")) {
            return new DtraceProbeName("syscall", "", event.substring("sys_exit_".length()), "return");
        }
        return new DtraceProbeName("tracepoint", category, "", event);
    }

    /** A period as DTrace writes it in a profile or tick probe's name: hertz when whole (profiles only), else a unit. */
    private static String period(long nanos, boolean hertz) {
        if (hertz && nanos > 0 && nanos <= SECOND && SECOND / (SECOND / nanos) == nanos) {
            return Long.toString(SECOND / nanos);
        }
        if (nanos % SECOND == 0) {
            return nanos / SECOND + "s";
        }
        if (nanos % 1_000_000 == 0) {
            return nanos / 1_000_000 + "ms";
        }
        if (nanos % 1_000 == 0) {
            return nanos / 1_000 + "us";
        }
        return nanos + "ns";
    }
}
