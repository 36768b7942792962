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
    final LongAdder refusedMaxconn = new LongAdder();
    final LongAdder refusedPerSource = new LongAdder();
    final LongAdder halfCloseTimeouts = new LongAdder();

    /**
     * The counters at one moment. {@code openConnections} counts client connections not yet closed;
     * {@code accepted} counts every client taken from a listening socket, those refused at once included
     * ({@code noRealServer}, {@code refusedMaxconn} over {@code proxy_maxconn} of the node or the virtual
     * server, {@code refusedPerSource} over {@code proxy_maxconn_per_source}); {@code halfCloseTimeouts}
     * are connections closed by {@code proxy_half_close_timeout}. {@code guardDrops} is the kernel engine's:
     * packets that would have opened a connection to a VIP without being a SYN, dropped before NAT.
     */
    public record Snapshot(long accepted, long openConnections, long noRealServer, long connectFailures,
                           long retries, long resetsPassed, long idleTimeouts, long bindFailures, long acceptFailures,
                           long refusedMaxconn, long refusedPerSource, long halfCloseTimeouts, long guardDrops) {
        public static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

        /** Both engines' counters added up, for a node that runs both. */
        public Snapshot plus(Snapshot o) {
            return new Snapshot(accepted + o.accepted, openConnections + o.openConnections,
                    noRealServer + o.noRealServer, connectFailures + o.connectFailures, retries + o.retries,
                    resetsPassed + o.resetsPassed, idleTimeouts + o.idleTimeouts, bindFailures + o.bindFailures,
                    acceptFailures + o.acceptFailures, refusedMaxconn + o.refusedMaxconn,
                    refusedPerSource + o.refusedPerSource, halfCloseTimeouts + o.halfCloseTimeouts,
                    guardDrops + o.guardDrops);
        }
    }

    public Snapshot snapshot() {
        return new Snapshot(accepted.sum(), open.sum(), noRealServer.sum(), connectFailures.sum(), retries.sum(),
                resetsPassed.sum(), idleTimeouts.sum(), bindFailures.sum(), acceptFailures.sum(), refusedMaxconn.sum(),
                refusedPerSource.sum(), halfCloseTimeouts.sum(), 0);
    }
}
