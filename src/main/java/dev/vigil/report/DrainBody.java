package dev.vigil.report;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Optional;

/**
 * The body of {@code POST /api/v1/real-servers/drain} and {@code /enable}:
 * {@code {"real_server": "IP:PORT", "virtual_server": "IP:PORT"}}, the virtual server optional. Read apart
 * from the exchange so that every body a client can send is answered by a value, never an exception.
 */
sealed interface DrainBody {

    /** The most a body may hold; one byte more is refused with 413. */
    int MAX_BYTES = 64 * 1024;

    /** A real server, in one virtual server or (empty) in any. */
    record Request(Optional<ServerAddress> virtualServer, ServerAddress realServer) implements DrainBody {}

    /** A body refused with an HTTP status and a message for the client. */
    record Refused(int status, String message) implements DrainBody {}

    /** Reads {@code bytes}, of which there may be up to {@link #MAX_BYTES} + 1. */
    static DrainBody parse(byte[] bytes) {
        if (bytes.length > MAX_BYTES) return new Refused(413, "request body larger than " + MAX_BYTES + " bytes");
        JsonNode body;
        try {
            body = Json.mapper().readTree(bytes);
        } catch (JsonProcessingException e) {
            return new Refused(400, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return new Refused(400, "the body is not valid JSON: " + e.getMessage());
        }
        if (body == null || !body.isObject()) return new Refused(400, "the body must be a JSON object");
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!f.equals("virtual_server") && !f.equals("real_server")) {
                return new Refused(400, "unknown field '" + f + "'; expected real_server and optionally virtual_server");
            }
        }
        JsonNode r = body.get("real_server");
        if (r == null || !r.isTextual()) {
            return new Refused(400, "'real_server' is required, as a string like \"10.0.0.11:443\"");
        }
        try {
            ServerAddress rs = ServerAddress.parse(r.asText());
            JsonNode v = body.get("virtual_server");
            if (v == null || v.isNull()) return new Request(Optional.empty(), rs);
            if (!v.isTextual()) return new Refused(400, "'virtual_server' must be a string like \"10.0.0.1:443\" or absent");
            return new Request(Optional.of(ServerAddress.parse(v.asText())), rs);
        } catch (IllegalArgumentException e) {
            // ServerAddress.parse's way of saying what is wrong with an address
            return new Refused(400, Objects.requireNonNullElse(e.getMessage(), e.toString()));
        }
    }
}
