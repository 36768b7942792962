package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code ovf}: the highest-weight available server whose active connections are still below
 * its weight; when all are full, none.
 */
final class OverflowScheduler extends ConnectionScheduler {

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState highest = null;
        for (RealServerState s : table.servers) {
            if (!s.acceptsNew(request.excluded()) || s.counters().active() >= s.weight()) continue;
            if (highest == null || s.weight() > highest.weight()) highest = s;
        }
        return highest;
    }
}
