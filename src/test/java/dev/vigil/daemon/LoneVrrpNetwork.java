package dev.vigil.daemon;

import dev.vigil.config.VirtualIp;
import dev.vigil.vrrp.ReceivedPacket;
import dev.vigil.vrrp.VrrpNetwork;
import dev.vigil.vrrp.VrrpParameters;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A network with no other VRRP router on it, for a whole node in a test: adverts go nowhere, so every
 * instance becomes master after its master down interval. Records each VIP added or removed; interfaces
 * named in {@link #missing} do not exist.
 */
final class LoneVrrpNetwork implements VrrpNetwork {
    static final InetAddress PRIMARY = InetAddress.getLoopbackAddress();

    final Set<InetAddress> addresses = ConcurrentHashMap.newKeySet();
    /** "add 192.0.2.10" or "remove 192.0.2.10", in order; removing an absent address is not recorded. */
    final List<String> changes = new CopyOnWriteArrayList<>();
    final Set<String> missing = ConcurrentHashMap.newKeySet();

    private void check(String interfaceName) throws IOException {
        if (missing.contains(interfaceName)) throw new IOException("no network interface " + interfaceName);
    }

    @Override
    public Channel open(VrrpParameters instance) throws IOException {
        check(instance.interfaceName());
        return new Channel() {
            private volatile boolean closed;

            @Override
            public void send(byte[] vrrpMessage, InetAddress source, InetAddress destination) {
            }

            @Override
            public Optional<ReceivedPacket> receive(int timeoutMillis) {
                try {
                    if (!closed) Thread.sleep(timeoutMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Optional.empty();
            }

            @Override
            public void close() {
                closed = true;
            }
        };
    }

    @Override
    public InetAddress primaryAddress(String interfaceName, boolean ipv6) throws IOException {
        check(interfaceName);
        return PRIMARY;
    }

    @Override
    public void addVirtualIp(String interfaceName, VirtualIp vip) {
        if (addresses.add(vip.address())) changes.add("add " + vip.address().getHostAddress());
    }

    @Override
    public void removeVirtualIp(String interfaceName, VirtualIp vip) {
        if (addresses.remove(vip.address())) changes.add("remove " + vip.address().getHostAddress());
    }

    @Override
    public void sendGratuitousArp(String interfaceName, VirtualIp vip) {
    }

    @Override
    public Set<InetAddress> addresses(String interfaceName) {
        return Set.copyOf(addresses);
    }

    @Override
    public boolean linkUsable(String interfaceName) {
        return !missing.contains(interfaceName);
    }
}
