package dev.vigil.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The document served at {@code /api/v1/connections}: {@code {"connections": [...]}}, and its reader. */
public final class ConnectionsJson {

    private ConnectionsJson() {}

    public static byte[] write(List<ConnectionEntry> connections) {
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("connections");
        for (ConnectionEntry c : connections) {
            ObjectNode o = list.addObject();
            o.put("protocol", c.protocol());
            o.put("client", c.client());
            o.put("virtual", c.virtual());
            if (c.realServer().isPresent()) o.put("real_server", c.realServer().get()); else o.putNull("real_server");
            o.put("state", c.state());
            o.put("idle_millis", c.idle().toMillis());
        }
        return Json.bytes(root);
    }

    /**
     * Reads a document that {@link #write} made.
     *
     * @throws IllegalArgumentException if the text is not a connections document
     */
    public static List<ConnectionEntry> read(String json) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.path("connections").isArray()) {
            throw new IllegalArgumentException("not a connections document");
        }
        List<ConnectionEntry> out = new ArrayList<>();
        for (JsonNode c : root.path("connections")) {
            JsonNode real = c.path("real_server");
            out.add(new ConnectionEntry(c.path("protocol").asText(), c.path("client").asText(),
                    c.path("virtual").asText(), real.isTextual() ? Optional.of(real.asText()) : Optional.empty(),
                    c.path("state").asText(), Duration.ofMillis(c.path("idle_millis").asLong())));
        }
        return out;
    }
}
