package dev.vigil.report;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The connection sync was lost (conntrackd died or cannot start: connections opened from then on do not survive
 * a failover) or is back. {@code losses} counts the losses since start, this one included; {@code down} is how
 * long a sync that is back was lost.
 */
public record SyncTransition(boolean lost, String reason, long losses, Optional<Duration> down, Instant time) {
    public SyncTransition {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(down, "down");
        Objects.requireNonNull(time, "time");
    }
}
