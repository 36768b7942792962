package dev.vigil.sync;

import dev.vigil.config.Source;
import dev.vigil.config.VirtualIp;
import dev.vigil.vrrp.VrrpNetwork;
import dev.vigil.vrrp.VrrpParameters;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The order on the network: the commit before the first VIP of a takeover, a resync after the first removal. */
class SyncedVrrpNetworkTest {
    private final List<String> events = new ArrayList<>();

    private final VrrpNetwork network = new VrrpNetwork() {
        @Override
        public Channel open(VrrpParameters instance) {
            throw new UnsupportedOperationException();
        }

        @Override
        public InetAddress primaryAddress(String interfaceName, boolean ipv6) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void addVirtualIp(String interfaceName, VirtualIp vip) {
            events.add("add " + vip.address().getHostAddress());
        }

        @Override
        public void removeVirtualIp(String interfaceName, VirtualIp vip) {
            events.add("remove " + vip.address().getHostAddress());
        }

        @Override
        public void sendGratuitousArp(String interfaceName, VirtualIp vip) {
            events.add("garp " + vip.address().getHostAddress());
        }

        @Override
        public Set<InetAddress> addresses(String interfaceName) {
            return Set.of();
        }

        @Override
        public boolean linkUsable(String interfaceName) {
            return true;
        }
    };

    private final SyncedVrrpNetwork.Steps steps = new SyncedVrrpNetwork.Steps() {
        @Override
        public void commitBeforeVips(String instance) {
            events.add("commit " + instance);
        }

        @Override
        public void leftMaster() {
            events.add("resync");
        }

        @Override
        public boolean readyToPreempt() {
            return ready;
        }

        @Override
        public boolean follows(String instance) {
            return instance.equals("VI_1");
        }
    };
    private boolean ready;

    private static VirtualIp vip(String a) throws Exception {
        return new VirtualIp(InetAddress.getByName(a), 32, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Source.BUILT_IN);
    }

    private final SyncedVrrpNetwork synced = new SyncedVrrpNetwork(network, steps,
            a -> Optional.of(a.getHostAddress().startsWith("10.0.1.") ? "VI_1" : "VI_2"));

    @Test
    void theCommitComesBeforeTheFirstVipAndOncePerTakeover() throws Exception {
        synced.removeVirtualIp("eth0", vip("10.0.1.100")); // the instance's start
        synced.removeVirtualIp("eth0", vip("10.0.1.101"));
        synced.addVirtualIp("eth0", vip("10.0.1.100"));
        synced.addVirtualIp("eth0", vip("10.0.1.101"));
        synced.sendGratuitousArp("eth0", vip("10.0.1.100"));
        synced.removeVirtualIp("eth0", vip("10.0.1.100"));
        synced.removeVirtualIp("eth0", vip("10.0.1.101"));
        synced.addVirtualIp("eth0", vip("10.0.1.100"));
        assertThat(events).containsExactly("remove 10.0.1.100", "resync", "remove 10.0.1.101",
                "commit VI_1", "add 10.0.1.100", "add 10.0.1.101", "garp 10.0.1.100",
                "remove 10.0.1.100", "resync", "remove 10.0.1.101",
                "commit VI_1", "add 10.0.1.100");
    }

    @Test
    void onlyASyncedInstanceWaitsForTheSyncToPreempt() {
        assertThat(synced.readyToPreempt("VI_1")).isFalse();
        assertThat(synced.readyToPreempt("VI_2")).isTrue();
        ready = true;
        assertThat(synced.readyToPreempt("VI_1")).isTrue();
    }

    @Test
    void anInstanceTheSyncDoesNotFollowGoesStraightThrough() throws Exception {
        synced.addVirtualIp("eth0", vip("10.0.2.100"));
        synced.removeVirtualIp("eth0", vip("10.0.2.100"));
        assertThat(events).containsExactly("add 10.0.2.100", "remove 10.0.2.100");
    }
}
