package dev.vigil.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The {@code global_defs} block. Defaults are keepalived's; {@code vigil_*} and {@code proxy_*} keywords are
 * Vigil's own. {@code proxyMaxconn} bounds the proxy's client connections over the whole node (0: no limit);
 * {@code engine} is {@code vigil_engine}, the engine of virtual servers that do not choose their own;
 * {@code syncPeer} is {@code vigil_sync_peer}, the other node of the connection sync (unicast instead of multicast).
 */
public record GlobalDefs(
        List<String> notificationEmail,
        Optional<String> notificationEmailFrom,
        Optional<InetSocketAddress> smtpServer,
        Optional<String> smtpHeloName,
        Duration smtpConnectTimeout,
        boolean smtpAlert,
        Optional<String> routerId,
        boolean enableScriptSecurity,
        Optional<ScriptUser> scriptUser,
        Garp vrrpGarp,
        int vrrpVersion,
        boolean vrrpStrict,
        Optional<LvsSyncDaemon> lvsSyncDaemon,
        Optional<InetAddress> syncPeer,
        Optional<String> notifyFifo,
        Optional<String> vrrpNotifyFifo,
        Optional<String> lvsNotifyFifo,
        Optional<InetAddress> vrrpMcastGroup4,
        Optional<InetAddress> vrrpMcastGroup6,
        Optional<InetSocketAddress> adminAddress,
        Optional<String> adminToken,
        List<String> adminHostNames,
        int proxyMaxconn,
        Optional<Engine> engine,
        Source source) {

    public static final int DEFAULT_SMTP_PORT = 25;
    public static final Duration DEFAULT_SMTP_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_ADMIN_PORT = 9180;

    public GlobalDefs {
        notificationEmail = List.copyOf(notificationEmail);
        adminHostNames = List.copyOf(adminHostNames);
    }

    public static GlobalDefs defaults() {
        return new GlobalDefs(List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                DEFAULT_SMTP_CONNECT_TIMEOUT, false, Optional.empty(), false, Optional.empty(),
                Garp.DEFAULTS, 2, false, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), List.of(), 0, Optional.empty(), Source.BUILT_IN);
    }

    /** {@code script_user username [groupname]}, also the form of {@code user} in scripts. */
    public record ScriptUser(String user, Optional<String> group) {}

    /**
     * {@code lvs_sync_daemon IF [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]}: the connection
     * sync of the kernel engine (package {@code sync}); {@code maxlen} and {@code ttl} are checked, not kept.
     * The deprecated {@code lvs_sync_daemon_interface IF} of a vrrp_instance is kept on the instance.
     */
    public record LvsSyncDaemon(String interfaceName, Optional<String> instance, Optional<Integer> syncId,
                                Optional<Integer> port, Optional<InetAddress> group, Source source) {

        public LvsSyncDaemon(String interfaceName, Optional<String> instance, Source source) {
            this(interfaceName, instance, Optional.empty(), Optional.empty(), Optional.empty(), source);
        }
    }
}
