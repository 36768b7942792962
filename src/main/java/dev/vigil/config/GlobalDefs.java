package dev.vigil.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code global_defs} block. Defaults are keepalived's; {@code vigil_*} keywords are Vigil's own. */
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
        Optional<String> notifyFifo,
        Optional<String> vrrpNotifyFifo,
        Optional<String> lvsNotifyFifo,
        Optional<InetAddress> vrrpMcastGroup4,
        Optional<InetAddress> vrrpMcastGroup6,
        Optional<InetSocketAddress> adminAddress,
        Optional<String> adminToken,
        Source source) {

    public static final int DEFAULT_SMTP_PORT = 25;
    public static final Duration DEFAULT_SMTP_CONNECT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_ADMIN_PORT = 9180;

    public GlobalDefs {
        notificationEmail = List.copyOf(notificationEmail);
    }

    public static GlobalDefs defaults() {
        return new GlobalDefs(List.of(), Optional.empty(), Optional.empty(), Optional.empty(),
                DEFAULT_SMTP_CONNECT_TIMEOUT, false, Optional.empty(), false, Optional.empty(),
                Garp.DEFAULTS, 2, false, Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Source.BUILT_IN);
    }

    /** {@code script_user username [groupname]}, also the form of {@code user} in scripts. */
    public record ScriptUser(String user, Optional<String> group) {}

    /**
     * {@code lvs_sync_daemon INTERFACE [inst] INSTANCE ...} (or the deprecated
     * {@code lvs_sync_daemon_interface}). Parsed and reported; the proxy engine cannot sync connections.
     */
    public record LvsSyncDaemon(String interfaceName, Optional<String> instance, Source source) {}
}
