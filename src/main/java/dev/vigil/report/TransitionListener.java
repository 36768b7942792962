package dev.vigil.report;

/**
 * Receives state changes as they happen. Implementations return at once (they queue); the daemon calls
 * them from VRRP and health threads that must never wait on mail, a FIFO reader or a scrape.
 */
public interface TransitionListener {
    default void vrrpTransition(VrrpTransition transition) {}

    default void realServerTransition(RealServerTransition transition) {}

    default void virtualServerTransition(VirtualServerTransition transition) {}

    default void syncTransition(SyncTransition transition) {}
}
