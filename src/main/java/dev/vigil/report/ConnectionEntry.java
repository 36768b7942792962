package dev.vigil.report;

import java.time.Duration;
import java.util.Optional;

/**
 * One connection a forwarding engine holds, as {@code vigil status -c} and
 * {@code GET /api/v1/connections} show it (the report's mirror of the engine's own record).
 *
 * @param client     {@code IP:PORT} of the client
 * @param virtual    {@code IP:PORT} the client connected to
 * @param realServer {@code IP:PORT} it is forwarded to; empty while none is chosen
 * @param state      {@code CONNECTING}, {@code ESTABLISHED} or {@code CLOSING}
 * @param idle       time since bytes last moved
 */
public record ConnectionEntry(String protocol, String client, String virtual, Optional<String> realServer,
                              String state, Duration idle) {

    /** {@code 10.0.0.1:443}, or {@code [2001:db8::1]:443}. */
    public static String endpoint(java.net.InetSocketAddress address) {
        return StatusSnapshot.endpoint(address.getAddress(), address.getPort());
    }
}
