package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.util.concurrent.atomic.AtomicInteger;

/** IPVS {@code rr}: the next server after the last one chosen that accepts new connections. */
final class RoundRobinScheduler extends ConnectionScheduler {
    private final AtomicInteger last = new AtomicInteger(-1);

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState[] servers = table.servers;
        int n = servers.length;
        if (n == 0) return null;
        while (true) {
            int start = last.get();
            int found = -1;
            for (int k = 1; k <= n; k++) {
                int i = Math.floorMod(start + k, n);
                if (servers[i].acceptsNew(request.excluded())) {
                    found = i;
                    break;
                }
            }
            if (found < 0) return null;
            if (last.compareAndSet(start, found)) return servers[found];
        }
    }
}
