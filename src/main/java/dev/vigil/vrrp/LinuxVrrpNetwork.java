package dev.vigil.vrrp;

import dev.vigil.config.VirtualIp;
import dev.vigil.linux.GratuitousArp;
import dev.vigil.linux.InterfaceAddress;
import dev.vigil.linux.NativeException;
import dev.vigil.linux.Netlink;
import dev.vigil.linux.NetworkInterfaces;
import dev.vigil.linux.NetworkNamespace;
import dev.vigil.linux.UnsolicitedNeighborAdvert;
import dev.vigil.linux.VrrpSocket;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link VrrpNetwork} on Linux through package {@code dev.vigil.linux} (FFM): raw protocol-112 sockets,
 * rtnetlink for VIPs and link state, AF_PACKET for gratuitous ARP / unsolicited NA. Optionally bound to
 * a named network namespace: every socket is opened there (and stays there), so several nodes can run
 * in one JVM in tests.
 */
public final class LinuxVrrpNetwork implements VrrpNetwork, AutoCloseable {

    private final Optional<String> namespace;
    private final Netlink netlink;
    private final Map<String, Integer> indexes = new ConcurrentHashMap<>();
    private final Map<String, GratuitousArp> arps = new ConcurrentHashMap<>();
    private final Map<String, UnsolicitedNeighborAdvert> neighborAdverts = new ConcurrentHashMap<>();

    private LinuxVrrpNetwork(Optional<String> namespace) throws IOException {
        this.namespace = namespace;
        this.netlink = inNamespace(Netlink::open);
    }

    /** In the process's own network namespace. */
    public static LinuxVrrpNetwork open() throws IOException {
        return new LinuxVrrpNetwork(Optional.empty());
    }

    /** In the named namespace ({@code /run/netns/NAME}). */
    public static LinuxVrrpNetwork inNamespace(String name) throws IOException {
        return new LinuxVrrpNetwork(Optional.of(name));
    }

    @Override
    public Channel open(VrrpParameters instance) throws IOException {
        VrrpSocket socket;
        if (instance.multicast()) {
            socket = inNamespace(() -> VrrpSocket.multicast(instance.interfaceName(),
                    instance.ipv6() ? VrrpSocket.Family.IPV6 : VrrpSocket.Family.IPV4));
        } else {
            // keepalived's unicast_src_ip defaults to the interface's primary address
            InetAddress unicastSource = instance.unicastSrcIp()
                    .orElse(primaryAddress(instance.interfaceName(), instance.ipv6()));
            socket = inNamespace(() -> VrrpSocket.unicast(instance.interfaceName(), unicastSource, -1));
        }
        return new Channel() {
            @Override
            public void send(byte[] vrrpMessage, InetAddress source, InetAddress destination) throws IOException {
                socket.send(vrrpMessage, source, destination);
            }

            @Override
            public Optional<ReceivedPacket> receive(int timeoutMillis) throws IOException {
                return socket.receive(timeoutMillis).map(p ->
                        new ReceivedPacket(p.vrrpPayload(), p.source(), p.destination(), p.ttlOrHopLimit()));
            }

            @Override
            public void close() {
                socket.close();
            }
        };
    }

    @Override
    public InetAddress primaryAddress(String interfaceName, boolean ipv6) throws IOException {
        int index = index(interfaceName);
        for (InterfaceAddress a : netlink.listAddresses(index)) {
            if (!ipv6 && a.address() instanceof Inet4Address && !a.isSecondary()) return a.address();
            if (ipv6 && a.address() instanceof Inet6Address && a.address().isLinkLocalAddress() && !a.isTentative()) {
                return a.address();
            }
        }
        throw new NativeException((ipv6 ? "no usable IPv6 link-local address" : "no IPv4 address") + " on interface "
                + interfaceName + namespace.map(n -> " (namespace " + n + ")").orElse("") + ": VRRP adverts need one as their source");
    }

    @Override
    public void addVirtualIp(String interfaceName, VirtualIp vip) throws IOException {
        netlink.addAddress(toInterfaceAddress(interfaceName, vip));
    }

    @Override
    public void removeVirtualIp(String interfaceName, VirtualIp vip) throws IOException {
        netlink.removeAddress(toInterfaceAddress(interfaceName, vip));
    }

    private InterfaceAddress toInterfaceAddress(String interfaceName, VirtualIp vip) throws IOException {
        InterfaceAddress a = InterfaceAddress.of(index(vip.device().orElse(interfaceName)), vip.address(), vip.prefixLength());
        if (vip.broadcast().isPresent()) a = a.withBroadcast(vip.broadcast().get());
        if (vip.label().isPresent()) a = a.withLabel(vip.label().get());
        if (vip.scope().isPresent()) a = a.withScope(InterfaceAddress.scopeNamed(vip.scope().get()));
        return a;
    }

    @Override
    public void sendGratuitousArp(String interfaceName, VirtualIp vip) throws IOException {
        String device = vip.device().orElse(interfaceName);
        if (vip.address() instanceof Inet4Address v4) {
            GratuitousArp arp = arps.get(device);
            if (arp == null) {
                arp = inNamespace(() -> GratuitousArp.open(device));
                arps.put(device, arp);
            }
            arp.send(v4);
        } else {
            UnsolicitedNeighborAdvert na = neighborAdverts.get(device);
            if (na == null) {
                na = inNamespace(() -> UnsolicitedNeighborAdvert.open(device, false));
                neighborAdverts.put(device, na);
            }
            na.send((Inet6Address) vip.address());
        }
    }

    @Override
    public java.util.Set<InetAddress> addresses(String interfaceName) throws IOException {
        java.util.Set<InetAddress> result = new java.util.HashSet<>();
        for (InterfaceAddress a : netlink.listAddresses(index(interfaceName))) result.add(a.address());
        return result;
    }

    @Override
    public boolean linkUsable(String interfaceName) throws IOException {
        return netlink.link(index(interfaceName)).usable();
    }

    private int index(String interfaceName) throws IOException {
        Integer cached = indexes.get(interfaceName);
        if (cached != null) return cached;
        int index = inNamespace(() -> NetworkInterfaces.indexOf(interfaceName));
        indexes.put(interfaceName, index);
        return index;
    }

    private <T> T inNamespace(Callable<T> action) throws IOException {
        try {
            return namespace.isPresent() ? NetworkNamespace.call(namespace.get(), action) : action.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        arps.values().forEach(GratuitousArp::close);
        neighborAdverts.values().forEach(UnsolicitedNeighborAdvert::close);
        netlink.close();
    }
}
