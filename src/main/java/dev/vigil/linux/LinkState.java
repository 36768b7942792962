package dev.vigil.linux;

import java.util.HexFormat;

/**
 * An interface's state from an RTM_NEWLINK message: what {@code track_interface} watches.
 *
 * @param up       IFF_UP: administratively up ({@code ip link set up})
 * @param running  IFF_RUNNING: up and the carrier is present (operationally up)
 * @param mac      hardware address, empty when the link has none
 */
@SuppressWarnings("ArrayRecordComponent") // equals, hashCode and toString below compare and print the array by content
public record LinkState(int index, String name, boolean up, boolean running, byte[] mac) {
    public LinkState {
        mac = mac.clone();
    }

    @Override
    public byte[] mac() {
        return mac.clone();
    }

    /** Up and running: the test keepalived applies to tracked interfaces. */
    public boolean usable() {
        return up && running;
    }

    public String macString() {
        return HexFormat.ofDelimiter(":").formatHex(mac);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LinkState other && index == other.index && name.equals(other.name) && up == other.up
                && running == other.running && java.util.Arrays.equals(mac, other.mac);
    }

    @Override
    public int hashCode() {
        return index * 31 + name.hashCode();
    }

    @Override
    public String toString() {
        return name + "(#" + index + (up ? " UP" : " DOWN") + (running ? " RUNNING" : "") + " " + macString() + ")";
    }
}
