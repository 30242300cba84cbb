package dev.safetap.fuzz;

import dev.safetap.vm.EventContext;
import dev.safetap.vm.Tier;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs a tier over generated events: BEGIN, every event in order through one reused context, END. Every event is
 * fired, also after an action called exit(), so that each one exercises the action it names.
 */
public final class EventReplay {
    private EventReplay() {
    }

    /** Replays {@code events}; {@code afterEach} sees each event once the tier has run on it. */
    public static void run(Tier tier, List<GeneratedEvent> events, Consumer<GeneratedEvent> afterEach) {
        tier.begin();
        EventContext ctx = new EventContext();
        for (GeneratedEvent e : events) {
            tier.fire(e.probe(), e.fill(ctx));
            afterEach.accept(e);
        }
        tier.end();
    }
}
