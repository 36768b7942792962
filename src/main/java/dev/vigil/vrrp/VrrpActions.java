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

    /** The state changed; {@code reason} is for the log. */
    void stateChanged(VrrpState from, VrrpState to, String reason);
}
