package dev.vigil.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Prints a {@link NodeConfig} as canonical keepalived syntax ({@code check-config --dump}): every block
 * in model order, every value explicit, so that parsing the output gives the same model back.
 */
public final class ConfigPrinter {
    private final StringBuilder out = new StringBuilder();
    private int depth;

    private ConfigPrinter() {
    }

    public static String print(NodeConfig config) {
        ConfigPrinter p = new ConfigPrinter();
        p.config(config);
        return p.out.toString();
    }

    private void config(NodeConfig c) {
        global(c.global());
        for (VrrpScript s : c.vrrpScripts()) script(s);
        for (VrrpInstance i : c.vrrpInstances()) instance(i);
        for (VrrpSyncGroup g : c.syncGroups()) syncGroup(g);
        for (VirtualServerGroup g : c.virtualServerGroups()) serverGroup(g);
        for (VirtualServer v : c.virtualServers()) virtualServer(v);
    }

    // ---- output primitives ----

    private void line(String... words) {
        out.append("    ".repeat(depth)).append(String.join(" ", words)).append('\n');
    }

    private void open(String... words) {
        String[] all = java.util.Arrays.copyOf(words, words.length + 1);
        all[words.length] = "{";
        line(all);
        depth++;
    }

    private void close() {
        depth--;
        line("}");
    }

    private void flag(String keyword, boolean on) {
        if (on) line(keyword);
    }

    private void opt(String keyword, Optional<?> value) {
        value.ifPresent(v -> line(keyword, text(v)));
    }

    private static String text(Object v) {
        if (v instanceof InetAddress a) return address(a);
        if (v instanceof Duration d) return ParseContext.seconds(d);
        if (v instanceof Boolean b) return onOff(b);
        return quote(v.toString());
    }

    /** IPv4 dotted quad, IPv6 in the short form of RFC 5952 ({@code 2001:db8::1}). */
    static String address(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length == 4) return a.getHostAddress();
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') out.append(':');
            out.append(Integer.toHexString(g[i]));
        }
        return out.toString();
    }

    private static String onOff(boolean b) {
        return b ? "on" : "off";
    }

    /**
     * A word as the reader will read it back: quoted (with escapes) when it has anything special, or when
     * it would be a directive at the start of a line (as list entries are printed: a notification_email
     * "~SEQ" printed plain came back as an unsupported sequence block; found by scripts/fuzz config).
     */
    static String quote(String s) {
        boolean plain = !s.isEmpty() && s.charAt(0) != '@' && !ConfigReader.isDirective(s);
        for (int i = 0; i < s.length() && plain; i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c == '"' || c == '\'' || c == '{' || c == '}' || c == '#' || c == '!' || c == '\\'
                    || c == 0x7f) {
                plain = false;
            }
        }
        if (plain) return s;
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < ' ' || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    private static String script(Script s) {
        StringBuilder b = new StringBuilder(quote(s.commandLine()));
        s.user().ifPresent(u -> b.append(' ').append(user(u)));
        return b.toString();
    }

    private static String user(GlobalDefs.ScriptUser u) {
        return quote(u.user()) + u.group().map(g -> " " + quote(g)).orElse("");
    }

    private void script(String keyword, Optional<Script> s) {
        s.ifPresent(x -> line(keyword, script(x)));
    }

    private static String seconds(Duration d) {
        return ParseContext.seconds(d);
    }

    // ---- blocks ----

    private void global(GlobalDefs g) {
        open("global_defs");
        if (!g.notificationEmail().isEmpty()) {
            open("notification_email");
            for (String e : g.notificationEmail()) line(quote(e));
            close();
        }
        opt("notification_email_from", g.notificationEmailFrom());
        g.smtpServer().ifPresent(s -> line("smtp_server", s.isUnresolved() ? quote(s.getHostString())
                : address(s.getAddress()), Integer.toString(s.getPort())));
        opt("smtp_helo_name", g.smtpHeloName());
        line("smtp_connect_timeout", Long.toString(g.smtpConnectTimeout().toSeconds()));
        line("smtp_alert", onOff(g.smtpAlert()));
        opt("router_id", g.routerId());
        flag("enable_script_security", g.enableScriptSecurity());
        g.scriptUser().ifPresent(u -> line("script_user", user(u)));
        Garp garp = g.vrrpGarp();
        line("vrrp_garp_master_delay", Long.toString(garp.delay().toSeconds()));
        line("vrrp_garp_master_repeat", Integer.toString(garp.repeat()));
        line("vrrp_garp_master_refresh", Long.toString(garp.refresh().toSeconds()));
        line("vrrp_garp_master_refresh_repeat", Integer.toString(garp.refreshRepeat()));
        line("vrrp_version", Integer.toString(g.vrrpVersion()));
        flag("vrrp_strict", g.vrrpStrict());
        g.lvsSyncDaemon().ifPresent(l -> line("lvs_sync_daemon", quote(l.interfaceName())
                + l.instance().map(i -> " inst " + quote(i)).orElse("")
                + l.syncId().map(id -> " id " + id).orElse("")
                + l.port().map(p -> " port " + p).orElse("")
                + l.group().map(a -> " group " + a.getHostAddress()).orElse("")));
        opt("vigil_sync_peer", g.syncPeer());
        opt("notify_fifo", g.notifyFifo());
        opt("vrrp_notify_fifo", g.vrrpNotifyFifo());
        opt("lvs_notify_fifo", g.lvsNotifyFifo());
        opt("vrrp_mcast_group4", g.vrrpMcastGroup4());
        opt("vrrp_mcast_group6", g.vrrpMcastGroup6());
        g.adminAddress().ifPresent(a -> line("vigil_admin", hostPort(a)));
        opt("vigil_admin_token", g.adminToken());
        line("proxy_maxconn", Integer.toString(g.proxyMaxconn()));
        g.engine().ifPresent(e -> line("vigil_engine", e.keyword()));
        if (!g.adminHostNames().isEmpty()) {
            line("vigil_admin_host_names", String.join(" ", g.adminHostNames().stream().map(ConfigPrinter::quote).toList()));
        }
        close();
    }

    private static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? address(a.getAddress()) : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private void script(VrrpScript s) {
        open("vrrp_script", quote(s.name()));
        line("script", script(s.script()));
        line("interval", seconds(s.interval()));
        line("timeout", seconds(s.timeout()));
        line("weight", Integer.toString(s.weight()) + (s.weightReverse() ? " reverse" : ""));
        line("rise", Integer.toString(s.rise()));
        line("fall", Integer.toString(s.fall()));
        flag("init_fail", s.initFail());
        close();
    }

    private void instance(VrrpInstance i) {
        open("vrrp_instance", quote(i.name()));
        line("state", i.initialState().name());
        line("interface", quote(i.interfaceName()));
        line("virtual_router_id", Integer.toString(i.virtualRouterId()));
        line("priority", Integer.toString(i.priority()));
        line("advert_int", seconds(i.advertInterval()));
        line("version", Integer.toString(i.version()));
        i.authentication().ifPresent(a -> {
            open("authentication");
            line("auth_type", a.type().name());
            line("auth_pass", quote(a.password()));
            close();
        });
        virtualIps("virtual_ipaddress", i.virtualIps());
        virtualIps("virtual_ipaddress_excluded", i.excludedVirtualIps());
        line(i.preempt() ? "preempt" : "nopreempt");
        line("preempt_delay", seconds(i.preemptDelay()));
        opt("unicast_src_ip", i.unicastSrcIp());
        if (!i.unicastPeers().isEmpty()) {
            open("unicast_peer");
            for (InetAddress a : i.unicastPeers()) line(address(a));
            close();
        }
        opt("mcast_src_ip", i.mcastSrcIp());
        trackInterfaces(i.trackInterfaces());
        trackScripts(i.trackScripts());
        notify(i.notifyScripts());
        opt("smtp_alert", i.smtpAlert());
        Garp g = i.garp();
        line("garp_master_delay", Long.toString(g.delay().toSeconds()));
        line("garp_master_repeat", Integer.toString(g.repeat()));
        line("garp_master_refresh", Long.toString(g.refresh().toSeconds()));
        line("garp_master_refresh_repeat", Integer.toString(g.refreshRepeat()));
        opt("lvs_sync_daemon_interface", i.lvsSyncDaemonInterface());
        flag("dont_track_primary", i.dontTrackPrimary());
        line("v3_checksum_as_v2", onOff(i.v3ChecksumAsV2()));
        line("check_unicast_src", onOff(i.checkUnicastSrc()));
        close();
    }

    private void virtualIps(String keyword, List<VirtualIp> vips) {
        if (vips.isEmpty()) return;
        open(keyword);
        for (VirtualIp v : vips) {
            StringBuilder b = new StringBuilder(address(v.address())).append('/').append(v.prefixLength());
            v.broadcast().ifPresent(x -> b.append(" brd ").append(address(x)));
            v.device().ifPresent(x -> b.append(" dev ").append(quote(x)));
            v.scope().ifPresent(x -> b.append(" scope ").append(quote(x)));
            v.label().ifPresent(x -> b.append(" label ").append(quote(x)));
            line(b.toString());
        }
        close();
    }

    private void trackInterfaces(List<VrrpInstance.TrackInterface> tracks) {
        if (tracks.isEmpty()) return;
        open("track_interface");
        for (VrrpInstance.TrackInterface t : tracks) {
            line(quote(t.name()), "weight", Integer.toString(t.weight()) + (t.reverse() ? " reverse" : ""));
        }
        close();
    }

    private void trackScripts(List<VrrpInstance.TrackScript> tracks) {
        if (tracks.isEmpty()) return;
        open("track_script");
        for (VrrpInstance.TrackScript t : tracks) {
            String w = t.weight().map(x -> " weight " + x + (t.reverse() ? " reverse" : "")).orElse("");
            line(quote(t.name()) + w);
        }
        close();
    }

    private void notify(Notify n) {
        script("notify", n.any());
        script("notify_master", n.master());
        script("notify_backup", n.backup());
        script("notify_fault", n.fault());
        script("notify_stop", n.stop());
    }

    private void syncGroup(VrrpSyncGroup g) {
        open("vrrp_sync_group", quote(g.name()));
        open("group");
        for (String i : g.instances()) line(quote(i));
        close();
        notify(g.notifyScripts());
        opt("smtp_alert", g.smtpAlert());
        trackInterfaces(g.trackInterfaces());
        trackScripts(g.trackScripts());
        close();
    }

    private void serverGroup(VirtualServerGroup g) {
        open("virtual_server_group", quote(g.name()));
        for (VirtualServerGroup.Member m : g.members()) {
            switch (m) {
                case VirtualServerGroup.AddressRange r -> line(address(r.first())
                        + r.last().map(l -> "-" + address(l)).orElse(""), Integer.toString(r.port()));
                case VirtualServerGroup.Fwmark f -> line("fwmark", Integer.toString(f.mark()));
            }
        }
        close();
    }

    private void timing(CheckTiming t) {
        opt("connect_timeout", t.connectTimeout());
        t.retry().ifPresent(r -> line("retry", Integer.toString(r)));
        opt("delay_before_retry", t.delayBeforeRetry());
        opt("warmup", t.warmup());
        opt("delay_loop", t.delayLoop());
        opt("alpha", t.alpha());
    }

    private void virtualServer(VirtualServer v) {
        switch (v.key()) {
            case VirtualServer.ByAddress a -> open("virtual_server", address(a.address()),
                    Integer.toString(a.port()));
            case VirtualServer.ByFwmark f -> open("virtual_server", "fwmark", Integer.toString(f.mark()));
            case VirtualServer.ByGroup g -> open("virtual_server", "group", quote(g.name()));
        }
        line("lb_algo", v.scheduler().keyword());
        line("lb_kind", v.forwardingMethod().name());
        line("protocol", v.protocol().name());
        v.persistenceTimeout().ifPresent(p -> line("persistence_timeout", Long.toString(p.toSeconds())));
        opt("persistence_granularity", v.persistenceGranularity());
        v.sorryServer().ifPresent(s -> line("sorry_server", address(s.getAddress()),
                Integer.toString(s.getPort())));
        flag("sorry_server_inhibit", v.sorryServerInhibit());
        line("quorum", Integer.toString(v.quorum()));
        line("hysteresis", Integer.toString(v.hysteresis()));
        script("quorum_up", v.quorumUp());
        script("quorum_down", v.quorumDown());
        flag("omega", v.omega());
        flag("inhibit_on_failure", v.inhibitOnFailure());
        flag("ha_suspend", v.haSuspend());
        opt("virtualhost", v.virtualhost());
        opt("smtp_alert", v.smtpAlert());
        for (SchedulerFlag f : SchedulerFlag.values()) flag(f.keyword(), v.schedulerFlags().contains(f));
        timing(v.checkTiming());
        VirtualServer.ProxySettings p = v.proxy();
        line("proxy_connect_timeout", seconds(p.connectTimeout()));
        line("proxy_idle_timeout", seconds(p.idleTimeout()));
        opt("proxy_source_address", p.sourceAddress());
        line("proxy_tcp_nodelay", onOff(p.tcpNodelay()));
        line("proxy_tcp_keepalive", onOff(p.tcpKeepalive()));
        line("proxy_maxconn", Integer.toString(p.maxconn()));
        line("proxy_maxconn_per_source", Integer.toString(p.maxconnPerSource()));
        line("proxy_half_close_timeout", seconds(p.halfCloseTimeout()));
        v.engine().choice().ifPresent(e -> line("vigil_engine", e.keyword()));
        opt("vigil_snat", v.engine().snat());
        for (RealServer r : v.realServers()) realServer(r);
        close();
    }

    private void realServer(RealServer r) {
        open("real_server", address(r.address()), Integer.toString(r.port()));
        line("weight", Integer.toString(r.weight()));
        r.forwardingMethod().ifPresent(m -> line("lvs_method", m.name()));
        script("notify_up", r.notifyUp());
        script("notify_down", r.notifyDown());
        line("uthreshold", Integer.toString(r.upperThreshold()));
        line("lthreshold", Integer.toString(r.lowerThreshold()));
        opt("smtp_alert", r.smtpAlert());
        opt("virtualhost", r.virtualhost());
        opt("inhibit_on_failure", r.inhibitOnFailure());
        timing(r.checkTiming());
        for (Checker c : r.checkers()) checker(c);
        close();
    }

    private void connection(Checker.Connection c) {
        opt("connect_ip", c.connectIp());
        c.connectPort().ifPresent(p -> line("connect_port", Integer.toString(p)));
        opt("bindto", c.bindTo());
        c.bindPort().ifPresent(p -> line("bind_port", Integer.toString(p)));
    }

    private void checker(Checker checker) {
        switch (checker) {
            case Checker.TcpCheck t -> {
                open("TCP_CHECK");
                connection(t.connection());
                timing(t.timing());
            }
            case Checker.HttpCheck h -> {
                open(h.tls() ? "SSL_GET" : "HTTP_GET");
                connection(h.connection());
                timing(h.timing());
                for (Checker.Url u : h.urls()) url(u);
                opt("virtualhost", h.virtualhost());
                line("http_protocol", h.httpProtocol());
                flag("enable_sni", h.enableSni());
                opt("sni_name", h.sniName());
                opt("ca_file", h.caFile());
                line("fast_recovery", onOff(h.fastRecovery()));
            }
            case Checker.SmtpCheck s -> {
                open("SMTP_CHECK");
                connection(s.connection());
                timing(s.timing());
                opt("helo_name", s.heloName());
            }
            case Checker.MiscCheck m -> {
                open("MISC_CHECK");
                line("misc_path", script(m.script()));
                m.timeout().ifPresent(t -> line("misc_timeout", Long.toString(t.toSeconds())));
                flag("misc_dynamic", m.dynamic());
                m.user().ifPresent(u -> line("user", user(u)));
                timing(m.timing());
            }
            case Checker.ExchangeCheck e -> {
                open("EXCHANGE_CHECK");
                connection(e.connection());
                timing(e.timing());
                line("services", String.join(" ", e.services().stream().map(Checker.ExchangeService::keyword).toList()));
                line("attempts", Integer.toString(e.attempts()));
                line("policy", e.policy().name().toLowerCase(java.util.Locale.ROOT));
                if (!e.required().isEmpty()) {
                    line("require", String.join(" ", e.required().stream().map(Checker.ExchangeService::keyword).toList()));
                }
                opt("host", e.host());
                opt("ca_file", e.caFile());
            }
        }
        close();
    }

    private void url(Checker.Url u) {
        open("url");
        line("path", quote(u.path()));
        opt("digest", u.digest());
        StringBuilder codes = new StringBuilder();
        for (Checker.StatusRange r : u.statusCodes()) {
            if (!codes.isEmpty()) codes.append(' ');
            codes.append(r.low() == r.high() ? Integer.toString(r.low()) : r.low() + "-" + r.high());
        }
        line("status_code", codes.toString());
        opt("virtualhost", u.virtualhost());
        opt("regex", u.regex());
        flag("regex_no_match", u.regexNoMatch());
        close();
    }
}
