package dev.vigil.sync;

import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.Source;
import dev.vigil.config.VrrpInstance;

import java.net.InetAddress;
import java.util.Optional;

/**
 * What the configuration asks of the connection sync: {@code lvs_sync_daemon} of global_defs, else the
 * deprecated {@code lvs_sync_daemon_interface} of the first vrrp_instance that has one (keepalived reads it as
 * {@code lvs_sync_daemon IF inst THAT_INSTANCE}).
 *
 * @param instance the instance whose MASTER state commits the synced connections; empty: every instance
 * @param port     conntrackd's UDP port (multicast {@code Group}, unicast {@code Port})
 * @param group    the multicast group; unused when {@code peer} is given
 * @param peer     {@code vigil_sync_peer}: unicast to the other node instead of multicast
 */
public record SyncSettings(String interfaceName, Optional<String> instance, int port, InetAddress group,
                           Optional<InetAddress> peer, Source source) {

    /** conntrackd's own defaults (its sample configurations), not IPVS's 8848 and 224.0.0.81. */
    public static final int DEFAULT_PORT = 3780;
    public static final String DEFAULT_GROUP = "225.0.0.50";

    public static Optional<SyncSettings> of(NodeConfig config) {
        GlobalDefs g = config.global();
        if (g.lvsSyncDaemon().isPresent()) {
            GlobalDefs.LvsSyncDaemon d = g.lvsSyncDaemon().get();
            return Optional.of(new SyncSettings(d.interfaceName(), d.instance(), d.port().orElse(DEFAULT_PORT),
                    d.group().orElse(defaultGroup()), g.syncPeer(), d.source()));
        }
        for (VrrpInstance i : config.vrrpInstances()) {
            if (i.lvsSyncDaemonInterface().isPresent()) {
                return Optional.of(new SyncSettings(i.lvsSyncDaemonInterface().get(), Optional.of(i.name()),
                        DEFAULT_PORT, defaultGroup(), g.syncPeer(), i.source()));
            }
        }
        return Optional.empty();
    }

    /** Whether a transition of {@code instanceName} moves the synced connections. */
    public boolean follows(String instanceName) {
        return instance.isEmpty() || instance.get().equals(instanceName);
    }

    private static InetAddress defaultGroup() {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) 225, 0, 0, 50});
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // four bytes are always an address
        }
    }
}
