package dev.vigil.health;

import dev.vigil.config.VirtualServer;

import java.time.Instant;

/**
 * A virtual server gaining or losing its quorum: {@code liveWeight} is the total weight of its live real
 * servers. Without quorum the balancer serves from the {@code sorry_server}, if one is set.
 */
public record VirtualServerQuorum(VirtualServer.Key virtualServer, boolean up, long liveWeight, int quorum,
                                  int hysteresis, Instant at) {}
