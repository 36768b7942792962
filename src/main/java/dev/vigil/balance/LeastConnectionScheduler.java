package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code lc} (least overhead) and {@code wlc} (least overhead per unit of weight), where an
 * active connection weighs 256 inactive ones. Linear in the number of real servers, as in IPVS.
 */
final class LeastConnectionScheduler extends ConnectionScheduler {
    private final boolean weighted;

    LeastConnectionScheduler(boolean weighted) {
        this.weighted = weighted;
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        if (weighted) return weightedLeastConnection(table.servers, request);
        RealServerState least = null;
        long leastOverhead = 0;
        for (RealServerState s : table.servers) {
            if (!s.acceptsNew(request.excluded())) continue;
            long overhead = s.counters().overhead();
            if (least == null || overhead < leastOverhead) {
                least = s;
                leastOverhead = overhead;
            }
        }
        return least;
    }
}
