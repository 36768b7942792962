package dev.vigil.vrrp;

import dev.vigil.config.VirtualIp;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** An in-memory Ethernet segment for VRRP nodes: every advert reaches every other node's channel. */
final class FakeSegment {

    final List<FakeNetwork.FakeChannel> channels = new CopyOnWriteArrayList<>();

    FakeNetwork node(String primary) {
        return new FakeNetwork(VrrpTestModel.ip(primary));
    }

    final class FakeNetwork implements VrrpNetwork {
        final InetAddress primary;
        final Set<InetAddress> addresses = ConcurrentHashMap.newKeySet();
        final AtomicInteger garps = new AtomicInteger();
        /** Interfaces that do not exist on this node. */
        final Set<String> missing = ConcurrentHashMap.newKeySet();
        volatile boolean linkUp = true;

        FakeNetwork(InetAddress primary) {
            this.primary = primary;
        }

        final class FakeChannel implements Channel {
            final LinkedBlockingQueue<ReceivedPacket> inbox = new LinkedBlockingQueue<>();
            volatile boolean closed;

            @Override
            public void send(byte[] vrrpMessage, InetAddress source, InetAddress destination) {
                if (!linkUp) return;
                for (FakeChannel c : channels) {
                    if (c != this && !c.closed && c.owner().linkUp) c.inbox.add(new ReceivedPacket(vrrpMessage.clone(), source, destination, 255));
                }
            }

            FakeNetwork owner() {
                return FakeNetwork.this;
            }

            @Override
            public Optional<ReceivedPacket> receive(int timeoutMillis) throws java.io.IOException {
                try {
                    return closed ? Optional.empty() : Optional.ofNullable(inbox.poll(timeoutMillis, TimeUnit.MILLISECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return Optional.empty();
                }
            }

            @Override
            public void close() {
                closed = true;
                channels.remove(this);
            }
        }

        @Override public Channel open(VrrpParameters instance) throws java.io.IOException {
            if (missing.contains(instance.interfaceName())) throw new java.io.IOException("no interface " + instance.interfaceName());
            var c = new FakeChannel();
            channels.add(c);
            return c;
        }
        @Override public InetAddress primaryAddress(String interfaceName, boolean ipv6) { return primary; }
        @Override public void addVirtualIp(String interfaceName, VirtualIp vip) { addresses.add(vip.address()); }
        @Override public void removeVirtualIp(String interfaceName, VirtualIp vip) { addresses.remove(vip.address()); }
        @Override public void sendGratuitousArp(String interfaceName, VirtualIp vip) { garps.incrementAndGet(); }
        @Override public boolean linkUsable(String interfaceName) { return linkUp; }
        @Override public Set<InetAddress> addresses(String interfaceName) { return Set.copyOf(addresses); }
    }
}
