package dev.vigil.vrrp;

import dev.vigil.config.VirtualIp;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Optional;

/**
 * The network as a VRRP runtime sees it: advert channels, virtual addresses, gratuitous ARP/NA and
 * link state. {@link LinuxVrrpNetwork} is the real one; tests may fake it. Every method may be
 * called from the node's driver thread; {@link Channel#receive} from one receive thread per channel.
 */
public interface VrrpNetwork extends AutoCloseable {

    /** One instance's advert socket(s): multicast to 224.0.0.18/ff02::12, or unicast from {@code unicast_src_ip}. */
    interface Channel extends AutoCloseable {
        void send(byte[] vrrpMessage, InetAddress source, InetAddress destination) throws IOException;

        /** Waits up to {@code timeoutMillis}; empty on timeout or once closed. */
        Optional<ReceivedPacket> receive(int timeoutMillis) throws IOException;

        @Override
        void close();
    }

    /** Opens the channel for an instance: multicast if it has no unicast peers, else bound to its unicast source. */
    Channel open(VrrpParameters instance) throws IOException;

    /**
     * The address adverts go out from, which also breaks priority ties: the primary IPv4 address of the
     * interface, or its IPv6 link-local address.
     */
    InetAddress primaryAddress(String interfaceName, boolean ipv6) throws IOException;

    /** Adds the address (on {@code dev} if the VIP names one, else on {@code interfaceName}); present is fine. */
    void addVirtualIp(String interfaceName, VirtualIp vip) throws IOException;

    /** Removes the address; absent is fine. */
    void removeVirtualIp(String interfaceName, VirtualIp vip) throws IOException;

    /** One gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) for the VIP. */
    void sendGratuitousArp(String interfaceName, VirtualIp vip) throws IOException;

    /** Every address now on the interface (to notice a VIP deleted by someone else). */
    java.util.Set<InetAddress> addresses(String interfaceName) throws IOException;

    /** Up and running (carrier present): what {@code track_interface} watches. */
    boolean linkUsable(String interfaceName) throws IOException;

    /**
     * Whether {@code instance} may preempt a live lower-priority master now ({@link VrrpActions#readyToPreempt});
     * must answer at once (no I/O): it is asked on the instance's thread.
     */
    default boolean readyToPreempt(String instance) {
        return true;
    }

    /** Releases what the network holds (netlink sockets); channels are closed by their owners. */
    @Override
    default void close() {}
}
