package dev.vigil.forward;

import dev.vigil.balance.VirtualService;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel engine's connections at one moment, counted from conntrack as IPVS counts them: per virtual
 * service (the object {@link ForwardingEngine#apply} was given), per real server (and sorry server) address,
 * how many are active (TCP ESTABLISHED) and inactive (TCP in any other state, and every UDP flow). A
 * server without connections is absent. For a consumer that reconciles its own counters with the kernel's
 * table (an in-kernel least-connection selector): {@link KernelEngine#addCountsListener}.
 */
public record KernelConnectionCounts(Map<VirtualService, Map<InetSocketAddress, Counts>> services) {
    public KernelConnectionCounts {
        Map<VirtualService, Map<InetSocketAddress, Counts>> copy = new HashMap<>();
        services.forEach((service, servers) -> copy.put(service, Map.copyOf(servers)));
        services = Map.copyOf(copy);
    }

    /** One real server's connections. */
    public record Counts(int active, int inactive) {
        /** IPVS's total, as thresholds and least-connection count it. */
        public int connections() {
            return active + inactive;
        }
    }

    /** The counts of {@code service}'s real servers; empty when it has no connection. */
    public Map<InetSocketAddress, Counts> of(VirtualService service) {
        return services.getOrDefault(service, Map.of());
    }

    /** Hears of the counts after each resynchronisation with the kernel's table (every few seconds). */
    @FunctionalInterface
    public interface Listener {
        /** Runs on the engine's conntrack thread: return quickly. */
        void reconciled(KernelConnectionCounts counts);
    }
}
