package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;
import org.jspecify.annotations.Nullable;

import java.util.Set;

/**
 * One of IPVS's scheduling algorithms. An instance lives as long as its virtual service keeps the
 * same {@code lb_algo} and flags, so its own state (round-robin position, locality tables) survives
 * health changes. {@link #select} runs on many event loops at once: implementations are lock-free.
 */
abstract class ConnectionScheduler {

    static ConnectionScheduler of(Scheduler algorithm, Set<SchedulerFlag> flags) {
        return switch (algorithm) {
            case RR -> new RoundRobinScheduler();
            case WRR -> new WeightedRoundRobinScheduler();
            case LC -> new LeastConnectionScheduler(false);
            case WLC -> new LeastConnectionScheduler(true);
            case SED -> new ShortestExpectedDelayScheduler(false);
            case NQ -> new ShortestExpectedDelayScheduler(true);
            case SH -> new SourceHashingScheduler(flags.contains(SchedulerFlag.SH_PORT),
                    flags.contains(SchedulerFlag.SH_FALLBACK));
            case DH -> new DestinationHashingScheduler();
            case MH -> new MaglevHashingScheduler(flags.contains(SchedulerFlag.MH_PORT),
                    flags.contains(SchedulerFlag.MH_FALLBACK));
            case LBLC -> new LocalityBasedScheduler();
            case LBLCR -> new LocalityBasedReplicationScheduler();
            case FO -> new WeightedFailoverScheduler();
            case OVF -> new OverflowScheduler();
            case TWOS -> new TwoChoiceScheduler();
        };
    }

    /** Precomputes what {@link #select} needs for exactly these servers; called on every table publish. */
    @Nullable Object prepare(RealServerState[] servers) {
        return null;
    }

    /** The real server for a new connection, or null when none can take it. */
    abstract @Nullable RealServerState select(ServerTable table, SchedulingRequest request);

    /**
     * IPVS's weighted least-connection choice over all servers that accept new connections:
     * the least {@code overhead / weight}, first wins ties. Shared by wlc, lblc and lblcr.
     */
    static @Nullable RealServerState weightedLeastConnection(RealServerState[] servers, SchedulingRequest request) {
        RealServerState least = null;
        long leastOverhead = 0;
        for (RealServerState s : servers) {
            if (!s.acceptsNew(request.excluded())) continue;
            long overhead = s.counters().overhead();
            if (least == null || leastOverhead * s.weight() > overhead * least.weight()) {
                least = s;
                leastOverhead = overhead;
            }
        }
        return least;
    }

    /**
     * IPVS's lblc/lblcr test: a server is overloaded when its active connections exceed its weight
     * while some other server has fewer than half its weight in use.
     */
    static boolean overloadedForLocality(RealServerState server, RealServerState[] servers) {
        if (server.counters().active() <= server.weight()) return false;
        for (RealServerState s : servers) {
            if (s.counters().active() * 2 < s.weight()) return true;
        }
        return false;
    }
}
