package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code sed}: the least {@code (active + 1) / weight}. {@code nq} (never queue) first gives
 * the connection to any server with no active connection at all.
 */
final class ShortestExpectedDelayScheduler extends ConnectionScheduler {
    private final boolean neverQueue;

    ShortestExpectedDelayScheduler(boolean neverQueue) {
        this.neverQueue = neverQueue;
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState least = null;
        long leastOverhead = 0;
        for (RealServerState s : table.servers) {
            if (!s.acceptsNew(request.excluded())) continue;
            long overhead = s.counters().active() + 1L;
            if (neverQueue && overhead == 1) return s;
            if (least == null || leastOverhead * s.weight() > overhead * least.weight()) {
                least = s;
                leastOverhead = overhead;
            }
        }
        return least;
    }
}
