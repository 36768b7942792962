package dev.vigil.report;

import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Objects;

/**
 * A real server went up, down or into maintenance. {@code reason} is the checker's words for a failure
 * (empty when it came up).
 */
public record RealServerTransition(VirtualServer.Key virtualServer, Protocol protocol, InetAddress address, int port,
                                   RealServerState state, String reason, Instant time) {
    public RealServerTransition {
        Objects.requireNonNull(virtualServer, "virtualServer");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
        reason = reason == null ? "" : reason;
        Objects.requireNonNull(time, "time");
    }

    /** {@code 10.0.0.11:443} or {@code [2001:db8::11]:443}. */
    public String realServerEndpoint() {
        return StatusSnapshot.endpoint(address, port);
    }
}
