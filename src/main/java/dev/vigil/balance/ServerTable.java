package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An immutable snapshot of a virtual service's real servers, published copy-on-write so the data
 * path reads it without locks. {@code prepared} is whatever the scheduler precomputed for exactly
 * these servers (hash buckets, a Maglev table, WRR's maximum weight and gcd).
 */
final class ServerTable {
    final RealServerState[] servers;
    final Map<InetSocketAddress, RealServerState> byAddress;
    final ConnectionScheduler scheduler;
    final @Nullable Object prepared;
    final @Nullable PersistenceTable persistence; // null without persistence_timeout
    final boolean quorumUp;
    final @Nullable RealServerState sorryServer; // null when none is configured

    ServerTable(List<RealServerState> servers, ConnectionScheduler scheduler, @Nullable PersistenceTable persistence,
                boolean quorumUp, @Nullable RealServerState sorryServer) {
        this.servers = servers.toArray(RealServerState[]::new);
        Map<InetSocketAddress, RealServerState> map = new HashMap<>();
        for (RealServerState s : this.servers) map.put(s.address(), s);
        this.byAddress = Map.copyOf(map);
        this.scheduler = scheduler;
        this.prepared = scheduler.prepare(this.servers);
        this.persistence = persistence;
        this.quorumUp = quorumUp;
        this.sorryServer = sorryServer;
    }

    /** What the scheduler's {@link ConnectionScheduler#prepare} made, for a scheduler that makes something. */
    <T> T prepared(Class<T> type) {
        return type.cast(Objects.requireNonNull(prepared, "the scheduler prepared nothing"));
    }

    /** Sum of the weights of alive real servers, which keepalived compares with the quorum. */
    static long aliveWeight(List<RealServerState> servers) {
        long sum = 0;
        for (RealServerState s : servers) sum += s.weight();
        return sum;
    }
}
