package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code sh}: the client address (and port with {@code sh-port}) picks a bucket. When that
 * server is quiesced or overloaded there is no server, unless {@code sh-fallback} lets the hash walk
 * on to the next available bucket.
 */
final class SourceHashingScheduler extends ConnectionScheduler {
    private final boolean includePort;
    private final boolean fallback;

    SourceHashingScheduler(boolean includePort, boolean fallback) {
        this.includePort = includePort;
        this.fallback = fallback;
    }

    @Override
    Object prepare(RealServerState[] servers) {
        return new HashBuckets(HashBuckets.inService(servers));
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        HashBuckets buckets = table.prepared(HashBuckets.class);
        int port = includePort ? request.clientPort() : 0;
        int first = HashBuckets.hash(request.client(), port, 0);
        RealServerState s = buckets.buckets[first];
        if (s == null) return null;
        if (s.acceptsNew(request.excluded())) return s;
        // A retry after a failed connect is Vigil's, not IPVS's: it always walks on.
        if (!fallback && request.excluded().isEmpty()) return null;
        return buckets.fallback(first, request.excluded());
    }
}
