package dev.vigil.balance;

import java.net.InetSocketAddress;
import java.util.Set;

/**
 * One real server as the data path sees it at one moment: an immutable value inside a published
 * {@link ServerTable}. Changes (health, drain, reload) publish a new value sharing the same
 * {@link RealServerCounters}.
 *
 * @param configuredWeight the weight written in the configuration
 * @param healthWeight     the weight the health part last reported (dynamic checks may change it)
 * @param alive            false when the health part took the server out (keepalived removes it from IPVS)
 * @param drained          set by an administrator: quiesced like weight 0, existing connections continue
 * @param lastWeight       the latest weight above 0 it had (its first one when it never had one): IPVS's
 *                         {@code last_weight}, which its mh builds the Maglev table with, so a quiesced server
 *                         keeps its slots
 */
public record RealServerState(InetSocketAddress address, int configuredWeight, int healthWeight, boolean alive,
                              boolean drained, RealServerCounters counters, int lastWeight) {

    /** A server as configured: its last weight is its weight. */
    RealServerState(InetSocketAddress address, int configuredWeight, int healthWeight, boolean alive, boolean drained,
                    RealServerCounters counters) {
        this(address, configuredWeight, healthWeight, alive, drained, counters, healthWeight);
    }

    /** The weight schedulers use: IPVS's weight, where 0 means quiesced. */
    public int weight() {
        return drained || !alive ? 0 : healthWeight;
    }

    /** Whether a scheduler may give it a new connection (IPVS: weight above 0 and not overloaded). */
    public boolean acceptsNew() {
        return alive && !drained && healthWeight > 0 && !counters.overloaded();
    }

    boolean acceptsNew(Set<InetSocketAddress> excluded) {
        return acceptsNew() && (excluded.isEmpty() || !excluded.contains(address));
    }

    RealServerState withHealth(boolean alive, int weight) {
        return new RealServerState(address, configuredWeight, weight, alive, drained, counters,
                weight > 0 ? weight : lastWeight);
    }

    RealServerState withDrained(boolean drained) {
        return new RealServerState(address, configuredWeight, healthWeight, alive, drained, counters, lastWeight);
    }
}
