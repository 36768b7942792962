package dev.vigil.balance;

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
    RealServerState select(ServerTable table, SchedulingRequest request) {
        RealServerState s = ((HashBuckets) table.prepared).buckets[HashBuckets.hash(request.destination(), 0, 0)];
        return s != null && s.acceptsNew(request.excluded()) ? s : null;
    }
}
