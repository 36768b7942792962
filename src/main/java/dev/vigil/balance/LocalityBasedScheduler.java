package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * IPVS {@code lblc}: a destination address keeps its server while that server is available and not
 * overloaded (see {@link #overloadedForLocality}); otherwise weighted least-connection picks a new
 * one. Entries unused for a day are forgotten, as IPVS's default {@code lblc_expiration}.
 */
final class LocalityBasedScheduler extends ConnectionScheduler {
    static final long EXPIRATION_NANOS = TimeUnit.DAYS.toNanos(1);
    private static final int SWEEP_EVERY = 1024;

    private record Entry(InetSocketAddress server, long lastUsedNanos) {}

    private final ConcurrentHashMap<InetAddress, Entry> table = new ConcurrentHashMap<>();
    private int insertsSinceSweep; // racy by design: only decides when to sweep

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        long now = request.nowNanos();
        Entry entry = this.table.get(request.destination());
        if (entry != null && now - entry.lastUsedNanos() < EXPIRATION_NANOS) {
            RealServerState s = table.byAddress.get(entry.server());
            if (s != null && s.acceptsNew(request.excluded()) && !overloadedForLocality(s, table.servers)) {
                this.table.put(request.destination(), new Entry(s.address(), now));
                return s;
            }
        }
        RealServerState chosen = weightedLeastConnection(table.servers, request);
        if (chosen != null) {
            this.table.put(request.destination(), new Entry(chosen.address(), now));
            if (++insertsSinceSweep >= SWEEP_EVERY) {
                insertsSinceSweep = 0;
                this.table.values().removeIf(e -> now - e.lastUsedNanos() >= EXPIRATION_NANOS);
            }
        }
        return chosen;
    }
}
