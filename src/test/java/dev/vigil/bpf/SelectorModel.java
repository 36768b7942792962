package dev.vigil.bpf;

import java.util.List;

/**
 * What the selector must choose, written the way {@code balance}'s schedulers decide (LeastConnectionScheduler,
 * ShortestExpectedDelayScheduler, WeightedFailoverScheduler, OverflowScheduler): the tests compare the kernel's
 * choice with this one.
 */
public final class SelectorModel {
    private SelectorModel() {}

    /** One server as the scheduler sees it: weight 0 takes nothing. */
    public record Server(int weight, long active, long inactive) {}

    /** The index chosen, or -1. */
    public static int choose(SelectorProgram.Rule rule, List<Server> servers) {
        int best = -1;
        long bestMetric = 0;
        for (int i = 0; i < servers.size(); i++) {
            Server s = servers.get(i);
            if (s.weight() == 0) continue;
            long overhead = (s.active() << 8) + s.inactive();
            long delay = s.active() + 1;
            Server b = best < 0 ? null : servers.get(best);
            boolean take = switch (rule) {
                case LEAST_CONNECTION -> b == null || overhead < bestMetric;
                case WEIGHTED_LEAST_CONNECTION -> b == null || bestMetric * s.weight() > overhead * b.weight();
                case SHORTEST_EXPECTED_DELAY, NEVER_QUEUE -> b == null || bestMetric * s.weight() > delay * b.weight();
                case WEIGHTED_FAILOVER -> b == null || s.weight() > b.weight();
                case OVERFLOW -> s.active() < s.weight() && (b == null || s.weight() > b.weight());
                case TWO_CHOICES -> throw new IllegalArgumentException("twos draws at random");
            };
            if (rule == SelectorProgram.Rule.NEVER_QUEUE && s.active() == 0) return i;
            if (take) {
                best = i;
                bestMetric = switch (rule) {
                    case LEAST_CONNECTION, WEIGHTED_LEAST_CONNECTION -> overhead;
                    case SHORTEST_EXPECTED_DELAY, NEVER_QUEUE -> delay;
                    default -> 0;
                };
            }
        }
        return best;
    }
}
