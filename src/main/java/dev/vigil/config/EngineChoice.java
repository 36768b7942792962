package dev.vigil.config;

import java.util.Optional;

/**
 * The engine a virtual server gets, and why: its own {@code vigil_engine}; else the kernel when it asks for
 * what only the kernel can forward ({@code protocol UDP} or SCTP, a firewall mark, port 0); else
 * {@code vigil_engine} of {@code global_defs}; else the kernel when the file syncs connections
 * ({@code lvs_sync_daemon} or a {@code vrrp_instance}'s {@code lvs_sync_daemon_interface}: the file was
 * written for IPVS, whose connections are kernel conntrack entries a backup can hold); else the proxy,
 * which needs no root.
 *
 * @param reason for logs, {@code check-config} and {@code vigil status}, e.g. {@code protocol UDP}
 */
public record EngineChoice(Engine engine, String reason) {
    /** What a virtual server gets when nothing asks for another engine. */
    public static final EngineChoice DEFAULT = new EngineChoice(Engine.PROXY, "the default");

    public static EngineChoice of(NodeConfig config, VirtualServer vs) {
        Optional<Engine> own = vs.engine().choice();
        if (own.isPresent()) return new EngineChoice(own.get(), "vigil_engine " + own.get().keyword());
        if (vs.protocol() != Protocol.TCP) return new EngineChoice(Engine.KERNEL, "protocol " + vs.protocol());
        if (marked(config, vs)) return new EngineChoice(Engine.KERNEL, "fwmark");
        if (everyPort(config, vs)) return new EngineChoice(Engine.KERNEL, "port 0");
        Optional<Engine> global = config.global().engine();
        if (global.isPresent()) {
            return new EngineChoice(global.get(), "vigil_engine " + global.get().keyword() + " of global_defs");
        }
        Optional<String> sync = syncDaemon(config);
        if (sync.isPresent()) return new EngineChoice(Engine.KERNEL, sync.get());
        return DEFAULT;
    }

    private static boolean marked(NodeConfig config, VirtualServer vs) {
        return switch (vs.key()) {
            case VirtualServer.ByFwmark f -> true;
            case VirtualServer.ByAddress a -> false;
            case VirtualServer.ByGroup(String name) -> config.virtualServerGroup(name).stream()
                    .flatMap(g -> g.members().stream()).anyMatch(m -> m instanceof VirtualServerGroup.Fwmark);
        };
    }

    /** {@code virtual_server IP 0} or a group member of port 0: every port, which a listening proxy cannot take. */
    private static boolean everyPort(NodeConfig config, VirtualServer vs) {
        return switch (vs.key()) {
            case VirtualServer.ByFwmark f -> false;
            case VirtualServer.ByAddress a -> a.port() == 0;
            case VirtualServer.ByGroup(String name) -> config.virtualServerGroup(name).stream()
                    .flatMap(g -> g.members().stream())
                    .anyMatch(m -> m instanceof VirtualServerGroup.AddressRange r && r.port() == 0);
        };
    }

    private static Optional<String> syncDaemon(NodeConfig config) {
        if (config.global().lvsSyncDaemon().isPresent()) return Optional.of("lvs_sync_daemon");
        return config.vrrpInstances().stream().filter(i -> i.lvsSyncDaemonInterface().isPresent()).findFirst()
                .map(i -> "lvs_sync_daemon_interface of vrrp_instance " + i.name());
    }

    @Override
    public String toString() {
        return engine.keyword() + " (" + reason + ")";
    }
}
