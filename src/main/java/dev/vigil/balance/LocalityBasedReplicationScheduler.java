package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * IPVS {@code lblcr}: a destination address maps to a set of servers; the least loaded of the set
 * serves it. When the set is empty or that server is overloaded, weighted least-connection adds a
 * server to the set; a set that has not changed for six minutes sheds its most loaded member.
 */
final class LocalityBasedReplicationScheduler extends ConnectionScheduler {
    static final long SHRINK_AFTER_NANOS = TimeUnit.MINUTES.toNanos(6);

    private record ServerSet(List<InetSocketAddress> members, long lastModifiedNanos, long lastUsedNanos) {}

    private final ConcurrentHashMap<InetAddress, ServerSet> table = new ConcurrentHashMap<>();

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        long now = request.nowNanos();
        RealServerState[] result = new RealServerState[1];
        this.table.compute(request.destination(), (dest, set) -> {
            if (set != null && now - set.lastUsedNanos() >= LocalityBasedScheduler.EXPIRATION_NANOS) set = null;
            List<InetSocketAddress> members = set == null ? new ArrayList<>() : new ArrayList<>(set.members());
            long modified = set == null ? now : set.lastModifiedNanos();
            RealServerState least = leastLoaded(members, table, request);
            if (least == null || overloadedForLocality(least, table.servers)) {
                RealServerState fresh = weightedLeastConnection(table.servers, request);
                if (fresh != null) {
                    if (!members.contains(fresh.address())) members.add(fresh.address());
                    least = fresh;
                    modified = now;
                } else if (least == null) {
                    result[0] = null;
                    return set;
                }
            }
            if (members.size() > 1 && now - modified > SHRINK_AFTER_NANOS) {
                InetSocketAddress most = mostLoaded(members, table);
                if (most != null && !most.equals(least.address())) {
                    members.remove(most);
                    modified = now;
                }
            }
            result[0] = least;
            return new ServerSet(List.copyOf(members), modified, now);
        });
        return result[0];
    }

    private static @Nullable RealServerState leastLoaded(List<InetSocketAddress> members, ServerTable table,
                                               SchedulingRequest request) {
        RealServerState least = null;
        long leastOverhead = 0;
        for (InetSocketAddress a : members) {
            RealServerState s = table.byAddress.get(a);
            if (s == null || !s.acceptsNew(request.excluded())) continue;
            long overhead = s.counters().overhead();
            if (least == null || leastOverhead * s.weight() > overhead * least.weight()) {
                least = s;
                leastOverhead = overhead;
            }
        }
        return least;
    }

    private static @Nullable InetSocketAddress mostLoaded(List<InetSocketAddress> members, ServerTable table) {
        InetSocketAddress most = null;
        long mostOverhead = -1;
        int mostWeight = 1;
        for (InetSocketAddress a : members) {
            RealServerState s = table.byAddress.get(a);
            if (s == null) return a; // gone from the configuration: shed it first
            long overhead = s.counters().overhead();
            int w = Math.max(1, s.weight());
            if (most == null || overhead * mostWeight > mostOverhead * w) {
                most = a;
                mostOverhead = overhead;
                mostWeight = w;
            }
        }
        return most;
    }
}
