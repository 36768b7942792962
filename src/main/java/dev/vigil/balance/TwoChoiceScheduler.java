package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicLong;

/**
 * IPVS {@code twos}: draw two servers at random in proportion to their weights and take the one with
 * the lower overhead per weight. The draws come from a counter through a mixing function, so the
 * scheduler stays pure and repeatable.
 */
final class TwoChoiceScheduler extends ConnectionScheduler {
    private final AtomicLong draws = new AtomicLong();

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        long total = 0;
        for (RealServerState s : table.servers) if (s.acceptsNew(request.excluded())) total += s.weight();
        if (total == 0) return null;
        long r1 = Long.remainderUnsigned(mix(draws.incrementAndGet()), total);
        long r2 = Long.remainderUnsigned(mix(draws.incrementAndGet()), total);
        RealServerState first = null, second = null;
        for (RealServerState s : table.servers) {
            if (!s.acceptsNew(request.excluded())) continue;
            r1 -= s.weight();
            r2 -= s.weight();
            if (r1 < 0 && first == null) first = s;
            if (r2 < 0 && second == null) second = s;
        }
        if (first == null || second == null) return first != null ? first : second;
        return first.counters().overhead() * second.weight() > second.counters().overhead() * first.weight()
                ? second : first;
    }

    private static long mix(long x) {
        x += 0x9e3779b97f4a7c15L;
        x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9L;
        x = (x ^ (x >>> 27)) * 0x94d049bb133111ebL;
        return x ^ (x >>> 31);
    }
}
