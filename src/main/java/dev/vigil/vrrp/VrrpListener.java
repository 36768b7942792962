package dev.vigil.vrrp;

/**
 * Told about state changes, for notify scripts ({@code notify_master} ..., generic {@code notify} with
 * {@code INSTANCE|GROUP name STATE priority}), notify FIFOs and mail. Called on the node's notification
 * thread in order, never on the state machine's thread; a slow listener delays later notifications,
 * never a failover, but should still hand long work off.
 */
public interface VrrpListener {

    /** An instance changed state; {@code priority} is its effective priority now. */
    void onStateChange(String instanceName, VrrpState oldState, VrrpState newState, int priority);

    /** A sync group as a whole changed state. */
    default void onSyncGroupStateChange(String groupName, VrrpState oldState, VrrpState newState) {}

    VrrpListener NONE = (instance, from, to, priority) -> {};
}
