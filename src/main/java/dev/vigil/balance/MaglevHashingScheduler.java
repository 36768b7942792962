package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code mh}: consistent (Maglev) hashing of the client address, and port with {@code mh-port}.
 * An unavailable server means no server unless {@code mh-fallback} walks on ({@link MaglevTable#fallback}).
 */
final class MaglevHashingScheduler extends ConnectionScheduler {
    private final boolean includePort;
    private final boolean fallback;

    MaglevHashingScheduler(boolean includePort, boolean fallback) {
        this.includePort = includePort;
        this.fallback = fallback;
    }

    @Override
    Object prepare(RealServerState[] servers) {
        return new MaglevTable(HashBuckets.inService(servers));
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        MaglevTable maglev = table.prepared(MaglevTable.class);
        if (maglev.empty) return null;
        int port = includePort ? request.clientPort() : 0;
        int first = MaglevTable.slot(request.client(), port, 0);
        RealServerState s = maglev.slots[first];
        if (s.acceptsNew(request.excluded())) return s;
        if (!fallback && request.excluded().isEmpty()) return null;
        if (!anyAcceptsNew(table.servers, request)) return null; // spares a walk over the whole table
        return maglev.fallback(first, request.excluded());
    }

    private static boolean anyAcceptsNew(RealServerState[] servers, SchedulingRequest request) {
        for (RealServerState s : servers) if (s.acceptsNew(request.excluded())) return true;
        return false;
    }
}
