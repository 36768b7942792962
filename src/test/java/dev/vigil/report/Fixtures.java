package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.Garp;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.Source;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The one place the report tests build status records and events, so a new component changes one spot. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-11-25T03:00:00Z");

    private Fixtures() {}

    static StatusSnapshot.RealServer realServer(String address, int port, RealServerState state, String reason,
                                                long active, long bytesIn, List<StatusSnapshot.Service> services) {
        boolean healthy = state == RealServerState.UP || state == RealServerState.DRAINED;
        return new StatusSnapshot.RealServer(address, port, ForwardingMethod.NAT, 1,
                state == RealServerState.UP ? 1 : 0, healthy, state, Optional.ofNullable(reason), services,
                active, 3, 100 + active, bytesIn, bytesIn * 10);
    }

    static StatusSnapshot.RealServer up(String address, int port, long active) {
        return realServer(address, port, RealServerState.UP, null, active, 1000, List.of());
    }

    static StatusSnapshot.VirtualServer virtualServer(String address, int port, List<StatusSnapshot.RealServer> rs) {
        long active = rs.stream().mapToLong(StatusSnapshot.RealServer::activeConnections).sum();
        long inactive = rs.stream().mapToLong(StatusSnapshot.RealServer::inactiveConnections).sum();
        long total = rs.stream().mapToLong(StatusSnapshot.RealServer::totalConnections).sum();
        long in = rs.stream().mapToLong(StatusSnapshot.RealServer::bytesIn).sum();
        long out = rs.stream().mapToLong(StatusSnapshot.RealServer::bytesOut).sum();
        return new StatusSnapshot.VirtualServer(address, port, "TCP", "wlc", active, inactive, total, in, out,
                rs.stream().anyMatch(StatusSnapshot.RealServer::healthy), rs, "proxy", "the default");
    }

    static StatusSnapshot.VrrpInstance vrrp(String name, VrrpState state, int priority) {
        return new StatusSnapshot.VrrpInstance(name, state, priority, priority, List.of("10.0.0.1/24"),
                state == VrrpState.MASTER ? Optional.of(T0) : Optional.empty(),
                java.util.Map.of("BAD_CHECKSUM", 3L, "NOT_A_PEER", 14L));
    }

    /** Every proxy counter different and non-zero, so a swapped or dropped one shows. */
    static final StatusSnapshot.Proxy PROXY = new StatusSnapshot.Proxy(1234, 5, 2, 7, 6, 3, 4, 8, 9, 10, 11, 12, 13);

    /** A sync that was lost twice and is back, its link read, one commit: every figure different. */
    static final StatusSnapshot.Sync SYNC = new StatusSnapshot.Sync("eth1", "unicast", "10.0.1.2", Optional.of("VI_1"),
            true, Optional.of(4242L), 3, 2, Optional.empty(), true, Optional.of(T0.plusSeconds(4)),
            Optional.of(new StatusSnapshot.SyncLink(T0.plusSeconds(5), 12, 3400, 56_000, 789_000, 560, 7890, 1, 2, 5, 6)),
            4, 1, Optional.of(new StatusSnapshot.SyncCommit(T0, true, 3400, Duration.ofNanos(12_345_678))), 7, 8,
            Optional.of(new StatusSnapshot.SyncHold(T0.plusSeconds(9), Duration.ofMillis(200), 3400, true)));

    static StatusSnapshot withSync(StatusSnapshot s, StatusSnapshot.Sync sync) {
        return new StatusSnapshot(s.node(), s.vrrp(), s.virtualServers(), s.proxy(), Optional.of(sync));
    }

    static StatusSnapshot snapshot(List<StatusSnapshot.VrrpInstance> vrrp, List<StatusSnapshot.VirtualServer> vs) {
        return new StatusSnapshot(new StatusSnapshot.Node("lb1", "0.1.0", Duration.ofSeconds(3725)), vrrp, vs,
                Optional.of(PROXY));
    }

    /** Two Exchange real servers behind one VIP, one of them down with a reason, and a MASTER instance. */
    static StatusSnapshot exchange(RealServerState secondState, String reason) {
        var services = List.of(new StatusSnapshot.Service("owa", "UP", ""),
                new StatusSnapshot.Service("ews", secondState == RealServerState.UP ? "UP" : "DOWN",
                        secondState == RealServerState.UP ? "" : "HTTP 503"));
        var rs1 = up("10.0.0.11", 443, 12);
        var rs2 = realServer("10.0.0.12", 443, secondState, reason, 4, 2000, services);
        return snapshot(List.of(vrrp("VI_1", VrrpState.MASTER, 150)),
                List.of(virtualServer("10.0.0.1", 443, List.of(rs1, rs2))));
    }

    /** global_defs with mail to {@code smtp}, one notify_fifo and an admin token. */
    static GlobalDefs globals(InetSocketAddress smtp, String notifyFifo, String adminToken) {
        return new GlobalDefs(List.of("ops@example.com"), Optional.of("lb1@example.com"), Optional.of(smtp),
                Optional.empty(), Duration.ofSeconds(5), true, Optional.of("lb1"), false, Optional.empty(),
                Garp.DEFAULTS, 2, false, Optional.empty(), Optional.empty(), Optional.of(notifyFifo), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.of(adminToken), List.of(), 0, Optional.empty(), Source.BUILT_IN);
    }

    static VrrpTransition toMaster(String name) {
        return new VrrpTransition(VrrpTransition.Scope.INSTANCE, name, VrrpState.BACKUP, VrrpState.MASTER, 100, T0);
    }

    static RealServerTransition realServerDown(String reason) {
        return new RealServerTransition(new VirtualServer.ByAddress(InetAddress.ofLiteral("10.0.0.1"), 443),
                Protocol.TCP, InetAddress.ofLiteral("10.0.0.11"), 443, RealServerState.DOWN, reason, T0);
    }
}
