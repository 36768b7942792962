package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of {@code vigil status}: virtual and real servers laid out as {@code ipvsadm -Ln} lays them
 * out (so muscle memory and scripts that grep it keep working), with health and reason columns added,
 * then one line of the proxy engine's counters, then the VRRP instances.
 */
public final class IpvsadmTable {

    private IpvsadmTable() {}

    public static String format(StatusSnapshot s) {
        StringBuilder out = new StringBuilder();
        out.append("Vigil ").append(s.node().version()).append(" on ").append(s.node().routerId())
                .append(", up ").append(uptime(s.node().uptime())).append('\n');
        out.append("Prot LocalAddress:Port Scheduler Flags\n");
        out.append(String.format(Locale.ROOT, "  -> %-28s %-7s %-6s %-10s %-10s %-11s %s%n",
                "RemoteAddress:Port", "Forward", "Weight", "ActiveConn", "InActConn", "Health", "Reason"));
        for (var vs : s.virtualServers()) {
            String name = vs.address().startsWith("fwmark ")
                    ? "FWM  " + vs.address().substring("fwmark ".length())
                    : vs.protocol() + "  " + vs.endpoint();
            out.append(name).append(' ').append(vs.scheduler());
            if (!vs.quorumUp()) out.append("  [quorum down]");
            out.append('\n');
            for (var rs : vs.realServers()) {
                out.append(String.format(Locale.ROOT, "  -> %-28s %-7s %-6d %-10d %-10d %-11s %s",
                        rs.endpoint(), forward(rs.forwarding()), rs.effectiveWeight(), rs.activeConnections(),
                        rs.inactiveConnections(), rs.state().name(), reason(rs)).stripTrailing()).append('\n');
            }
        }
        s.proxy().ifPresent(p -> out.append(proxy(p)).append('\n'));
        out.append('\n');
        if (s.vrrp().isEmpty()) {
            out.append("No VRRP instances.\n");
            return out.toString();
        }
        out.append(String.format(Locale.ROOT, "%-16s %-8s %-9s %-30s %s%n", "VRRP instance", "State", "Priority",
                "Virtual IPs", "Master since"));
        for (var v : s.vrrp()) {
            String priority = v.effectivePriority() == v.priority()
                    ? Integer.toString(v.priority())
                    : v.effectivePriority() + "/" + v.priority();
            out.append(String.format(Locale.ROOT, "%-16s %-8s %-9s %-30s %s", v.name(), v.state().name(), priority,
                    v.vips().isEmpty() ? "-" : String.join(",", v.vips()),
                    v.masterSince().map(Instant::toString).orElse("-")).stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** Bind and accept failures are rare and serious: shown only when there are some, to keep the line short. */
    static String proxy(StatusSnapshot.Proxy p) {
        StringBuilder line = new StringBuilder("proxy: ");
        line.append(p.accepted()).append(" accepted, ").append(p.openConnections()).append(" open, ")
                .append(count(p.connectFailures(), "connect failure")).append(" (").append(p.retries()).append(" retried), ")
                .append(p.noRealServer()).append(" refused for lack of a real server, ")
                .append(count(p.resetsPassed(), "reset")).append(" passed, ")
                .append(count(p.idleTimeouts(), "idle timeout"));
        if (p.bindFailures() > 0) line.append(", ").append(count(p.bindFailures(), "bind failure"));
        if (p.acceptFailures() > 0) line.append(", ").append(count(p.acceptFailures(), "accept failure"));
        return line.toString();
    }

    private static String count(long n, String thing) {
        return n + " " + thing + (n == 1 ? "" : "s");
    }

    private static String reason(StatusSnapshot.RealServer rs) {
        List<String> parts = new ArrayList<>();
        if (rs.state() != RealServerState.UP) rs.reason().ifPresent(parts::add);
        for (var svc : rs.services()) {
            if (!svc.status().equalsIgnoreCase("UP")) {
                parts.add(svc.name() + " " + svc.status() + (svc.detail().isEmpty() ? "" : " (" + svc.detail() + ")"));
            }
        }
        return String.join("; ", parts);
    }

    private static String forward(ForwardingMethod m) {
        return switch (m) {
            case NAT -> "Masq";
            case DR -> "Route";
            case TUN -> "Tunnel";
        };
    }

    private static String uptime(Duration d) {
        long s = d.toSeconds();
        if (s >= 86400) return s / 86400 + "d " + s % 86400 / 3600 + "h";
        if (s >= 3600) return s / 3600 + "h " + s % 3600 / 60 + "m";
        if (s >= 60) return s / 60 + "m " + s % 60 + "s";
        return s + "s";
    }
}
