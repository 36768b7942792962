package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

/**
 * IPVS {@code dh}: the destination address picks a bucket. Behind a proxy the destination is always
 * the virtual server's address, so every client goes to the same server while it is available.
 */
final class DestinationHashingScheduler extends ConnectionScheduler {

    @Override
    Object prepare(RealServerState[] servers) {
        return new HashBuckets(HashBuckets.inService(servers));
    }

    @Override
    @Nullable RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState s = table.prepared(HashBuckets.class).buckets[HashBuckets.hash(request.destination(), 0, 0)];
        return s != null && s.acceptsNew(request.excluded()) ? s : null;
    }
}
