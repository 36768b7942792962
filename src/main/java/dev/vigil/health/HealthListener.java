package dev.vigil.health;

/**
 * Receives a real server's health whenever it changes: up/down, weight, state (maintenance) or the set of
 * failing Exchange services; also once per real server at start. Called on a checker's thread: return
 * quickly and do not throw.
 */
@FunctionalInterface
public interface HealthListener {
    void onTransition(RealServerHealth event);
}
