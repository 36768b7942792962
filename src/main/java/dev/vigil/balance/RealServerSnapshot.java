package dev.vigil.balance;

import java.net.InetAddress;

/**
 * A real server's state and counters at one moment, for status pages and metrics. Bytes in flow
 * from clients to the real server, bytes out back to clients (IPVS's InBytes/OutBytes).
 * {@code inactiveConnections} are open ones being set up or closing; {@code recentlyClosed} are those
 * closed within IPVS's TIME_WAIT window, which ipvsadm also lists as inactive.
 */
public record RealServerSnapshot(InetAddress address, int port, int configuredWeight, int effectiveWeight,
                                 boolean alive, boolean drained, boolean overloaded, long activeConnections,
                                 long inactiveConnections, long recentlyClosed, long totalConnections,
                                 long failedConnections,
                                 long bytesIn, long bytesOut) {

    static RealServerSnapshot of(RealServerState s) {
        RealServerCounters c = s.counters();
        return new RealServerSnapshot(s.address().getAddress(), s.address().getPort(), s.configuredWeight(),
                s.weight(), s.alive(), s.drained(), c.overloaded(), c.active(), c.inactive(), c.recentlyClosed(), c.total(),
                c.failed(), c.bytesIn(), c.bytesOut());
    }
}
