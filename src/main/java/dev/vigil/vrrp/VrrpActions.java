package dev.vigil.vrrp;

/**
 * What a {@link VrrpStateMachine} asks the world to do. Called on the state machine's own thread;
 * implementations must not block for long (hand slow work such as notify scripts to an executor).
 */
public interface VrrpActions {

    /** Send one advertisement with this priority (0 = the master is leaving) to the group or every unicast peer. */
    void sendAdvertisement(int priority);

    /** Put the virtual IPs on their interfaces. */
    void addVirtualIps();

    /** Take the virtual IPs off (absent ones are fine). */
    void removeVirtualIps();

    /** Send {@code count} gratuitous ARPs (IPv4) / unsolicited neighbour advertisements (IPv6) per virtual IP. */
    void sendGratuitousArps(int count);

    /**
     * Whether this backup may take MASTER from a live lower-priority master now; asked again every 100 ms
     * (or advert interval) while it says no. Connection sync says no until the node holds the master's
     * connections (bounded by the sync), so a fail-back loses none. Never asked when the master is gone.
     */
    default boolean readyToPreempt() {
        return true;
    }

    /** The state changed; {@code reason} is for the log. */
    void stateChanged(VrrpState from, VrrpState to, String reason);
}
