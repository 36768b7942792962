package dev.vigil.balance;

/**
 * Told when a virtual service gains or loses its quorum (keepalived's {@code quorum_up} and
 * {@code quorum_down}). Called on the thread that changed the service's health, drain or
 * configuration; keep it short.
 */
@FunctionalInterface
public interface QuorumListener {
    void quorumChanged(VirtualService service, boolean up);
}
