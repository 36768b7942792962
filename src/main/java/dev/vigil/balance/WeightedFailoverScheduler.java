package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/** IPVS {@code fo}: the available server with the highest weight; the first one wins a tie. */
final class WeightedFailoverScheduler extends ConnectionScheduler {

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState highest = null;
        for (RealServerState s : table.servers) {
            if (s.acceptsNew(request.excluded()) && (highest == null || s.weight() > highest.weight())) highest = s;
        }
        return highest;
    }
}
