package dev.safetap.bytecode;

import java.util.List;

/**
 * A compiled script: the header tables and the actions. Produced by the (untrusted) compiler or
 * decoded from bytes; nothing runs it before the verifier has accepted it.
 */
public record Program(List<String> strings, List<EventLayout> layouts, List<MapDecl> maps,
        List<ProbeDecl> probes, List<Action> actions, DebugInfo debug) {
    public Program {
        strings = List.copyOf(strings);
        layouts = List.copyOf(layouts);
        maps = List.copyOf(maps);
        probes = List.copyOf(probes);
        actions = List.copyOf(actions);
    }
}
