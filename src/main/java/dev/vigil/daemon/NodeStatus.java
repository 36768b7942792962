package dev.vigil.daemon;

import dev.vigil.balance.RealServerSnapshot;
import dev.vigil.config.Checker;
import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.forward.ForwardCounters;
import dev.vigil.health.RealServerHealth;
import dev.vigil.health.ServiceStatus;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.sync.ConnectionSync;
import dev.vigil.sync.ConntrackdStats;
import dev.vigil.sync.SyncSettings;
import dev.vigil.vrrp.VrrpInstanceStatus;
import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Builds the admin API's {@link StatusSnapshot} from the balancer, the checkers, VRRP and the proxy engine. */
final class NodeStatus {
    private NodeStatus() {
    }

    static StatusSnapshot of(String routerId, Duration uptime, List<VrrpInstanceStatus> vrrp,
                             List<VirtualServers.ServedView> served, ForwardCounters.Snapshot proxy,
                             Optional<ConnectionSync.Status> sync) {
        return new StatusSnapshot(new StatusSnapshot.Node(routerId, Main.version(), uptime),
                vrrp.stream().map(NodeStatus::instance).toList(),
                served.stream().map(NodeStatus::virtualServer).toList(), Optional.of(proxy(proxy)),
                sync.map(NodeStatus::sync));
    }

    /** The sync's own status, as report shows it: report knows nothing of the sync package. */
    static StatusSnapshot.Sync sync(ConnectionSync.Status s) {
        SyncSettings c = s.settings();
        Optional<StatusSnapshot.SyncLink> link = s.link().map(l -> {
            ConntrackdStats t = l.stats();
            return new StatusSnapshot.SyncLink(l.readAt(), t.internalEntries(), t.externalEntries(), t.bytesSent(),
                    t.bytesReceived(), t.packetsSent(), t.packetsReceived(), t.sendErrors(), t.receiveErrors(),
                    t.lostMessages(), t.malformedMessages());
        });
        return new StatusSnapshot.Sync(c.interfaceName(), c.peer().isPresent() ? "unicast" : "multicast",
                c.peer().orElse(c.group()).getHostAddress(), c.instance(), s.conntrackdRunning(), s.pid(),
                s.conntrackdRestarts(), s.losses(), s.lostSince(), s.peerSeen(),
                s.link().flatMap(ConnectionSync.Link::peerLastSeen), link, s.commits(), s.unfinishedCommits(),
                s.lastCommit().map(x -> new StatusSnapshot.SyncCommit(x.at(), x.finished(), x.entries(), x.took())),
                s.resyncsRequested(), s.bulkSends(),
                s.lastHold().map(h -> new StatusSnapshot.SyncHold(h.at(), h.held(), h.entries(), h.complete())));
    }

    static StatusSnapshot.Proxy proxy(ForwardCounters.Snapshot c) {
        return new StatusSnapshot.Proxy(c.accepted(), c.openConnections(), c.noRealServer(), c.connectFailures(),
                c.retries(), c.resetsPassed(), c.idleTimeouts(), c.bindFailures(), c.acceptFailures(), c.refusedMaxconn(),
                c.refusedPerSource(), c.halfCloseTimeouts(), c.guardDrops());
    }

    private static StatusSnapshot.VrrpInstance instance(VrrpInstanceStatus s) {
        return new StatusSnapshot.VrrpInstance(s.name(), ReportedState.of(s.state()),
                s.configuredPriority(), s.effectivePriority(),
                s.virtualIps().stream().map(InetAddress::getHostAddress).toList(), s.masterSince(), drops(s));
    }

    private static Map<String, Long> drops(VrrpInstanceStatus s) {
        Map<String, Long> out = new TreeMap<>();
        s.drops().forEach((reason, n) -> {
            if (n > 0) out.put(reason.name(), n);
        });
        return out;
    }

    private static StatusSnapshot.VirtualServer virtualServer(VirtualServers.ServedView v) {
        VirtualServer vs = v.config();
        String address;
        int port;
        switch (vs.key()) {
            case VirtualServer.ByAddress(var a, int p) -> {
                address = a.getHostAddress();
                port = p;
            }
            default -> {
                address = vs.key().toString();
                port = 0;
            }
        }
        var b = v.balance();
        List<StatusSnapshot.RealServer> real = b.realServers().stream()
                .map(rs -> realServer(vs, rs, v.health().get(new InetSocketAddress(rs.address(), rs.port()))))
                .toList();
        long recentlyClosed = b.realServers().stream().mapToLong(RealServerSnapshot::recentlyClosed).sum();
        return new StatusSnapshot.VirtualServer(address, port, vs.protocol().name(), vs.scheduler().keyword(),
                b.activeConnections(), b.inactiveConnections() + recentlyClosed, b.totalConnections(), b.bytesIn(),
                b.bytesOut(), b.quorumUp(), real, v.engine().engine().keyword(), v.engine().reason());
    }

    private static StatusSnapshot.RealServer realServer(VirtualServer vs, RealServerSnapshot rs,
                                                        @Nullable RealServerHealth h) {
        ForwardingMethod forwarding = vs.realServers().stream()
                .filter(r -> r.address().equals(rs.address()) && r.port() == rs.port()).findFirst()
                .flatMap(RealServer::forwardingMethod).orElse(vs.forwardingMethod());
        boolean healthy = h == null ? rs.alive() : h.alive();
        Optional<String> reason = h == null || h.alive() ? Optional.empty() : Optional.of(h.reason());
        List<StatusSnapshot.Service> services = h == null ? List.of() : h.services().entrySet().stream()
                .sorted(java.util.Map.Entry.comparingByKey())
                .map(e -> service(e.getKey(), e.getValue())).toList();
        return new StatusSnapshot.RealServer(rs.address().getHostAddress(), rs.port(), forwarding,
                rs.configuredWeight(), rs.effectiveWeight(), healthy,
                VirtualServers.ServedView.state(rs.drained(), h), reason, services, rs.activeConnections(),
                // ipvsadm's InActConn includes connections in TIME_WAIT.
                rs.inactiveConnections() + rs.recentlyClosed(), rs.totalConnections(), rs.bytesIn(), rs.bytesOut());
    }

    private static StatusSnapshot.Service service(Checker.ExchangeService service, ServiceStatus s) {
        String status = s.up() ? "UP" : s.unavailable() ? "UNAVAILABLE" : "DOWN";
        return new StatusSnapshot.Service(service.keyword(), status, s.detail());
    }
}
