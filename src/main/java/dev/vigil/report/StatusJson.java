package dev.vigil.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.config.ForwardingMethod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The JSON form of a {@link StatusSnapshot} ({@code GET /api/v1/status}), written and read by hand so the
 * field names (snake_case) are a stable contract and absent values are explicit nulls.
 */
public final class StatusJson {

    private StatusJson() {}

    /** The document served at {@code /api/v1/status}; {@code time} lets clients compute rates from deltas. */
    public static ObjectNode toJson(StatusSnapshot s, Instant time) {
        ObjectNode root = Json.object();
        root.put("time", time.toString());
        root.put("time_millis", time.toEpochMilli());
        ObjectNode node = root.putObject("node");
        node.put("router_id", s.node().routerId());
        node.put("version", s.node().version());
        node.put("uptime_seconds", s.node().uptime().toSeconds());
        if (s.proxy().isPresent()) {
            var p = s.proxy().get();
            ObjectNode proxy = root.putObject("proxy");
            proxy.put("accepted", p.accepted());
            proxy.put("open_connections", p.openConnections());
            proxy.put("no_real_server", p.noRealServer());
            proxy.put("connect_failures", p.connectFailures());
            proxy.put("retries", p.retries());
            proxy.put("resets_passed", p.resetsPassed());
            proxy.put("idle_timeouts", p.idleTimeouts());
            proxy.put("bind_failures", p.bindFailures());
            proxy.put("accept_failures", p.acceptFailures());
            proxy.put("refused_maxconn", p.refusedMaxconn());
            proxy.put("refused_per_source", p.refusedPerSource());
            proxy.put("half_close_timeouts", p.halfCloseTimeouts());
            proxy.put("guard_drops", p.guardDrops());
        } else {
            root.putNull("proxy");
        }
        if (s.sync().isPresent()) sync(root.putObject("sync"), s.sync().get());
        else root.putNull("sync");
        ArrayNode vrrp = root.putArray("vrrp");
        for (var v : s.vrrp()) {
            ObjectNode o = vrrp.addObject();
            o.put("name", v.name());
            o.put("state", v.state().name());
            o.put("priority", v.priority());
            o.put("effective_priority", v.effectivePriority());
            ArrayNode vips = o.putArray("vips");
            v.vips().forEach(vips::add);
            if (v.masterSince().isPresent()) o.put("master_since", v.masterSince().get().toString());
            else o.putNull("master_since");
            ObjectNode drops = o.putObject("adverts_dropped");
            v.drops().forEach(drops::put);
        }
        ArrayNode vss = root.putArray("virtual_servers");
        for (var vs : s.virtualServers()) {
            ObjectNode o = vss.addObject();
            o.put("address", vs.address());
            o.put("port", vs.port());
            o.put("endpoint", vs.endpoint());
            o.put("protocol", vs.protocol());
            o.put("scheduler", vs.scheduler());
            o.put("active_connections", vs.activeConnections());
            o.put("inactive_connections", vs.inactiveConnections());
            o.put("total_connections", vs.totalConnections());
            o.put("bytes_in", vs.bytesIn());
            o.put("bytes_out", vs.bytesOut());
            o.put("quorum_up", vs.quorumUp());
            o.put("engine", vs.engine());
            o.put("engine_reason", vs.engineReason());
            ArrayNode rss = o.putArray("real_servers");
            for (var rs : vs.realServers()) {
                ObjectNode r = rss.addObject();
                r.put("address", rs.address());
                r.put("port", rs.port());
                r.put("endpoint", rs.endpoint());
                r.put("forwarding", rs.forwarding().name());
                r.put("weight", rs.weight());
                r.put("effective_weight", rs.effectiveWeight());
                r.put("healthy", rs.healthy());
                r.put("state", rs.state().name());
                if (rs.reason().isPresent()) r.put("reason", rs.reason().get());
                else r.putNull("reason");
                ArrayNode services = r.putArray("services");
                for (var svc : rs.services()) {
                    ObjectNode x = services.addObject();
                    x.put("name", svc.name());
                    x.put("status", svc.status());
                    x.put("detail", svc.detail());
                }
                r.put("active_connections", rs.activeConnections());
                r.put("inactive_connections", rs.inactiveConnections());
                r.put("total_connections", rs.totalConnections());
                r.put("bytes_in", rs.bytesIn());
                r.put("bytes_out", rs.bytesOut());
            }
        }
        return root;
    }

    private static void sync(ObjectNode o, StatusSnapshot.Sync y) {
        o.put("interface", y.interfaceName());
        o.put("mode", y.mode());
        o.put("destination", y.destination());
        putOrNull(o, "instance", y.instance());
        o.put("running", y.running());
        if (y.pid().isPresent()) o.put("conntrackd_pid", y.pid().get());
        else o.putNull("conntrackd_pid");
        o.put("conntrackd_restarts", y.restarts());
        o.put("losses", y.losses());
        putOrNull(o, "lost_since", y.lostSince().map(Instant::toString));
        o.put("peer_seen", y.peerSeen());
        putOrNull(o, "peer_last_seen", y.peerLastSeen().map(Instant::toString));
        if (y.link().isPresent()) {
            var l = y.link().get();
            ObjectNode n = o.putObject("link");
            n.put("read_at", l.readAt().toString());
            n.put("internal_entries", l.internalEntries());
            n.put("external_entries", l.externalEntries());
            n.put("bytes_sent", l.bytesSent());
            n.put("bytes_received", l.bytesReceived());
            n.put("packets_sent", l.packetsSent());
            n.put("packets_received", l.packetsReceived());
            n.put("send_errors", l.sendErrors());
            n.put("receive_errors", l.receiveErrors());
            n.put("lost_messages", l.lostMessages());
            n.put("malformed_messages", l.malformedMessages());
        } else {
            o.putNull("link");
        }
        o.put("commits", y.commits());
        o.put("unfinished_commits", y.unfinishedCommits());
        if (y.lastCommit().isPresent()) {
            var c = y.lastCommit().get();
            ObjectNode n = o.putObject("last_commit");
            n.put("at", c.at().toString());
            n.put("finished", c.finished());
            n.put("entries", c.entries());
            n.put("took_millis", c.took().toNanos() / 1e6);
        } else {
            o.putNull("last_commit");
        }
        o.put("resyncs_requested", y.resyncsRequested());
        o.put("bulk_sends", y.bulkSends());
        if (y.lastHold().isPresent()) {
            var h = y.lastHold().get();
            ObjectNode n = o.putObject("last_fail_back_hold");
            n.put("at", h.at().toString());
            n.put("held_millis", h.held().toMillis());
            n.put("entries", h.entries());
            n.put("complete", h.complete());
        } else {
            o.putNull("last_fail_back_hold");
        }
    }

    private static void putOrNull(ObjectNode o, String field, Optional<String> value) {
        if (value.isPresent()) o.put(field, value.get());
        else o.putNull(field);
    }

    /** Compact: the dashboard fetches it every second. */
    public static byte[] write(StatusSnapshot s, Instant time) {
        return Json.bytes(toJson(s, time));
    }

    /**
     * Reads a status document back ({@code vigil status}). Unknown fields are ignored so a newer daemon
     * can add some; missing required ones fail with a message naming them.
     *
     * @throws IllegalArgumentException if the text is not a status document
     */
    public static StatusSnapshot read(String json) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException("not a status document");
        try {
            return snapshot(root);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("bad time in status document: " + e.getParsedString());
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("status document lacks a required value");
        }
    }

    private static StatusSnapshot snapshot(JsonNode root) {
        JsonNode n = required(root, "node");
        var node = new StatusSnapshot.Node(text(n, "router_id"), text(n, "version"),
                Duration.ofSeconds(n.path("uptime_seconds").asLong()));
        List<StatusSnapshot.VrrpInstance> vrrp = new ArrayList<>();
        for (JsonNode v : root.path("vrrp")) {
            List<String> vips = new ArrayList<>();
            v.path("vips").forEach(x -> vips.add(x.asText()));
            JsonNode since = v.path("master_since");
            Map<String, Long> drops = new TreeMap<>();
            v.path("adverts_dropped").properties().forEach(e -> drops.put(e.getKey(), e.getValue().asLong()));
            vrrp.add(new StatusSnapshot.VrrpInstance(text(v, "name"), enumValue(VrrpState.class, text(v, "state")),
                    v.path("priority").asInt(), v.path("effective_priority").asInt(), vips,
                    since.isTextual() ? Optional.of(Instant.parse(since.asText())) : Optional.empty(), drops));
        }
        List<StatusSnapshot.VirtualServer> vss = new ArrayList<>();
        for (JsonNode vs : root.path("virtual_servers")) {
            List<StatusSnapshot.RealServer> rss = new ArrayList<>();
            for (JsonNode r : vs.path("real_servers")) {
                List<StatusSnapshot.Service> services = new ArrayList<>();
                for (JsonNode x : r.path("services")) {
                    services.add(new StatusSnapshot.Service(text(x, "name"), text(x, "status"), x.path("detail").asText("")));
                }
                JsonNode reason = r.path("reason");
                rss.add(new StatusSnapshot.RealServer(text(r, "address"), r.path("port").asInt(),
                        enumValue(ForwardingMethod.class, r.path("forwarding").asText("NAT")),
                        r.path("weight").asInt(), r.path("effective_weight").asInt(), r.path("healthy").asBoolean(),
                        enumValue(RealServerState.class, text(r, "state")),
                        reason.isTextual() ? Optional.of(reason.asText()) : Optional.empty(), services,
                        r.path("active_connections").asLong(), r.path("inactive_connections").asLong(),
                        r.path("total_connections").asLong(), r.path("bytes_in").asLong(), r.path("bytes_out").asLong()));
            }
            vss.add(new StatusSnapshot.VirtualServer(text(vs, "address"), vs.path("port").asInt(), text(vs, "protocol"),
                    text(vs, "scheduler"), vs.path("active_connections").asLong(),
                    vs.path("inactive_connections").asLong(), vs.path("total_connections").asLong(),
                    vs.path("bytes_in").asLong(), vs.path("bytes_out").asLong(), vs.path("quorum_up").asBoolean(), rss,
                    vs.path("engine").asText("proxy"), vs.path("engine_reason").asText("")));
        }
        return new StatusSnapshot(node, vrrp, vss, proxy(root.path("proxy")), sync(root.path("sync")));
    }

    /** Absent or null when the node runs no connection sync (or predates it). */
    private static Optional<StatusSnapshot.Sync> sync(JsonNode y) {
        if (!y.isObject()) return Optional.empty();
        JsonNode l = y.path("link");
        Optional<StatusSnapshot.SyncLink> link = l.isObject()
                ? Optional.of(new StatusSnapshot.SyncLink(Instant.parse(text(l, "read_at")),
                l.path("internal_entries").asLong(), l.path("external_entries").asLong(), l.path("bytes_sent").asLong(),
                l.path("bytes_received").asLong(), l.path("packets_sent").asLong(), l.path("packets_received").asLong(),
                l.path("send_errors").asLong(), l.path("receive_errors").asLong(), l.path("lost_messages").asLong(),
                l.path("malformed_messages").asLong()))
                : Optional.empty();
        JsonNode c = y.path("last_commit");
        Optional<StatusSnapshot.SyncCommit> commit = c.isObject()
                ? Optional.of(new StatusSnapshot.SyncCommit(Instant.parse(text(c, "at")), c.path("finished").asBoolean(),
                c.path("entries").asLong(), Duration.ofNanos(Math.round(c.path("took_millis").asDouble() * 1e6))))
                : Optional.empty();
        JsonNode h = y.path("last_fail_back_hold");
        Optional<StatusSnapshot.SyncHold> hold = h.isObject()
                ? Optional.of(new StatusSnapshot.SyncHold(Instant.parse(text(h, "at")),
                Duration.ofMillis(h.path("held_millis").asLong()), h.path("entries").asLong(), h.path("complete").asBoolean()))
                : Optional.empty();
        JsonNode pid = y.path("conntrackd_pid");
        return Optional.of(new StatusSnapshot.Sync(text(y, "interface"), text(y, "mode"), text(y, "destination"),
                optionalText(y, "instance"), y.path("running").asBoolean(),
                pid.isNumber() ? Optional.of(pid.asLong()) : Optional.empty(), y.path("conntrackd_restarts").asLong(),
                y.path("losses").asLong(), optionalText(y, "lost_since").map(Instant::parse),
                y.path("peer_seen").asBoolean(), optionalText(y, "peer_last_seen").map(Instant::parse), link,
                y.path("commits").asLong(), y.path("unfinished_commits").asLong(), commit,
                y.path("resyncs_requested").asLong(), y.path("bulk_sends").asLong(), hold));
    }

    private static Optional<String> optionalText(JsonNode parent, String field) {
        JsonNode v = parent.path(field);
        return v.isTextual() ? Optional.of(v.asText()) : Optional.empty();
    }

    /** Absent or null when the daemon has no proxy engine or predates these counters. */
    private static Optional<StatusSnapshot.Proxy> proxy(JsonNode p) {
        if (!p.isObject()) return Optional.empty();
        return Optional.of(new StatusSnapshot.Proxy(p.path("accepted").asLong(), p.path("open_connections").asLong(),
                p.path("no_real_server").asLong(), p.path("connect_failures").asLong(), p.path("retries").asLong(),
                p.path("resets_passed").asLong(), p.path("idle_timeouts").asLong(), p.path("bind_failures").asLong(),
                p.path("accept_failures").asLong(), p.path("refused_maxconn").asLong(),
                p.path("refused_per_source").asLong(), p.path("half_close_timeouts").asLong(),
                p.path("guard_drops").asLong()));
    }

    /** The same document indented for people ({@code vigil status --json}); unparseable text is returned as is. */
    public static String pretty(String json) {
        try {
            return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(Json.mapper().readTree(json));
        } catch (JsonProcessingException e) {
            return json;
        }
    }

    private static JsonNode required(JsonNode parent, String field) {
        JsonNode v = parent.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException("status document lacks '" + field + "'");
        return v;
    }

    private static String text(JsonNode parent, String field) {
        return required(parent, field).asText();
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String name) {
        try {
            return Enum.valueOf(type, name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown " + type.getSimpleName() + " '" + name + "'");
        }
    }
}
