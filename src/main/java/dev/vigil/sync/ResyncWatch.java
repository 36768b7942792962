package dev.vigil.sync;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether a node that asked its peer for a resync ({@code conntrackd -n}) holds the peer's connections yet: the
 * peer answers with its whole table at once, so once sync packets have come since the request and the external
 * cache has stopped growing for {@link #QUIET}, it is all here. A fail-back waits for this, at most
 * {@link #BOUND} after the request (a peer that never answers, a lost request). Pure: time comes in as nanoseconds.
 */
final class ResyncWatch {
    static final Duration QUIET = Duration.ofMillis(300);
    static final Duration BOUND = Duration.ofSeconds(5);

    private final long askedAt;
    private final long packetsAtAsk;
    private long entries = -1, entriesSince;
    private boolean answered;
    private long heldSince = -1;

    /** @param before the stats just before the request; empty when they could not be read */
    ResyncWatch(long askedAt, Optional<ConntrackdStats> before) {
        this.askedAt = askedAt;
        this.packetsAtAsk = before.map(ConntrackdStats::packetsReceived).orElse(Long.MAX_VALUE);
    }

    /** A reading of {@code conntrackd -s} at {@code now}. */
    void sample(long now, ConntrackdStats stats) {
        if (stats.packetsReceived() > packetsAtAsk) answered = true;
        if (stats.externalEntries() != entries) {
            entries = stats.externalEntries();
            entriesSince = now;
        }
    }

    /** Whether the peer's table is here, or the bound has passed. */
    boolean ready(long now) {
        return complete(now) || now - askedAt >= BOUND.toNanos();
    }

    /** Ready because the table came, not because the bound passed. */
    boolean complete(long now) {
        return answered && entries >= 0 && now - entriesSince >= QUIET.toNanos();
    }

    /** A preemption asked at {@code now} and was told to wait; the first such time is when the hold began. */
    void held(long now) {
        if (heldSince < 0) heldSince = now;
    }

    /** How long a preemption waited, if one did. */
    Optional<Duration> hold(long now) {
        return heldSince < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(now - heldSince));
    }

    /** The external cache's entries at the last reading (-1 before the first). */
    long entries() {
        return entries;
    }
}
