package dev.vigil.sync;

import dev.vigil.config.VirtualIp;
import dev.vigil.vrrp.VrrpNetwork;
import dev.vigil.vrrp.VrrpParameters;

import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The network VRRP is given when the connection sync runs: the first VIP a synced instance adds on becoming MASTER
 * waits until the synced connections are in the kernel ("commit, then VIPs, then gratuitous ARPs" is decided here,
 * once, for every path to MASTER); the first VIP it removes (leaving MASTER, or at its start) asks conntrackd to
 * resync. Everything else goes straight to the real network.
 */
public final class SyncedVrrpNetwork implements VrrpNetwork {
    /** What a transition asks of the sync; {@link ConnectionSync} is the real one. */
    public interface Steps {
        /** Returns once the synced connections are in the kernel, or the bound passed. */
        void commitBeforeVips(String instance);

        /** Asks for a resync, without waiting. */
        void leftMaster();

        /**
         * Whether this node holds the peer's connections (or gave up waiting for them): a fail-back waits for it.
         * Answers at once.
         */
        boolean readyToPreempt();

        /** Whether this instance's transitions move the synced connections. */
        boolean follows(String instance);
    }

    private final VrrpNetwork network;
    private final Steps sync;
    private final Function<InetAddress, Optional<String>> instanceOfVip;
    /** Per synced instance: true while its VIPs are up (as far as this network was asked). */
    private final Map<String, Boolean> holding = new ConcurrentHashMap<>();

    /** @param instanceOfVip the vrrp_instance a VIP belongs to in the configuration in force */
    public SyncedVrrpNetwork(VrrpNetwork network, Steps sync, Function<InetAddress, Optional<String>> instanceOfVip) {
        this.network = network;
        this.sync = sync;
        this.instanceOfVip = instanceOfVip;
    }

    @Override
    public void addVirtualIp(String interfaceName, VirtualIp vip) throws IOException {
        Optional<String> instance = synced(vip);
        if (instance.isPresent() && !Boolean.TRUE.equals(holding.put(instance.get(), true))) {
            sync.commitBeforeVips(instance.get());
        }
        network.addVirtualIp(interfaceName, vip);
    }

    @Override
    public void removeVirtualIp(String interfaceName, VirtualIp vip) throws IOException {
        network.removeVirtualIp(interfaceName, vip);
        Optional<String> instance = synced(vip);
        if (instance.isPresent() && !Boolean.FALSE.equals(holding.put(instance.get(), false))) sync.leftMaster();
    }

    /** A synced instance preempts only once the master's connections are here, so the fail-back loses none. */
    @Override
    public boolean readyToPreempt(String instance) {
        return !sync.follows(instance) || sync.readyToPreempt();
    }

    private Optional<String> synced(VirtualIp vip) {
        return instanceOfVip.apply(vip.address()).filter(sync::follows);
    }

    @Override
    public Channel open(VrrpParameters instance) throws IOException {
        return network.open(instance);
    }

    @Override
    public InetAddress primaryAddress(String interfaceName, boolean ipv6) throws IOException {
        return network.primaryAddress(interfaceName, ipv6);
    }

    @Override
    public void sendGratuitousArp(String interfaceName, VirtualIp vip) throws IOException {
        network.sendGratuitousArp(interfaceName, vip);
    }

    @Override
    public Set<InetAddress> addresses(String interfaceName) throws IOException {
        return network.addresses(interfaceName);
    }

    @Override
    public boolean linkUsable(String interfaceName) throws IOException {
        return network.linkUsable(interfaceName);
    }

    /** The real network closes; the sync outlives it (a reload may open VRRP again). */
    @Override
    public void close() {
        network.close();
    }
}
