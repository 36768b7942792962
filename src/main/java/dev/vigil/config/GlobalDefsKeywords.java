package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.vigil.config.Block.GLOBAL_DEFS;
import static dev.vigil.config.Block.TOP;
import static dev.vigil.config.Keyword.Support.PARSED_ONLY;
import static dev.vigil.config.Keyword.ignored;
import static dev.vigil.config.Keyword.keyword;

/** The keywords of global_defs: mail alerts, the router id, VRRP defaults and Vigil's admin API. */
final class GlobalDefsKeywords {
    /** Shorter admin tokens get a warning: 16 random characters are beyond guessing at the API's rate limit. */
    static final int MIN_ADMIN_TOKEN_LENGTH = 16;
    private static final Pattern HOST_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

    private GlobalDefsKeywords() {
    }

    static List<Keyword> keywords() {
        List<Keyword> k = new ArrayList<>();
        k.add(keyword("global_defs").in(TOP).block("{ ... }")
                .doc("Global definitions: mail alerts, router id, defaults.")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    if (cfg.global == null) {
                        cfg.global = new Drafts.Global();
                        cfg.global.source = n.source();
                    }
                    c.atMost(n, 0);
                    c.walk(GLOBAL_DEFS, n.children(), cfg.global);
                }));
        k.add(keyword("notification_email").in(GLOBAL_DEFS).block("{ ADDRESS ... }")
                .doc("Recipients of mail alerts.").example("notification_email { unix_adm@domain.ru }")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode e : n.children()) {
                        d.notificationEmail.add(e.name());
                        for (Token t : e.args()) d.notificationEmail.add(t.text());
                    }
                }));
        k.add(keyword("notification_email_from").in(GLOBAL_DEFS).value("ADDRESS").defaultValue("keepalived@HOSTNAME")
                .doc("Sender of mail alerts.").example("notification_email_from balancer01@domain.ru")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.notificationEmailFrom = c.string(n)));
        k.add(keyword("smtp_server").in(GLOBAL_DEFS).value("IP|NAME [PORT]")
                .doc("SMTP relay for mail alerts (port 25 by default).").example("smtp_server 192.168.3.1 25")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    String host = c.word(n, 0);
                    if (host == null) return;
                    Integer port = GlobalDefs.DEFAULT_SMTP_PORT;
                    if (n.argCount() > 1) port = c.integer(n.arg(1), n.name(), 1, 65535);
                    c.atMost(n, 2);
                    if (port == null) return;
                    InetAddress a = ParseContext.literal(host);
                    if (a != null) d.smtpServer = new InetSocketAddress(a, port);
                    else if (host.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"))
                        d.smtpServer = InetSocketAddress.createUnresolved(host, port);
                    else c.error(n.arg(0).source(), "malformed SMTP server '" + host + "'");
                }));
        k.add(keyword("smtp_helo_name").in(GLOBAL_DEFS).value("NAME").defaultValue("HOSTNAME")
                .doc("Name sent in SMTP HELO.").example("smtp_helo_name balancer01.domain.ru")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.smtpHeloName = c.string(n)));
        k.add(keyword("smtp_connect_timeout").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("30").unit("s")
                .doc("SMTP connection timeout.").example("smtp_connect_timeout 30")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Integer s = c.integer(n, 0, 1, 3600);
                    c.atMost(n, 1);
                    if (s != null) d.smtpConnectTimeout = Duration.ofSeconds(s);
                }));
        k.add(keyword("smtp_alert").in(GLOBAL_DEFS).value("[<BOOL>]").defaultValue("off")
                .doc("Default for sending mail on state changes.").example("smtp_alert on")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Boolean b = c.bool(n, 0);
                    if (b != null) d.smtpAlert = b;
                }));
        k.add(keyword("router_id").in(GLOBAL_DEFS).value("STRING").defaultValue("HOSTNAME")
                .doc("Names this node in alerts.").example("router_id exchange_balancer01")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.routerId = c.string(n)));
        k.add(keyword("enable_script_security").in(GLOBAL_DEFS).value("").defaultValue("off")
                .doc("Refuse scripts that a non-root user could modify when run as root.")
                .example("enable_script_security")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.enableScriptSecurity = true;
                }));
        k.add(keyword("script_user").in(GLOBAL_DEFS).value("USER [GROUP]").defaultValue("keepalived_script or root")
                .doc("Default user (and group) scripts run as.").example("script_user keepalived_script")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    c.scriptUser(n, 0).ifPresent(u -> d.scriptUser = u);
                }));
        k.add(keyword("vrrp_garp_master_delay").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("5").unit("s")
                .doc("Delay of the second set of gratuitous ARPs after becoming master (0: none).")
                .example("vrrp_garp_master_delay 10")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) ->
                        d.garp.delay = c.secondsValue(n, 0, 86400)));
        k.add(keyword("vrrp_garp_master_repeat").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("5")
                .doc("Gratuitous ARPs sent at a time after becoming master.").example("vrrp_garp_master_repeat 1")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.garp.repeat = c.intValue(n, 1, 255)));
        k.add(keyword("vrrp_garp_master_refresh").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("0").unit("s")
                .doc("Interval of gratuitous ARP refreshes while master (0: none).")
                .example("vrrp_garp_master_refresh 60")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) ->
                        d.garp.refresh = c.secondsValue(n, 0, 86400)));
        k.add(keyword("vrrp_garp_master_refresh_repeat").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("1")
                .doc("Gratuitous ARPs sent at each refresh.").example("vrrp_garp_master_refresh_repeat 2")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) ->
                        d.garp.refreshRepeat = c.intValue(n, 1, 255)));
        k.add(keyword("vrrp_garp_interval").in(GLOBAL_DEFS).value("<TIMER>").defaultValue("0").unit("s")
                .support(PARSED_ONLY)
                .doc("Delay between gratuitous ARPs on an interface.").example("vrrp_garp_interval 0.001")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.timer(n, 0, 0, 1);
                    c.atMost(n, 1);
                }));
        k.add(keyword("vrrp_gna_interval").in(GLOBAL_DEFS).value("<TIMER>").defaultValue("0").unit("s")
                .support(PARSED_ONLY)
                .doc("Delay between unsolicited neighbour adverts on an interface.")
                .example("vrrp_gna_interval 0.000001")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.timer(n, 0, 0, 1);
                    c.atMost(n, 1);
                }));
        k.add(keyword("lvs_sync_daemon").in(GLOBAL_DEFS)
                .value("IF [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]")
                .doc("Connection-state sync: the file's virtual servers get the kernel engine (unless vigil_engine "
                        + "says otherwise) and Vigil runs conntrackd (FTFW) on IF, multicast to 'group' "
                        + "(225.0.0.50) on UDP 'port' (3780), or unicast to vigil_sync_peer; on becoming MASTER of "
                        + "INSTANCE (of any instance without one) the synced connections are committed before the VIPs "
                        + "go up. 'id', 'maxlen' and 'ttl' are checked and not used (conntrackd has no such settings). "
                        + "The proxy engine cannot sync: its connections are lost in a failover. With it, check-config "
                        + "refuses vigil_snat to an address no virtual_ipaddress holds. Its state (conntrackd, peer, "
                        + "entries, last commit) is in vigil status and the vigil_sync_* metrics; a lost or returning "
                        + "sync is logged and mailed.")
                .example("lvs_sync_daemon eth0 id 117 port 3780")
                .handler(GlobalDefsKeywords::lvsSyncDaemon));
        k.add(keyword("vigil_sync_peer").in(GLOBAL_DEFS).value("IP")
                .doc("The other node's address on the lvs_sync_daemon interface: conntrackd syncs by UDP unicast to it "
                        + "instead of multicast (for networks without multicast).")
                .example("vigil_sync_peer 192.168.3.102")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    d.syncPeer = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("vrrp_version").in(GLOBAL_DEFS).value("2|3").defaultValue("2")
                .doc("Default VRRP version (IPv6 instances always use 3).").example("vrrp_version 3")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 2, 3);
                    if (v != null) d.vrrpVersion = v;
                }));
        k.add(keyword("vrrp_strict").in(GLOBAL_DEFS).value("").defaultValue("off")
                .doc("Strict RFC compliance (no authentication, no unicast).").example("vrrp_strict")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.vrrpStrict = true;
                }));
        k.add(keyword("notify_fifo").in(GLOBAL_DEFS).value("PATH")
                .doc("FIFO receiving every state change.").example("notify_fifo /run/keepalived.fifo")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.notifyFifo = c.word(n, 0)));
        k.add(keyword("vrrp_notify_fifo").in(GLOBAL_DEFS).value("PATH")
                .doc("FIFO receiving VRRP state changes.").example("vrrp_notify_fifo /run/vrrp.fifo")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.vrrpNotifyFifo = c.word(n, 0)));
        k.add(keyword("lvs_notify_fifo").in(GLOBAL_DEFS).value("PATH")
                .doc("FIFO receiving checker state changes.").example("lvs_notify_fifo /run/lvs.fifo")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.lvsNotifyFifo = c.word(n, 0)));
        k.add(keyword("vrrp_mcast_group4").in(GLOBAL_DEFS).value("IPV4").defaultValue("224.0.0.18")
                .doc("Multicast group of IPv4 VRRP adverts.").example("vrrp_mcast_group4 224.0.0.18")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.mcastGroup4 = multicast(n, c, 4)));
        k.add(keyword("vrrp_mcast_group6").in(GLOBAL_DEFS).value("IPV6").defaultValue("ff02::12")
                .doc("Multicast group of IPv6 VRRP adverts.").example("vrrp_mcast_group6 ff02::12")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> d.mcastGroup6 = multicast(n, c, 16)));
        k.add(keyword("v3_checksum_as_v2").in(GLOBAL_DEFS).value("[<BOOL>]").defaultValue("off")
                .doc("Default for VRRPv3 IPv4 checksums without the pseudo-header.").example("v3_checksum_as_v2 on")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Boolean b = c.bool(n, 0);
                    if (b != null) d.v3ChecksumAsV2 = b;
                }));
        k.add(keyword("vrrp_check_unicast_src").in(GLOBAL_DEFS).value("[<BOOL>]").defaultValue("off")
                .doc("Default for check_unicast_src: unicast instances take adverts only from their unicast_peers.")
                .example("vrrp_check_unicast_src")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Boolean b = c.bool(n, 0);
                    if (b != null) d.checkUnicastSrc = b;
                }));
        k.add(keyword("vigil_admin").in(GLOBAL_DEFS).value("HOST:PORT")
                .doc("Vigil: address of the admin API and dashboard (port 9180 if omitted).")
                .example("vigil_admin 127.0.0.1:9180")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Token t = c.arg(n, 0);
                    c.atMost(n, 1);
                    if (t != null) d.adminAddress = hostPort(t, n.name(), GlobalDefs.DEFAULT_ADMIN_PORT, c);
                }));
        k.add(keyword("vigil_admin_token").in(GLOBAL_DEFS).value("STRING")
                .doc("Vigil: bearer token the admin API requires (warned about when shorter than "
                        + MIN_ADMIN_TOKEN_LENGTH + " characters or in a file others can read).")
                .example("vigil_admin_token \"7f3c9a1e52b04d68\"")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    d.adminToken = c.string(n);
                    if (d.adminToken != null) warnAboutToken(d.adminToken, n.source(), c);
                }));
        k.add(keyword("proxy_maxconn").in(GLOBAL_DEFS).value("<INTEGER>").defaultValue("0")
                .doc("Vigil: most client connections the proxy holds at once over all virtual servers; more "
                        + "are reset at once (0: no limit). A reload applies it to new connections.")
                .example("proxy_maxconn 50000")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.proxyMaxconn = v;
                }));
        k.add(keyword("vigil_engine").in(GLOBAL_DEFS).value("proxy|kernel").defaultValue("proxy")
                .doc("Vigil: the forwarding engine of virtual servers that do not choose their own: proxy (user "
                        + "space, TCP, no root) or kernel (nftables NAT: TCP and UDP, real servers see the client's "
                        + "address; needs root, nf_tables and libnftables1). protocol UDP, fwmark and port 0 get the "
                        + "kernel engine whatever this says.")
                .example("vigil_engine kernel")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    String e = c.choice(n, 0, n.name(), List.of("proxy", "kernel"));
                    c.atMost(n, 1);
                    if (e != null) d.engine = Engine.fromKeyword(e).orElseThrow();
                }));
        k.add(keyword("vigil_admin_host_names").in(GLOBAL_DEFS).value("NAME...")
                .doc("Vigil: host names the admin API answers to, besides its address and localhost; a request "
                        + "naming another host (DNS rebinding) is refused.")
                .example("vigil_admin_host_names lb1.example.com lb1")
                .handler((Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    if (n.argCount() == 0) c.error(n.source(), "'" + n.name() + "' needs at least one host name");
                    for (Token t : n.args()) {
                        if (HOST_NAME.matcher(t.text()).matches()) d.adminHostNames.add(t.text());
                        else c.error(t.source(), "'" + t.text() + "' is not a host name");
                    }
                }));
        k.addAll(ignored(GLOBAL_DEFS, "keepalived global setting outside Vigil's scope", "net_namespace",
                "net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir", "linkbeat_use_polling",
                "child_wait_time", "shutdown_script", "shutdown_script_timeout", "startup_script",
                "startup_script_timeout", "smtp_alert_vrrp", "smtp_alert_checker", "checker_log_all_failures",
                "no_email_faults", "no_checker_emails", "default_interface", "lvs_timeouts", "lvs_flush",
                "lvs_flush_on_stop", "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat", "vrrp_min_garp",
                "vrrp_garp_extra_if", "vrrp_down_timer_adverts", "vrrp_lower_prio_no_advert",
                "vrrp_higher_prio_send_advert", "vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority",
                "nftables_ifindex", "nftables_counters", "nftables_ipvs", "nftables_ipvs_priority",
                "nftables_ipvs_start_fwmark", "vrrp_skip_check_adv_addr", "vrrp_priority",
                "checker_priority", "bfd_priority", "vrrp_no_swap", "checker_no_swap", "bfd_no_swap",
                "vrrp_rt_priority", "checker_rt_priority", "bfd_rt_priority", "vrrp_rlimit_rttime",
                "checker_rlimit_rttime", "bfd_rlimit_rttime", "vrrp_cpu_affinity", "checker_cpu_affinity",
                "bfd_cpu_affinity", "max_auto_priority", "min_auto_priority_delay", "dynamic_interfaces",
                "process_names", "process_name", "vrrp_process_name", "checker_process_name", "bfd_process_name",
                "notify_fifo_script", "vrrp_notify_fifo_script", "lvs_notify_fifo_script",
                "vrrp_notify_priority_changes", "snmp_socket", "enable_snmp_vrrp", "enable_snmp_keepalived",
                "enable_snmp_checker", "enable_snmp_rfc", "enable_snmp_rfcv2", "enable_snmp_rfcv3", "enable_traps",
                "enable_dbus", "enable_dbus_create_instance", "dbus_service_name", "dbus_no_interface_name",
                "vrrp_netlink_cmd_rcv_bufs", "vrrp_netlink_cmd_rcv_bufs_force", "vrrp_netlink_monitor_rcv_bufs",
                "vrrp_netlink_monitor_rcv_bufs_force", "lvs_netlink_cmd_rcv_bufs", "lvs_netlink_cmd_rcv_bufs_force",
                "lvs_netlink_monitor_rcv_bufs", "lvs_netlink_monitor_rcv_bufs_force", "process_monitor_rcv_bufs",
                "process_monitor_rcv_bufs_force", "vrrp_rx_bufs_policy", "vrrp_rx_bufs_multiplier",
                "vrrp_startup_delay", "vrrp_delay_after_boot", "log_unknown_vrids", "random_seed",
                "tmp_config_directory", "config_save_dir", "reload_time_file", "reload_repeat", "reload_file",
                "reload_check_config", "data_use_instance", "state_file_location", "stats_file_location",
                "json_file_location", "json_version", "umask", "set_supplementary_groups", "use_symlink_paths",
                "include_check", "vmac_prefix", "vmac_addr_prefix", "disable_local_igmp", "rs_init_notifies",
                "fifo_write_vrrp_states_on_reload", "iproute_etc_dir", "iproute_usr_dir",
                "snmp_rs_stats_update_interval", "snmp_vs_stats_update_interval", "local_name", "vrrp_track_process",
                "lvs_id", "lvs_sync_daemon_interface"));
        return k;
    }

    /** keepalived's form: IF, then the instance (with or without {@code inst}), then options in any order. */
    private static void lvsSyncDaemon(Drafts.Global d, ConfigNode n, ParseContext c) {
        String iface = c.word(n, 0);
        if (iface == null) return;
        List<String> options = List.of("id", "maxlen", "port", "ttl", "group");
        String instance = null;
        Integer id = null;
        Integer port = null;
        InetAddress group = null;
        int i = 1;
        if (i < n.argCount() && n.arg(i).text().equals("inst")) {
            if (++i >= n.argCount()) {
                c.error(n.arg(i - 1).source(), "'inst' of 'lvs_sync_daemon' needs a vrrp_instance name");
                return;
            }
            instance = n.arg(i++).text();
        } else if (i < n.argCount() && !options.contains(n.arg(i).text())) {
            instance = n.arg(i++).text();
        }
        for (; i < n.argCount(); i += 2) {
            Token option = n.arg(i);
            if (!options.contains(option.text())) {
                c.error(option.source(), "unknown option '" + option.text() + "' of 'lvs_sync_daemon' (expected one "
                        + "of " + String.join(", ", options) + ")");
                return;
            }
            if (i + 1 >= n.argCount()) {
                c.error(option.source(), "'" + option.text() + "' of 'lvs_sync_daemon' needs a value");
                return;
            }
            Token value = n.arg(i + 1);
            String what = "lvs_sync_daemon " + option.text();
            switch (option.text()) {
                case "id" -> id = c.integer(value, what, 0, 255);
                case "maxlen" -> c.integer(value, what, 1, 65507);
                case "port" -> port = c.integer(value, what, 1, 65535);
                case "ttl" -> c.integer(value, what, 1, 255);
                default -> {
                    group = c.address(value, what);
                    if (group != null && !group.isMulticastAddress()) {
                        c.error(value.source(), "'" + what + "' must be a multicast address, got '" + value.text() + "'");
                        group = null;
                    }
                }
            }
        }
        d.lvsSyncDaemon = new GlobalDefs.LvsSyncDaemon(iface, Optional.ofNullable(instance), Optional.ofNullable(id),
                Optional.ofNullable(port), Optional.ofNullable(group), n.source());
    }

    /** A token that can be guessed or read is no guard: say so where it is written. */
    private static void warnAboutToken(String token, Source at, ParseContext c) {
        if (token.length() < MIN_ADMIN_TOKEN_LENGTH) {
            c.warning(at, "vigil_admin_token has only " + token.length() + " characters; use at least "
                    + MIN_ADMIN_TOKEN_LENGTH + " random ones (e.g. from 'openssl rand -hex 16')");
        }
        Set<PosixFilePermission> mode;
        try {
            mode = Files.getPosixFilePermissions(Path.of(at.file()));
        } catch (IOException | InvalidPathException | UnsupportedOperationException notAFile) {
            return; // parsed from a string, or a file system without modes
        }
        boolean others = mode.contains(PosixFilePermission.OTHERS_READ);
        if (others || mode.contains(PosixFilePermission.GROUP_READ)) {
            c.warning(at, at.file() + " holds vigil_admin_token and is readable by " + (others ? "every user" : "its group")
                    + ": chmod 600 it, or keep the token in an included file only root can read");
        }
    }

    private static @Nullable InetAddress multicast(ConfigNode n, ParseContext c, int length) {
        InetAddress a = c.address(n, 0);
        c.atMost(n, 1);
        if (a == null) return null;
        if (a.getAddress().length != length || !a.isMulticastAddress()) {
            c.error(n.arg(0).source(), "'" + n.name() + "' must be an IPv" + (length == 4 ? "4" : "6")
                    + " multicast address, got '" + n.arg(0).text() + "'");
            return null;
        }
        return a;
    }

    /** {@code HOST:PORT}, {@code [V6]:PORT} or {@code HOST}; the host must be an IP literal. */
    private static @Nullable InetSocketAddress hostPort(Token t, String what, int defaultPort, ParseContext c) {
        String s = t.text();
        String host = s;
        String port = null;
        if (s.startsWith("[")) {
            int close = s.indexOf(']');
            if (close > 0) {
                host = s.substring(1, close);
                if (s.length() > close + 1) {
                    if (s.charAt(close + 1) != ':') host = null;
                    else port = s.substring(close + 2);
                }
            } else {
                host = null;
            }
        } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
            host = s.substring(0, s.indexOf(':'));
            port = s.substring(s.indexOf(':') + 1);
        }
        InetAddress a = host == null ? null : ParseContext.literal(host);
        if (a == null) {
            c.error(t.source(), "'" + what + "' must be IP:PORT with an IP address, got '" + s + "'");
            return null;
        }
        int p = defaultPort;
        if (port != null) {
            Integer parsed = c.port(new Token(port, t.source(), false), what);
            if (parsed == null) return null;
            p = parsed;
        }
        return new InetSocketAddress(a, p);
    }
}
