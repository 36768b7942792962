package dev.vigil.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.config.ForwardingMethod;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The JSON form of a {@link StatusSnapshot} ({@code GET /api/v1/status}), written and read by hand so the
 * field names (snake_case) are a stable contract and absent values are explicit nulls.
 */
public final class StatusJson {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private StatusJson() {}

    /** The document served at {@code /api/v1/status}; {@code time} lets clients compute rates from deltas. */
    public static ObjectNode toJson(StatusSnapshot s, Instant time) {
        ObjectNode root = MAPPER.createObjectNode();
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
        } else {
            root.putNull("proxy");
        }
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

    /** Compact: the dashboard fetches it every second. */
    public static byte[] write(StatusSnapshot s, Instant time) {
        try {
            return MAPPER.writeValueAsBytes(toJson(s, time));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write status JSON", e);
        }
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
            root = MAPPER.readTree(json);
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
            vrrp.add(new StatusSnapshot.VrrpInstance(text(v, "name"), enumValue(VrrpState.class, text(v, "state")),
                    v.path("priority").asInt(), v.path("effective_priority").asInt(), vips,
                    since.isTextual() ? Optional.of(Instant.parse(since.asText())) : Optional.empty()));
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
                    vs.path("bytes_in").asLong(), vs.path("bytes_out").asLong(), vs.path("quorum_up").asBoolean(), rss));
        }
        return new StatusSnapshot(node, vrrp, vss, proxy(root.path("proxy")));
    }

    /** Absent or null when the daemon has no proxy engine or predates these counters. */
    private static Optional<StatusSnapshot.Proxy> proxy(JsonNode p) {
        if (!p.isObject()) return Optional.empty();
        return Optional.of(new StatusSnapshot.Proxy(p.path("accepted").asLong(), p.path("open_connections").asLong(),
                p.path("no_real_server").asLong(), p.path("connect_failures").asLong(), p.path("retries").asLong(),
                p.path("resets_passed").asLong(), p.path("idle_timeouts").asLong(), p.path("bind_failures").asLong(),
                p.path("accept_failures").asLong()));
    }

    /** The same document indented for people ({@code vigil status --json}); unparseable text is returned as is. */
    public static String pretty(String json) {
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(MAPPER.readTree(json));
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
