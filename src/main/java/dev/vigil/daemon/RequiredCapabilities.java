package dev.vigil.daemon;

import dev.vigil.balance.SchedulerSlots;
import dev.vigil.config.Engine;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.VirtualServer;
import dev.vigil.config.VirtualServerGroup;
import dev.vigil.config.VrrpInstance;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.IntStream;

/**
 * The Linux capabilities a configuration needs, checked before a node starts anything, so that Vigil run
 * as an unprivileged user (the packaged unit's {@code vigil}) with one missing says which and why in one
 * line, instead of failing half-way (a VIP that cannot be added, a listener refused with EACCES).
 */
final class RequiredCapabilities {

    /** The capabilities Vigil's own work uses, with their numbers from linux/capability.h. */
    enum Capability {
        CAP_NET_BIND_SERVICE(10), CAP_NET_ADMIN(12), CAP_NET_RAW(13), CAP_BPF(39);

        final int bit;

        Capability(int bit) {
            this.bit = bit;
        }
    }

    private RequiredCapabilities() {}

    /** What the configuration needs, each with the first part of it that needs it. */
    static Map<Capability, String> needed(NodeConfig config) {
        Map<Capability, String> needed = new LinkedHashMap<>();
        for (VrrpInstance vrrp : config.vrrpInstances()) {
            needed.putIfAbsent(Capability.CAP_NET_RAW, "VRRP instance " + vrrp.name() + ": raw VRRP and ARP sockets");
            needed.putIfAbsent(Capability.CAP_NET_ADMIN, "VRRP instance " + vrrp.name() + ": adding its virtual IPs");
        }
        for (VirtualServer vs : config.virtualServers()) {
            if (EngineChoice.of(config, vs).engine() == Engine.KERNEL) {
                needed.putIfAbsent(Capability.CAP_NET_ADMIN, "virtual server " + vs.key() + ": the kernel engine's nftables table");
                if (SchedulerSlots.counted(vs.scheduler())) {
                    needed.putIfAbsent(Capability.CAP_BPF, "virtual server " + vs.key() + ": the kernel engine's eBPF selector for "
                            + vs.scheduler().keyword());
                }
                continue; // the kernel NATs: nothing listens, so no port needs binding
            }
            if (ports(config, vs).anyMatch(p -> p > 0 && p < 1024)) {
                needed.putIfAbsent(Capability.CAP_NET_BIND_SERVICE, "virtual server " + vs.key() + ": a port below 1024");
            }
        }
        return needed;
    }

    private static IntStream ports(NodeConfig config, VirtualServer vs) {
        return switch (vs.key()) {
            case VirtualServer.ByAddress a -> IntStream.of(a.port());
            case VirtualServer.ByFwmark f -> IntStream.empty();
            case VirtualServer.ByGroup g -> config.virtualServerGroup(g.name()).stream()
                    .flatMap(group -> group.members().stream())
                    .filter(VirtualServerGroup.AddressRange.class::isInstance)
                    .mapToInt(m -> ((VirtualServerGroup.AddressRange) m).port());
        };
    }

    /**
     * Empty when {@code effective} (a CapEff mask) holds all that {@code config} needs; else the one-line
     * reason for the operator.
     */
    static List<String> missing(NodeConfig config, long effective) {
        List<String> missing = new ArrayList<>();
        needed(config).forEach((cap, why) -> {
            if ((effective & (1L << cap.bit)) == 0) missing.add(cap + " (" + why + ")");
        });
        return missing;
    }

    /** The effective capability mask of this process, from {@code /proc/self/status}; empty if unreadable. */
    static OptionalLong effective() {
        try {
            return effective(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }

    static OptionalLong effective(String procStatus) {
        return procStatus.lines().filter(l -> l.startsWith("CapEff:")).findFirst()
                .map(l -> OptionalLong.of(Long.parseUnsignedLong(l.substring("CapEff:".length()).strip(), 16)))
                .orElse(OptionalLong.empty());
    }

    /** Refuses a start that would fail half-way for want of a capability. */
    static void check(NodeConfig config) throws StartupException {
        OptionalLong effective = effective();
        if (effective.isEmpty()) return;
        List<String> missing = missing(config, effective.getAsLong());
        if (missing.isEmpty()) return;
        throw new StartupException("missing capabilit" + (missing.size() == 1 ? "y " : "ies ") + String.join(", ", missing)
                + ": run Vigil as root or grant " + (missing.size() == 1 ? "it" : "them")
                + " (the packaged vigil.service has CAP_NET_RAW CAP_NET_ADMIN CAP_NET_BIND_SERVICE CAP_BPF in AmbientCapabilities)");
    }
}
