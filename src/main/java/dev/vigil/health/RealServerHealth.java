package dev.vigil.health;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;

import java.time.Instant;
import java.util.Map;

/**
 * A real server's health in one virtual server, as published on every transition and in snapshots.
 * {@code weight} is what the scheduler should use (0 when down); {@code inTable} says whether a down
 * server stays in the virtual server's table with weight 0 ({@code inhibit_on_failure}) or is removed.
 * {@code reason} is the last failure's text ("rpc: HTTP 503", "connect refused by ...") or "ok";
 * {@code services} the Exchange services' statuses, empty without an EXCHANGE_CHECK.
 */
public record RealServerHealth(VirtualServer.Key virtualServer, RealServer realServer, boolean alive, int weight,
                               boolean inTable, HealthState state, String reason,
                               Map<ExchangeService, ServiceStatus> services, Instant at) {

    public RealServerHealth {
        services = Map.copyOf(services);
    }

    /** {@code 192.0.2.1:443}. */
    public String endpoint() {
        return realServer.endpoint();
    }
}
