package dev.vigil.health;

import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;

import java.time.Duration;

/** Told how long every check took (for a latency histogram); {@code kind} is the checker keyword. */
@FunctionalInterface
public interface CheckLatencyObserver {
    CheckLatencyObserver NONE = (vs, rs, kind, latency, ok) -> { };

    void observe(VirtualServer.Key virtualServer, RealServer realServer, String kind, Duration latency, boolean ok);
}
