package dev.vigil.forward;

import java.util.concurrent.atomic.LongAdder;

/**
 * The proxy engine's own error and event counters, next to the per-real-server counters the
 * {@link dev.vigil.balance.VirtualService} keeps.
 */
public final class ForwardCounters {
    final LongAdder accepted = new LongAdder();
    final LongAdder noRealServer = new LongAdder();
    final LongAdder connectFailures = new LongAdder();
    final LongAdder retries = new LongAdder();
    final LongAdder resetsPassed = new LongAdder();
    final LongAdder idleTimeouts = new LongAdder();
    final LongAdder bindFailures = new LongAdder();
    final LongAdder acceptFailures = new LongAdder();
    final LongAdder open = new LongAdder();

    /** The counters at one moment. {@code openConnections} counts client connections not yet closed. */
    public record Snapshot(long accepted, long openConnections, long noRealServer, long connectFailures,
                           long retries, long resetsPassed, long idleTimeouts, long bindFailures, long acceptFailures) {}

    public Snapshot snapshot() {
        return new Snapshot(accepted.sum(), open.sum(), noRealServer.sum(), connectFailures.sum(), retries.sum(),
                resetsPassed.sum(), idleTimeouts.sum(), bindFailures.sum(), acceptFailures.sum());
    }
}
