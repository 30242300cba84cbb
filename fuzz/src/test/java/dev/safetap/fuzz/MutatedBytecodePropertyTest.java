package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.compiler.CompileException;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.verifier.VerifyException;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.TierKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property 3: mutated bytecode is either rejected cleanly (a {@link VerifyException} or a
 * {@link BytecodeFormatException}, nothing else, never a hang) or, when accepted, is safe under the
 * checked interpreter and the fast interpreter does not throw. A failure is shrunk (instructions,
 * then events) and saved as a {@code .sasm} reproducer.
 */
class MutatedBytecodePropertyTest {
    private static final long BASE_SEED = 0xb17f11bL;

    /** Outcome of one mutant. */
    enum Outcome { FORMAT_REJECTED, VERIFY_REJECTED, ACCEPTED_SAFE }

    @Test
    void mutantsAreRejectedCleanlyOrRunSafely() {
        int bases = Scripts.iterations(120);
        int mutantsPerBase = 25;
        Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
        Map<BytecodeMutator.Mutation, int[]> byMutation = new EnumMap<>(BytecodeMutator.Mutation.class);
        for (int b = 0; b < bases; b++) {
            long seed = BASE_SEED + b;
            SplittableRandom random = new SplittableRandom(seed);
            Program base = compiled(new ProgramGenerator(Scripts.CATALOG, random).next().render());
            if (base == null) {
                continue;
            }
            BytecodeMutator mutator = new BytecodeMutator(random);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int m = 0; m < mutantsPerBase; m++) {
                    BytecodeMutator.Mutation kind = BytecodeMutator.Mutation.values()[random.nextInt(BytecodeMutator.Mutation.values().length)];
                    Program mutant = mutator.mutate(base, kind);
                    for (int extra = random.nextInt(3); extra > 0; extra--) {
                        mutant = mutator.mutate(mutant);
                    }
                    byte[] file = ProgramCodec.encode(mutant);
                    if (random.nextInt(4) == 0) {
                        file = mutator.mutateEncoded(file);
                    }
                    List<GeneratedEvent> events = List.of();
                    Outcome outcome = outcome(file, seed);
                    if (outcome == Outcome.ACCEPTED_SAFE) {
                        VerifiedProgram v = Verifier.verify(ProgramCodec.decode(file));
                        events = EventSequence.generate(v.program(), Scripts.CATALOG, random, 10);
                        String failure = Oracle.safety(v, events);
                        if (failure == null) {
                            failure = fastRunThrows(v, events);
                        }
                        if (failure != null) {
                            failWithReproducer(seed, v.program(), events, failure);
                        }
                    }
                    outcomes.merge(outcome, 1, Integer::sum);
                    byMutation.computeIfAbsent(kind, k -> new int[2])[outcome == Outcome.ACCEPTED_SAFE ? 1 : 0]++;
                }
            }, "verifying or running a mutant of seed " + seed + " took over 10 s (hang?)");
        }
        System.out.println("mutants: " + outcomes);
        byMutation.forEach((k, v) -> System.out.printf("  %-11s rejected %4d  accepted %4d%n", k, v[0], v[1]));
        assertTrue(outcomes.getOrDefault(Outcome.VERIFY_REJECTED, 0) > 0 && outcomes.getOrDefault(Outcome.ACCEPTED_SAFE, 0) > 0,
                "mutation should yield both rejected and accepted programs: " + outcomes);
    }

    /** A generated script's program when the verifier accepts it, so that mutants start from valid code. */
    private static Program compiled(String source) {
        try {
            return Verifier.verify(Scripts.compile(source, 16)).program();
        } catch (CompileException | VerifyException e) {
            return null;
        }
    }

    /** Decodes and verifies; only the two clean rejections may be thrown, anything else fails the test. */
    private static Outcome outcome(byte[] file, long seed) {
        Program p;
        try {
            p = ProgramCodec.decode(file);
        } catch (BytecodeFormatException e) {
            return Outcome.FORMAT_REJECTED;
        } catch (RuntimeException e) {
            throw new AssertionError("decoding a mutant of seed " + seed + " threw " + e, e);
        }
        try {
            Verifier.verify(p);
            return Outcome.ACCEPTED_SAFE;
        } catch (VerifyException e) {
            return Outcome.VERIFY_REJECTED;
        } catch (RuntimeException e) {
            throw new AssertionError("the verifier threw " + e + " on a mutant of seed " + seed + ":\n" + Disassembler.disassemble(p), e);
        }
    }

    private static String fastRunThrows(VerifiedProgram v, List<GeneratedEvent> events) {
        for (TierKind kind : TierKind.values()) {
            try {
                Execution.of(kind, v, events, OutputFormat.TEXT);
            } catch (RuntimeException e) {
                return kind.label() + " tier threw " + e;
            }
        }
        return null;
    }

    /** Drops instructions (then events) while the program is still accepted and still fails; saves the assembly. */
    private static void failWithReproducer(long seed, Program program, List<GeneratedEvent> events, String failure) {
        Shrinker shrinker = new Shrinker(2000);
        Program small = shrinker.shrink(program, MutatedBytecodePropertyTest::withoutOneInstruction, p -> {
            try {
                return Oracle.safety(Verifier.verify(p), events) != null;
            } catch (VerifyException e) {
                return false;
            }
        });
        VerifiedProgram v = Verifier.verify(small);
        List<GeneratedEvent> fewer = shrinker.shrinkList(events, e -> Oracle.safety(v, e) != null);
        Reproducer r = new Reproducer("mutant-" + Long.toHexString(seed), "mutant-safe", seed, 0, null,
                Disassembler.disassemble(small), fewer);
        fail("an accepted mutant of seed " + seed + " is unsafe: " + failure + "\nreproducer saved as " + r.save().toAbsolutePath());
    }

    private static List<Program> withoutOneInstruction(Program p) {
        List<Program> out = new ArrayList<>();
        for (int a = 0; a < p.actions().size(); a++) {
            List<Instruction> insns = BytecodeMutator.instructions(p.actions().get(a).code());
            for (int i = 0; i < insns.size(); i++) {
                List<Instruction> fewer = new ArrayList<>(insns);
                fewer.remove(i);
                List<Action> actions = new ArrayList<>(p.actions());
                actions.set(a, new Action(p.actions().get(a).registers(), BytecodeMutator.encode(fewer)));
                out.add(new Program(p.strings(), p.layouts(), p.maps(), p.probes(), actions, p.debug()));
            }
        }
        return out;
    }
}
