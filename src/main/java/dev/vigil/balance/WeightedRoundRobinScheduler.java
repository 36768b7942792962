package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicLong;

/**
 * IPVS {@code wrr}: walks the servers repeatedly, lowering a current weight by the gcd of the weights
 * on each pass; a server is chosen when its weight reaches the current weight. Weights 3 and 1 give
 * A A A B per cycle. The (position, current weight) pair is one atomic long, advanced by CAS.
 */
final class WeightedRoundRobinScheduler extends ConnectionScheduler {
    private final AtomicLong mark = new AtomicLong(pack(-1, Integer.MAX_VALUE));

    private record Weights(int max, int gcd) {}

    @Override
    Object prepare(RealServerState[] servers) {
        int max = 0, gcd = 0;
        for (RealServerState s : servers) {
            int w = s.weight();
            if (w <= 0) continue;
            max = Math.max(max, w);
            gcd = gcd(gcd, w);
        }
        return new Weights(max, gcd == 0 ? 1 : gcd);
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState[] servers = table.servers;
        Weights weights = table.prepared(Weights.class);
        int n = servers.length;
        if (n == 0 || weights.max == 0) return null;
        long bound = (long) n * (weights.max / weights.gcd + 2);
        while (true) {
            long current = mark.get();
            int i = Math.min(position(current), n - 1);
            int cw = Math.min(currentWeight(current), weights.max);
            RealServerState found = null;
            for (long step = 0; step < bound; step++) {
                i++;
                if (i >= n) {
                    i = 0;
                    cw -= weights.gcd;
                    if (cw <= 0) cw = weights.max;
                }
                RealServerState s = servers[i];
                if (s.weight() >= cw && s.acceptsNew(request.excluded())) {
                    found = s;
                    break;
                }
            }
            if (found == null) return null;
            if (mark.compareAndSet(current, pack(i, cw))) return found;
        }
    }

    private static long pack(int position, int currentWeight) {
        return ((long) position << 32) | (currentWeight & 0xffffffffL);
    }

    private static int position(long mark) {
        return (int) (mark >> 32);
    }

    private static int currentWeight(long mark) {
        return (int) mark;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
