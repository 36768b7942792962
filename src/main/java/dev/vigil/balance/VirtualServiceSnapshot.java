package dev.vigil.balance;

import java.util.List;
import java.util.Optional;

/**
 * A virtual service at one moment: its real servers, its sorry server, its quorum, and the sums of
 * the counters over all of them (sorry server included, as traffic it carried is traffic served).
 */
public record VirtualServiceSnapshot(String name, String scheduler, boolean quorumUp,
                                     List<RealServerSnapshot> realServers, Optional<RealServerSnapshot> sorryServer,
                                     long activeConnections, long inactiveConnections, long totalConnections,
                                     long failedConnections, long bytesIn, long bytesOut) {
    public VirtualServiceSnapshot {
        realServers = List.copyOf(realServers);
    }
}
