package dev.vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * Everything one Vigil node was told by its configuration: the immutable result of parsing a
 * keepalived.conf. Blocks keep the order in which they were written.
 */
public record NodeConfig(
        GlobalDefs global,
        List<VrrpScript> vrrpScripts,
        List<VrrpInstance> vrrpInstances,
        List<VrrpSyncGroup> syncGroups,
        List<VirtualServerGroup> virtualServerGroups,
        List<VirtualServer> virtualServers) {

    public NodeConfig {
        vrrpScripts = List.copyOf(vrrpScripts);
        vrrpInstances = List.copyOf(vrrpInstances);
        syncGroups = List.copyOf(syncGroups);
        virtualServerGroups = List.copyOf(virtualServerGroups);
        virtualServers = List.copyOf(virtualServers);
    }

    public Optional<VrrpScript> vrrpScript(String name) {
        return vrrpScripts.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public Optional<VrrpInstance> vrrpInstance(String name) {
        return vrrpInstances.stream().filter(i -> i.name().equals(name)).findFirst();
    }

    public Optional<VirtualServerGroup> virtualServerGroup(String name) {
        return virtualServerGroups.stream().filter(g -> g.name().equals(name)).findFirst();
    }
}
