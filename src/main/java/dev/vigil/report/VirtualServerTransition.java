package dev.vigil.report;

import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;

import java.time.Instant;
import java.util.Objects;

/** A virtual server gained or lost its quorum of healthy real servers. */
public record VirtualServerTransition(VirtualServer.Key virtualServer, Protocol protocol, boolean up, Instant time) {
    public VirtualServerTransition {
        Objects.requireNonNull(virtualServer, "virtualServer");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(time, "time");
    }
}
