package dev.vigil.report;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Turns one {@link StatusSnapshot}, taken at scrape time, into gauges and counters: the forwarder and
 * checkers keep the numbers, so nothing is copied between scrapes and one supplier call serves them all.
 */
final class StatusCollector implements MultiCollector {

    private static final Logger LOG = LoggerFactory.getLogger(StatusCollector.class);

    private final Supplier<StatusSnapshot> status;
    private final Supplier<MailAlerter> mail;
    private final Supplier<List<NotifyFifo>> fifos;

    StatusCollector(Supplier<StatusSnapshot> status, Supplier<MailAlerter> mail, Supplier<List<NotifyFifo>> fifos) {
        this.status = status;
        this.mail = mail;
        this.fifos = fifos;
    }

    /** Collects data points per metric name in a stable order. */
    private static final class Families {
        private final Map<String, Family> byName = new LinkedHashMap<>();

        private record Family(boolean counter, String help, List<Object> points) {}

        void gauge(String name, String help, double value, Labels labels) {
            byName.computeIfAbsent(name, n -> new Family(false, help, new ArrayList<>()))
                    .points().add(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(labels).build());
        }

        // Prometheus values are doubles; counts of connections, bytes and lines stay far below 2^53,
        // where a double still holds every integer exactly.
        void gauge(String name, String help, long value, Labels labels) {
            gauge(name, help, (double) value, labels);
        }

        /** {@code name} without {@code _total}; the text format adds it. */
        void counter(String name, String help, long value, Labels labels) {
            byName.computeIfAbsent(name, n -> new Family(true, help, new ArrayList<>()))
                    .points().add(CounterSnapshot.CounterDataPointSnapshot.builder().value((double) value)
                            .labels(labels).build());
        }

        List<MetricSnapshot> build() {
            List<MetricSnapshot> out = new ArrayList<>();
            byName.forEach((name, f) -> {
                if (f.counter()) {
                    var b = CounterSnapshot.builder().name(name).help(f.help());
                    f.points().forEach(p -> b.dataPoint((CounterSnapshot.CounterDataPointSnapshot) p));
                    out.add(b.build());
                } else {
                    var b = GaugeSnapshot.builder().name(name).help(f.help());
                    f.points().forEach(p -> b.dataPoint((GaugeSnapshot.GaugeDataPointSnapshot) p));
                    out.add(b.build());
                }
            });
            return out;
        }
    }

    @Override
    public MetricSnapshots collect() {
        Families m = new Families();
        StatusSnapshot s = null;
        try {
            s = status.get();
        } catch (RuntimeException e) {
            LOG.warn("status unavailable for a metrics scrape: {}", String.valueOf(e));
        }
        List<MetricSnapshot> out = new ArrayList<>();
        if (s != null) {
            out.add(InfoSnapshot.builder().name("vigil_build").help("Vigil version and router_id of this node")
                    .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder()
                            .labels(Labels.of("version", s.node().version(), "router_id", s.node().routerId())).build())
                    .build());
            m.gauge("vigil_uptime_seconds", "Seconds since Vigil started", s.node().uptime().toMillis() / 1000.0, Labels.EMPTY);
            vrrp(m, s);
            virtualServers(m, s);
            s.proxy().ifPresent(p -> proxy(m, p));
            m.gauge("vigil_sync_configured", "1 if this node runs connection sync (lvs_sync_daemon with the kernel engine)",
                    s.sync().isPresent() ? 1 : 0, Labels.EMPTY);
            s.sync().ifPresent(y -> sync(m, y));
        }
        events(m);
        out.addAll(m.build());
        return new MetricSnapshots(out);
    }

    private static void vrrp(Families m, StatusSnapshot s) {
        for (var v : s.vrrp()) {
            for (VrrpState state : VrrpState.values()) {
                m.gauge("vigil_vrrp_state", "1 for the current state of the VRRP instance, 0 for the others",
                        v.state() == state ? 1 : 0, Labels.of("instance", v.name(), "state", state.name()));
            }
            m.gauge("vigil_vrrp_priority", "Configured priority of the VRRP instance", v.priority(),
                    Labels.of("instance", v.name()));
            m.gauge("vigil_vrrp_effective_priority", "Priority after track_script/track_interface weights",
                    v.effectivePriority(), Labels.of("instance", v.name()));
            v.drops().forEach((reason, n) -> m.counter("vigil_vrrp_adverts_dropped",
                    "VRRP packets for the instance dropped, by reason (docs/vrrp.md)", n,
                    Labels.of("instance", v.name(), "reason", reason)));
        }
    }

    private static void virtualServers(Families m, StatusSnapshot s) {
        for (var vs : s.virtualServers()) {
            Labels vl = Labels.of("virtual_server", vs.endpoint(), "protocol", vs.protocol());
            m.gauge("vigil_virtual_server_active_connections", "Established connections of the virtual server",
                    vs.activeConnections(), vl);
            m.gauge("vigil_virtual_server_inactive_connections", "Connections of the virtual server in other states",
                    vs.inactiveConnections(), vl);
            m.counter("vigil_virtual_server_connections", "Connections accepted by the virtual server",
                    vs.totalConnections(), vl);
            m.counter("vigil_virtual_server_bytes_in", "Bytes received from clients by the virtual server",
                    vs.bytesIn(), vl);
            m.counter("vigil_virtual_server_bytes_out", "Bytes sent to clients by the virtual server",
                    vs.bytesOut(), vl);
            m.gauge("vigil_virtual_server_quorum_up", "1 if the virtual server has its quorum of healthy real servers",
                    vs.quorumUp() ? 1 : 0, vl);
            m.gauge("vigil_virtual_server_real_servers", "Real servers configured in the virtual server",
                    vs.realServers().size(), vl);
            m.gauge("vigil_virtual_server_real_servers_up", "Healthy real servers of the virtual server",
                    vs.realServers().stream().filter(StatusSnapshot.RealServer::healthy).count(), vl);
            for (var rs : vs.realServers()) {
                Labels rl = Labels.of("virtual_server", vs.endpoint(), "protocol", vs.protocol(),
                        "real_server", rs.endpoint());
                m.gauge("vigil_real_server_active_connections", "Established connections to the real server",
                        rs.activeConnections(), rl);
                m.gauge("vigil_real_server_inactive_connections", "Connections to the real server in other states",
                        rs.inactiveConnections(), rl);
                m.counter("vigil_real_server_connections", "Connections scheduled to the real server",
                        rs.totalConnections(), rl);
                m.counter("vigil_real_server_bytes_in", "Bytes received from clients for the real server",
                        rs.bytesIn(), rl);
                m.counter("vigil_real_server_bytes_out", "Bytes sent to clients from the real server",
                        rs.bytesOut(), rl);
                m.gauge("vigil_real_server_up", "1 if the checkers find the real server healthy",
                        rs.healthy() ? 1 : 0, rl);
                m.gauge("vigil_real_server_weight", "Configured weight of the real server", rs.weight(), rl);
                m.gauge("vigil_real_server_effective_weight", "Weight the scheduler uses now (0 when down or drained)",
                        rs.effectiveWeight(), rl);
                for (RealServerState state : RealServerState.values()) {
                    m.gauge("vigil_real_server_state", "1 for the current state of the real server",
                            rs.state() == state ? 1 : 0, rl.add("state", state.name()));
                }
                for (var svc : rs.services()) {
                    m.gauge("vigil_real_server_service_up", "1 if the named service on the real server is healthy",
                            "UP".equalsIgnoreCase(svc.status()) ? 1 : 0, rl.add("service", svc.name()));
                }
            }
        }
    }

    private static void proxy(Families m, StatusSnapshot.Proxy p) {
        m.counter("vigil_proxy_connections_accepted", "Client connections the proxy engine accepted, all virtual servers",
                p.accepted(), Labels.EMPTY);
        m.gauge("vigil_proxy_open_connections", "Client connections the proxy engine holds open now",
                p.openConnections(), Labels.EMPTY);
        m.counter("vigil_proxy_no_real_server", "Clients refused with a reset because no real server could take them",
                p.noRealServer(), Labels.EMPTY);
        m.counter("vigil_proxy_connect_failures", "Connects to real servers that failed or passed proxy_connect_timeout",
                p.connectFailures(), Labels.EMPTY);
        m.counter("vigil_proxy_connect_retries", "Failed connects that were retried on another real server",
                p.retries(), Labels.EMPTY);
        m.counter("vigil_proxy_resets_passed", "Resets from a client or real server passed on to the other side",
                p.resetsPassed(), Labels.EMPTY);
        m.counter("vigil_proxy_idle_timeouts", "Connections closed after proxy_idle_timeout without traffic",
                p.idleTimeouts(), Labels.EMPTY);
        m.counter("vigil_proxy_bind_failures", "Virtual servers the proxy engine could not listen on",
                p.bindFailures(), Labels.EMPTY);
        m.counter("vigil_proxy_accept_failures", "Failed accepts of client connections (e.g. out of file descriptors)",
                p.acceptFailures(), Labels.EMPTY);
        m.counter("vigil_proxy_refused_maxconn", "Clients reset at once because proxy_maxconn of the node or of their "
                + "virtual server was reached", p.refusedMaxconn(), Labels.EMPTY);
        m.counter("vigil_proxy_refused_per_source", "Clients reset at once because proxy_maxconn_per_source was reached",
                p.refusedPerSource(), Labels.EMPTY);
        m.counter("vigil_proxy_half_close_timeouts", "Half-closed connections closed after proxy_half_close_timeout "
                + "without traffic", p.halfCloseTimeouts(), Labels.EMPTY);
        m.counter("vigil_kernel_guard_drops", "Packets that would have opened a connection to a VIP without being a "
                + "SYN, dropped by the kernel engine's guard", p.guardDrops(), Labels.EMPTY);
    }

    private static void sync(Families m, StatusSnapshot.Sync y) {
        m.gauge("vigil_sync_running", "1 while conntrackd runs", y.running() ? 1 : 0, Labels.EMPTY);
        m.gauge("vigil_sync_lost", "1 while the sync is lost (conntrackd died and no restart answers yet)",
                y.lostSince().isPresent() ? 1 : 0, Labels.EMPTY);
        m.counter("vigil_sync_losses", "Times the sync was lost (conntrackd died or could not start)", y.losses(),
                Labels.EMPTY);
        m.counter("vigil_sync_conntrackd_restarts", "Restarts of conntrackd after it died", y.restarts(), Labels.EMPTY);
        m.gauge("vigil_sync_peer_seen", "1 if the peer's sync messages arrived lately", y.peerSeen() ? 1 : 0,
                Labels.EMPTY);
        y.peerLastSeen().ifPresent(t -> m.gauge("vigil_sync_peer_last_seen_timestamp_seconds",
                "Unix time at which the peer's sync messages were last seen arriving", t.toEpochMilli() / 1000.0,
                Labels.EMPTY));
        y.link().ifPresent(l -> {
            m.gauge("vigil_sync_entries", "Entries in conntrackd's caches: internal (this node's connections), "
                    + "external (the peer's, committed on takeover)", l.internalEntries(), Labels.of("cache", "internal"));
            m.gauge("vigil_sync_entries", "", l.externalEntries(), Labels.of("cache", "external"));
            m.counter("vigil_sync_bytes", "Bytes on the sync link, by direction (conntrackd's count since it started)",
                    l.bytesSent(), Labels.of("direction", "sent"));
            m.counter("vigil_sync_bytes", "", l.bytesReceived(), Labels.of("direction", "received"));
            m.counter("vigil_sync_packets", "Packets on the sync link, by direction (since conntrackd started)",
                    l.packetsSent(), Labels.of("direction", "sent"));
            m.counter("vigil_sync_packets", "", l.packetsReceived(), Labels.of("direction", "received"));
            m.counter("vigil_sync_errors", "Send and receive errors on the sync link (since conntrackd started)",
                    l.sendErrors(), Labels.of("direction", "sent"));
            m.counter("vigil_sync_errors", "", l.receiveErrors(), Labels.of("direction", "received"));
            m.counter("vigil_sync_lost_messages", "Sync messages of the peer's that never arrived", l.lostMessages(),
                    Labels.EMPTY);
            m.gauge("vigil_sync_stats_timestamp_seconds", "Unix time of the last read of conntrackd's statistics",
                    l.readAt().toEpochMilli() / 1000.0, Labels.EMPTY);
        });
        m.counter("vigil_sync_commits", "Takeover commits of the synced connections", y.commits(), Labels.EMPTY);
        m.counter("vigil_sync_commits_unfinished", "Takeover commits that did not finish within their bound",
                y.unfinishedCommits(), Labels.EMPTY);
        y.lastCommit().ifPresent(c -> {
            m.gauge("vigil_sync_last_commit_timestamp_seconds", "Unix time of the last takeover commit",
                    c.at().toEpochMilli() / 1000.0, Labels.EMPTY);
            m.gauge("vigil_sync_last_commit_entries", "Entries the last takeover commit put into the kernel",
                    c.entries(), Labels.EMPTY);
            m.gauge("vigil_sync_last_commit_seconds", "How long the last takeover commit held the VIPs back",
                    c.took().toNanos() / 1e9, Labels.EMPTY);
        });
        m.counter("vigil_sync_resyncs_requested", "Resyncs asked of the peer on leaving MASTER", y.resyncsRequested(),
                Labels.EMPTY);
        m.counter("vigil_sync_bulk_sends", "Bulk updates sent to the peer on becoming MASTER", y.bulkSends(),
                Labels.EMPTY);
    }

    private void events(Families m) {
        MailAlerter alerter = mail.get();
        m.counter("vigil_mail_sent", "Alert mails handed to the SMTP server", alerter == null ? 0 : alerter.sent(), Labels.EMPTY);
        m.counter("vigil_mail_failed", "Alert mails the SMTP server did not take", alerter == null ? 0 : alerter.failed(), Labels.EMPTY);
        m.counter("vigil_mail_dropped", "Alert mails dropped because the queue was full", alerter == null ? 0 : alerter.dropped(), Labels.EMPTY);
        m.gauge("vigil_mail_queued", "Alert mails waiting to be sent", alerter == null ? 0 : alerter.queued(), Labels.EMPTY);
        long written = 0, dropped = 0, failed = 0;
        for (NotifyFifo f : fifos.get()) {
            written += f.written();
            dropped += f.dropped();
            failed += f.failed();
        }
        m.counter("vigil_notify_fifo_lines_written", "Lines written to notify FIFOs", written, Labels.EMPTY);
        m.counter("vigil_notify_fifo_lines_dropped", "Lines dropped because no reader kept up", dropped, Labels.EMPTY);
        m.counter("vigil_notify_fifo_lines_failed", "Lines that could not be written", failed, Labels.EMPTY);
    }
}
