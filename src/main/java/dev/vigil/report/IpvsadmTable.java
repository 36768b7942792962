package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The text of {@code vigil status}: virtual and real servers laid out as {@code ipvsadm -Ln} lays them
 * out (so muscle memory and scripts that grep it keep working), with health and reason columns added and
 * each virtual server's engine and why it has it after its scheduler,
 * then one line of the proxy engine's counters, the connection sync's lines if it runs, then the VRRP instances.
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
            out.append("  [").append(vs.engine()).append(" engine: ").append(vs.engineReason()).append(']');
            out.append('\n');
            for (var rs : vs.realServers()) {
                out.append(String.format(Locale.ROOT, "  -> %-28s %-7s %-6d %-10d %-10d %-11s %s",
                        rs.endpoint(), forward(rs.forwarding()), rs.effectiveWeight(), rs.activeConnections(),
                        rs.inactiveConnections(), rs.state().name(), reason(rs)).stripTrailing()).append('\n');
            }
        }
        s.proxy().ifPresent(p -> out.append(proxy(p)).append('\n'));
        s.sync().ifPresent(y -> out.append(sync(y)));
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

    /**
     * The connections as {@code ipvsadm -Lnc} lists them, with the time since bytes last moved where
     * IPVS shows when its entry expires (a proxied connection expires after its idle timeout).
     */
    public static String formatConnections(List<ConnectionEntry> connections) {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%-4s %-8s %-12s %-28s %-28s %s%n", "pro", "idle", "state", "source",
                "virtual", "destination"));
        for (ConnectionEntry c : connections) {
            long seconds = c.idle().toSeconds();
            out.append(String.format(Locale.ROOT, "%-4s %02d:%02d:%02d %-12s %-28s %-28s %s", c.protocol(), seconds / 3600,
                    seconds / 60 % 60, seconds % 60, c.state(), c.client(), c.virtual(), c.realServer().orElse("-"))
                    .stripTrailing()).append('\n');
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
        if (p.refusedMaxconn() > 0) line.append(", ").append(p.refusedMaxconn()).append(" refused over proxy_maxconn");
        if (p.refusedPerSource() > 0) {
            line.append(", ").append(p.refusedPerSource()).append(" refused over proxy_maxconn_per_source");
        }
        if (p.halfCloseTimeouts() > 0) line.append(", ").append(count(p.halfCloseTimeouts(), "half-close timeout"));
        return line.toString();
    }

    /** Two lines: conntrackd and its peer; then the takeovers' commits. A lost sync says so first. */
    static String sync(StatusSnapshot.Sync y) {
        StringBuilder line = new StringBuilder("sync: ");
        if (y.lostSince().isPresent()) line.append("LOST since ").append(y.lostSince().get()).append(", ");
        line.append(y.mode()).append(" to ").append(y.destination()).append(" on ").append(y.interfaceName())
                .append(" for ").append(y.instance().map(i -> "vrrp_instance " + i).orElse("every vrrp_instance"))
                .append(", conntrackd ").append(y.running() ? "running" : "NOT running");
        y.pid().ifPresent(pid -> line.append(" (pid ").append(pid).append(')'));
        line.append(", ").append(count(y.restarts(), "restart")).append(", ").append(y.losses())
                .append(y.losses() == 1 ? " loss" : " losses");
        line.append("; peer ").append(y.peerSeen() ? "seen" : "NOT seen");
        y.peerLastSeen().ifPresent(t -> line.append(" (last ").append(t).append(')'));
        y.link().ifPresent(l -> line.append(", entries ").append(l.internalEntries()).append(" own, ")
                .append(l.externalEntries()).append(" the peer's, ").append(l.bytesSent()).append(" B sent, ")
                .append(l.bytesReceived()).append(" B received, ")
                .append(count(l.sendErrors() + l.receiveErrors(), "error")).append(", ")
                .append(l.lostMessages()).append(" lost"));
        line.append('\n').append("sync: ").append(count(y.commits(), "commit"));
        if (y.unfinishedCommits() > 0) line.append(" (").append(y.unfinishedCommits()).append(" unfinished)");
        y.lastCommit().ifPresent(c -> line.append(", last ").append(c.at()).append(": ").append(c.entries())
                .append(c.entries() == 1 ? " entry in " : " entries in ")
                .append(String.format(Locale.ROOT, "%.1f", c.took().toNanos() / 1e6)).append(" ms")
                .append(c.finished() ? "" : " (NOT finished)"));
        line.append(", ").append(count(y.resyncsRequested(), "resync")).append(" requested, ")
                .append(count(y.bulkSends(), "bulk send")).append('\n');
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
