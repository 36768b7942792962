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
import dev.vigil.vrrp.VrrpInstanceStatus;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Builds the admin API's {@link StatusSnapshot} from the balancer, the checkers, VRRP and the proxy engine. */
final class NodeStatus {
    private NodeStatus() {
    }

    static StatusSnapshot of(String routerId, Duration uptime, List<VrrpInstanceStatus> vrrp,
                             List<VirtualServers.ServedView> served, ForwardCounters.Snapshot proxy) {
        return new StatusSnapshot(new StatusSnapshot.Node(routerId, Main.version(), uptime),
                vrrp.stream().map(NodeStatus::instance).toList(),
                served.stream().map(NodeStatus::virtualServer).toList(), Optional.of(proxy(proxy)));
    }

    static StatusSnapshot.Proxy proxy(ForwardCounters.Snapshot c) {
        return new StatusSnapshot.Proxy(c.accepted(), c.openConnections(), c.noRealServer(), c.connectFailures(),
                c.retries(), c.resetsPassed(), c.idleTimeouts(), c.bindFailures(), c.acceptFailures());
    }

    private static StatusSnapshot.VrrpInstance instance(VrrpInstanceStatus s) {
        return new StatusSnapshot.VrrpInstance(s.name(), dev.vigil.report.VrrpState.valueOf(s.state().name()),
                s.configuredPriority(), s.effectivePriority(),
                s.virtualIps().stream().map(InetAddress::getHostAddress).toList(), s.masterSince());
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
                b.bytesOut(), b.quorumUp(), real);
    }

    private static StatusSnapshot.RealServer realServer(VirtualServer vs, RealServerSnapshot rs, RealServerHealth h) {
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
