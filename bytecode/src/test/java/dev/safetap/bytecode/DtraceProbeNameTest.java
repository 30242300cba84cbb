package dev.safetap.bytecode;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DtraceProbeNameTest {
    private static String parts(ProbeDecl p) {
        DtraceProbeName n = DtraceProbeName.of(p);
        return n.provider() + ":" + n.module() + ":" + n.function() + ":" + n.name();
    }

    private static ProbeDecl of(ProbeKind kind, String target, String function, long period) {
        return new ProbeDecl(kind, "anything the program calls it", new AttachPoint(target, function, 0), period, -1, 0);
    }

    @Test
    void eachKindHasDtracesFourPartsFromItsAttachPointNotItsName() {
        assertEquals("syscall::read:entry", parts(ProbeDecl.tracepoint("syscalls", "sys_enter_read", -1, 0)));
        assertEquals("syscall::exit_group:return", parts(ProbeDecl.tracepoint("syscalls", "sys_exit_exit_group", -1, 0)));
        assertEquals("tracepoint:block::block_rq_issue", parts(ProbeDecl.tracepoint("block", "block_rq_issue", -1, 0)));
        assertEquals("tracepoint:raw_syscalls::sys_enter", parts(ProbeDecl.tracepoint("raw_syscalls", "sys_enter", -1, 0)));
        assertEquals("dtrace:::BEGIN", parts(ProbeDecl.begin(0)));
        assertEquals("dtrace:::END", parts(ProbeDecl.end(0)));
        assertEquals("profile:::profile-997", parts(of(ProbeKind.PROFILE, "", "", 1_000_000_000L / 997)));
        assertEquals("profile:::profile-100", parts(of(ProbeKind.PROFILE, "", "", 10_000_000L)), "10 ms is 100 Hz");
        assertEquals("profile:::profile-3s", parts(of(ProbeKind.PROFILE, "", "", 3_000_000_000L)));
        assertEquals("profile:::profile-1500us", parts(of(ProbeKind.PROFILE, "", "", 1_500_000L)));
        assertEquals("profile:::tick-1s", parts(ProbeDecl.interval("i", 1_000_000_000L, 0)));
        assertEquals("profile:::tick-10ms", parts(ProbeDecl.interval("i", 10_000_000L, 0)));
        assertEquals("software:::page-faults", parts(of(ProbeKind.SOFTWARE, "page-faults", "", 1)));
        assertEquals("kprobe:ext4:ext4_file_open:entry", parts(of(ProbeKind.KPROBE, "ext4", "ext4_file_open", 0)));
        assertEquals("uprobe:/bin/bash:readline:return", parts(of(ProbeKind.URETPROBE, "/bin/bash", "readline", 0)));
    }
}
