package dev.safetap.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Makes a failing case smaller while it still fails. Lists shrink by removing chunks, halves first
 * and then ever smaller pieces down to single elements (as in delta debugging); other values shrink
 * by trying the one-step simplifications a function offers, greedily, until none still fails.
 * Every candidate is re-tested with {@code fails}; at most {@code budget} tests run.
 */
public final class Shrinker {
    private final int budget;
    private int tests;

    public Shrinker(int budget) {
        this.budget = budget;
    }

    /** The smallest sub-list found for which {@code fails} still holds; {@code items} itself must fail. */
    public <T> List<T> shrinkList(List<T> items, Predicate<List<T>> fails) {
        List<T> current = List.copyOf(items);
        int chunk = Math.max(1, current.size() / 2);
        while (chunk >= 1 && tests < budget) {
            boolean removed = false;
            for (int from = 0; from < current.size() && tests < budget; ) {
                List<T> candidate = new ArrayList<>(current.subList(0, from));
                candidate.addAll(current.subList(Math.min(current.size(), from + chunk), current.size()));
                tests++;
                if (fails.test(candidate)) {
                    current = List.copyOf(candidate);
                    removed = true;
                } else {
                    from += chunk;
                }
            }
            if (!removed) {
                if (chunk == 1) {
                    break;
                }
                chunk /= 2;
            }
        }
        return current;
    }

    /** Greedy descent: replaces the value by its first simplification that still fails, until none does. */
    public <T> T shrink(T value, Function<T, List<T>> simplifications, Predicate<T> fails) {
        T current = value;
        boolean progress = true;
        while (progress && tests < budget) {
            progress = false;
            for (T candidate : simplifications.apply(current)) {
                if (tests >= budget) {
                    break;
                }
                tests++;
                if (fails.test(candidate)) {
                    current = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return current;
    }
}
