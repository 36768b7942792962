package dev.vigil.config;

import dev.vigil.config.Keyword.Handler;
import dev.vigil.config.Keyword.Shape;
import dev.vigil.config.Keyword.Support;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The one table of every keyword Vigil knows: where it may be written, its value, keepalived's default
 * and unit, whether Vigil acts on it, and what reading it does. The parser dispatches on it, unknown
 * keywords get their suggestion from it, and docs/keywords.md is generated from it.
 */
final class KeywordTable {
    /** One example per keyword ("BLOCK|name|example"); KeywordExamplesTest parses every one in its block. */
    private static final Map<String, String> EXAMPLES = examples(
            "TOP|virtual_server_group|virtual_server_group VSG_1 { 10.0.0.1-10 443 }",
            "TOP|virtual_server|virtual_server 192.168.3.110 443 { lb_algo wlc }",
            "GLOBAL_DEFS|notification_email|notification_email { unix_adm@domain.ru }",
            "GLOBAL_DEFS|notification_email_from|notification_email_from balancer01@domain.ru",
            "GLOBAL_DEFS|smtp_server|smtp_server 192.168.3.1 25",
            "GLOBAL_DEFS|smtp_helo_name|smtp_helo_name balancer01.domain.ru",
            "GLOBAL_DEFS|smtp_connect_timeout|smtp_connect_timeout 30",
            "GLOBAL_DEFS|smtp_alert|smtp_alert on",
            "GLOBAL_DEFS|router_id|router_id exchange_balancer01",
            "GLOBAL_DEFS|enable_script_security|enable_script_security",
            "GLOBAL_DEFS|script_user|script_user keepalived_script",
            "GLOBAL_DEFS|vrrp_garp_master_delay|vrrp_garp_master_delay 10",
            "GLOBAL_DEFS|vrrp_garp_master_repeat|vrrp_garp_master_repeat 1",
            "GLOBAL_DEFS|vrrp_garp_master_refresh|vrrp_garp_master_refresh 60",
            "GLOBAL_DEFS|vrrp_garp_master_refresh_repeat|vrrp_garp_master_refresh_repeat 2",
            "GLOBAL_DEFS|vrrp_garp_interval|vrrp_garp_interval 0.001",
            "GLOBAL_DEFS|vrrp_gna_interval|vrrp_gna_interval 0.000001",
            "GLOBAL_DEFS|lvs_sync_daemon|lvs_sync_daemon eth0",
            "GLOBAL_DEFS|vrrp_version|vrrp_version 3",
            "GLOBAL_DEFS|vrrp_strict|vrrp_strict",
            "GLOBAL_DEFS|notify_fifo|notify_fifo /run/keepalived.fifo",
            "GLOBAL_DEFS|vrrp_notify_fifo|vrrp_notify_fifo /run/vrrp.fifo",
            "GLOBAL_DEFS|lvs_notify_fifo|lvs_notify_fifo /run/lvs.fifo",
            "GLOBAL_DEFS|vrrp_mcast_group4|vrrp_mcast_group4 224.0.0.18",
            "GLOBAL_DEFS|vrrp_mcast_group6|vrrp_mcast_group6 ff02::12",
            "GLOBAL_DEFS|v3_checksum_as_v2|v3_checksum_as_v2 on",
            "GLOBAL_DEFS|vigil_admin|vigil_admin 127.0.0.1:9180",
            "GLOBAL_DEFS|vigil_admin_token|vigil_admin_token \"s3cret-token\"",
            "VRRP_SCRIPT|script|script \"/etc/keepalived/check_haproxy.sh --quick\" nobody",
            "VRRP_SCRIPT|interval|interval 2",
            "VRRP_SCRIPT|timeout|timeout 1.5",
            "VRRP_SCRIPT|weight|weight -20",
            "VRRP_SCRIPT|rise|rise 2",
            "VRRP_SCRIPT|fall|fall 3",
            "VRRP_SCRIPT|user|user nobody nogroup",
            "VRRP_SCRIPT|init_fail|init_fail",
            "VRRP_INSTANCE|state|state MASTER",
            "VRRP_INSTANCE|interface|interface eth0",
            "VRRP_INSTANCE|virtual_router_id|virtual_router_id 117",
            "VRRP_INSTANCE|priority|priority 100",
            "VRRP_INSTANCE|advert_int|advert_int 1",
            "VRRP_INSTANCE|version|version 3",
            "AUTHENTICATION|auth_type|auth_type PASS",
            "AUTHENTICATION|auth_pass|auth_pass mrelay",
            "VRRP_INSTANCE|virtual_ipaddress|virtual_ipaddress { 192.168.3.110/24 dev eth0 label eth0:vip }",
            "VRRP_INSTANCE|virtual_ipaddress_excluded|virtual_ipaddress_excluded { 2001:db8::110/64 }",
            "VRRP_INSTANCE|nopreempt|nopreempt",
            "VRRP_INSTANCE|preempt|preempt",
            "VRRP_INSTANCE|preempt_delay|preempt_delay 30",
            "VRRP_INSTANCE|unicast_src_ip|unicast_src_ip 192.168.3.101",
            "VRRP_INSTANCE|unicast_peer|unicast_peer { 192.168.3.102 }",
            "VRRP_INSTANCE|mcast_src_ip|mcast_src_ip 192.168.3.101",
            "VRRP_INSTANCE|track_interface|track_interface { eth1 weight -50 }",
            "VRRP_INSTANCE|track_script|track_script { chk weight 10 }",
            "VRRP_INSTANCE|notify|notify /etc/keepalived/notify.sh",
            "VRRP_INSTANCE|notify_master|notify_master \"/etc/keepalived/snat.py -a 192.168.3.111 -s 192.168.3.110\"",
            "VRRP_INSTANCE|notify_backup|notify_backup \"/etc/keepalived/snat.py -r 192.168.3.111 -s 192.168.3.110\"",
            "VRRP_INSTANCE|notify_fault|notify_fault \"/etc/keepalived/snat.py -r 192.168.3.111 -s 192.168.3.110\"",
            "VRRP_INSTANCE|notify_stop|notify_stop /etc/keepalived/stopped.sh",
            "VRRP_INSTANCE|smtp_alert|smtp_alert",
            "VRRP_INSTANCE|garp_master_delay|garp_master_delay 10",
            "VRRP_INSTANCE|garp_master_repeat|garp_master_repeat 1",
            "VRRP_INSTANCE|garp_master_refresh|garp_master_refresh 60",
            "VRRP_INSTANCE|garp_master_refresh_repeat|garp_master_refresh_repeat 2",
            "VRRP_INSTANCE|lvs_sync_daemon_interface|lvs_sync_daemon_interface eth0",
            "VRRP_INSTANCE|dont_track_primary|dont_track_primary",
            "VRRP_INSTANCE|v3_checksum_as_v2|v3_checksum_as_v2",
            "VRRP_SYNC_GROUP|group|group { V }",
            "VRRP_SYNC_GROUP|notify|notify /etc/keepalived/notify_group.sh",
            "VRRP_SYNC_GROUP|notify_master|notify_master /etc/keepalived/master.sh",
            "VRRP_SYNC_GROUP|notify_backup|notify_backup /etc/keepalived/backup.sh",
            "VRRP_SYNC_GROUP|notify_fault|notify_fault /etc/keepalived/fault.sh",
            "VRRP_SYNC_GROUP|notify_stop|notify_stop /etc/keepalived/stop.sh",
            "VRRP_SYNC_GROUP|smtp_alert|smtp_alert off",
            "VRRP_SYNC_GROUP|track_interface|track_interface { eth1 }",
            "VRRP_SYNC_GROUP|track_script|track_script { chk }",
            "CHECK_TIMING|connect_timeout|connect_timeout 3",
            "CHECK_TIMING|retry|retry 3",
            "CHECK_TIMING|nb_get_retry|nb_get_retry 3",
            "CHECK_TIMING|delay_before_retry|delay_before_retry 2.5",
            "CHECK_TIMING|warmup|warmup 0",
            "CHECK_TIMING|delay_loop|delay_loop 20",
            "CHECK_TIMING|alpha|alpha",
            "VIRTUAL_SERVER|lb_algo|lb_algo wlc",
            "VIRTUAL_SERVER|lvs_sched|lvs_sched mh",
            "VIRTUAL_SERVER|lb_kind|lb_kind NAT",
            "VIRTUAL_SERVER|lvs_method|lvs_method NAT",
            "VIRTUAL_SERVER|protocol|protocol TCP",
            "VIRTUAL_SERVER|persistence_timeout|persistence_timeout 600",
            "VIRTUAL_SERVER|persistence_granularity|persistence_granularity 255.255.255.0",
            "VIRTUAL_SERVER|sorry_server|sorry_server 192.168.3.200 443",
            "VIRTUAL_SERVER|sorry_server_inhibit|sorry_server_inhibit",
            "VIRTUAL_SERVER|quorum|quorum 2",
            "VIRTUAL_SERVER|hysteresis|hysteresis 1",
            "VIRTUAL_SERVER|quorum_up|quorum_up \"/etc/keepalived/quorum.sh up\"",
            "VIRTUAL_SERVER|quorum_down|quorum_down \"/etc/keepalived/quorum.sh down\"",
            "VIRTUAL_SERVER|omega|omega",
            "VIRTUAL_SERVER|inhibit_on_failure|inhibit_on_failure",
            "VIRTUAL_SERVER|ha_suspend|ha_suspend",
            "VIRTUAL_SERVER|virtualhost|virtualhost mail.domain.ru",
            "VIRTUAL_SERVER|smtp_alert|smtp_alert",
            "VIRTUAL_SERVER|flag-1|flag-1",
            "VIRTUAL_SERVER|flag-2|flag-2",
            "VIRTUAL_SERVER|flag-3|flag-3",
            "VIRTUAL_SERVER|sh-port|sh-port",
            "VIRTUAL_SERVER|sh-fallback|sh-fallback",
            "VIRTUAL_SERVER|mh-port|mh-port",
            "VIRTUAL_SERVER|mh-fallback|mh-fallback",
            "VIRTUAL_SERVER|ops|ops",
            "VIRTUAL_SERVER|proxy_connect_timeout|proxy_connect_timeout 3",
            "VIRTUAL_SERVER|proxy_idle_timeout|proxy_idle_timeout 3600",
            "VIRTUAL_SERVER|proxy_source_address|proxy_source_address 192.168.3.110",
            "VIRTUAL_SERVER|proxy_tcp_nodelay|proxy_tcp_nodelay on",
            "VIRTUAL_SERVER|proxy_tcp_keepalive|proxy_tcp_keepalive off",
            "VIRTUAL_SERVER|real_server|real_server 192.168.3.111 443 { weight 1 }",
            "REAL_SERVER|weight|weight 2",
            "REAL_SERVER|lvs_method|lvs_method NAT",
            "REAL_SERVER|lb_kind|lb_kind NAT",
            "REAL_SERVER|notify_up|notify_up \"/etc/keepalived/rs.sh up 192.168.3.111\"",
            "REAL_SERVER|notify_down|notify_down \"/etc/keepalived/rs.sh down 192.168.3.111\"",
            "REAL_SERVER|uthreshold|uthreshold 5000",
            "REAL_SERVER|lthreshold|lthreshold 4000",
            "REAL_SERVER|smtp_alert|smtp_alert off",
            "REAL_SERVER|virtualhost|virtualhost ex01.domain.ru",
            "REAL_SERVER|inhibit_on_failure|inhibit_on_failure on",
            "REAL_SERVER|TCP_CHECK|TCP_CHECK { connect_timeout 3 }",
            "REAL_SERVER|HTTP_GET|HTTP_GET { url { path /healthz } }",
            "REAL_SERVER|SSL_GET|SSL_GET { url { path /owa/healthcheck.htm } }",
            "REAL_SERVER|SMTP_CHECK|SMTP_CHECK { helo_name balancer01.domain.ru }",
            "REAL_SERVER|MISC_CHECK|MISC_CHECK { misc_path \"/etc/keepalived/check_exchange.sh 192.168.3.111\" }",
            "REAL_SERVER|EXCHANGE_CHECK|EXCHANGE_CHECK { services rpc owa ews mapi eas ecp autodiscover oab }",
            "CHECKER|connect_ip|connect_ip 192.168.3.111",
            "CHECKER|connect_port|connect_port 443",
            "CHECKER|bindto|bindto 192.168.3.101",
            "CHECKER|bind_port|bind_port 40000",
            "HTTP_CHECK|url|url { path /rpc/healthcheck.htm }",
            "HTTP_CHECK|virtualhost|virtualhost mail.domain.ru",
            "HTTP_CHECK|http_protocol|http_protocol 1.1",
            "HTTP_CHECK|enable_sni|enable_sni",
            "HTTP_CHECK|sni_name|sni_name mail.domain.ru",
            "HTTP_CHECK|fast_recovery|fast_recovery",
            "HTTP_CHECK|ca_file|ca_file /etc/vigil/exchange-ca.pem",
            "URL|path|path /rpc/healthcheck.htm",
            "URL|digest|digest 9b3a0c85a887a256d6939da88aabd8cd",
            "URL|status_code|status_code 200-299 401",
            "URL|virtualhost|virtualhost mail.domain.ru",
            "URL|regex|regex \"200 OK\"",
            "URL|regex_no_match|regex_no_match",
            "SMTP_CHECK|helo_name|helo_name balancer01.domain.ru",
            "MISC_CHECK|misc_path|misc_path \"/etc/keepalived/check_exchange.sh 192.168.3.111\"",
            "MISC_CHECK|misc_timeout|misc_timeout 18",
            "MISC_CHECK|misc_dynamic|misc_dynamic",
            "MISC_CHECK|user|user nobody",
            "EXCHANGE_CHECK|services|services rpc owa ews",
            "EXCHANGE_CHECK|attempts|attempts 3",
            "EXCHANGE_CHECK|policy|policy any",
            "EXCHANGE_CHECK|require|require rpc",
            "EXCHANGE_CHECK|host|host mail.domain.ru",
            "EXCHANGE_CHECK|ca_file|ca_file /etc/vigil/exchange-ca.pem");

    private static Map<String, String> examples(String... rows) {
        Map<String, String> m = new java.util.HashMap<>();
        for (String row : rows) {
            String[] p = row.split("\\|", 3);
            m.put(p[0] + "|" + p[1], p[2]);
        }
        return m;
    }

    private final Map<Block, Map<String, Keyword>> byBlock = new EnumMap<>(Block.class);
    private final List<Keyword> all = new ArrayList<>();

    static KeywordTable standard() {
        return Standard.TABLE;
    }

    /** Built on first use, after every static field the definitions rely on. */
    private static final class Standard {
        static final KeywordTable TABLE = new KeywordTable();
    }

    private KeywordTable() {
        for (Block b : Block.values()) byBlock.put(b, new LinkedHashMap<>());
        top();
        globalDefs();
        vrrpScript();
        vrrpInstance();
        syncGroup();
        checkTiming();
        virtualServer();
        realServer();
        checkers();
    }

    Optional<Keyword> find(Block block, String name) {
        Keyword k = byBlock.get(block).get(name);
        if (k != null) return Optional.of(k);
        for (Block b : block.extended()) {
            k = byBlock.get(b).get(name);
            if (k != null) return Optional.of(k);
        }
        return Optional.empty();
    }

    List<Keyword> all() {
        return List.copyOf(all);
    }

    List<Keyword> in(Block block) {
        return List.copyOf(byBlock.get(block).values());
    }

    /** The known keyword of this block nearest to {@code name} by edit distance, if near enough. */
    Optional<String> nearest(Block block, String name) {
        List<String> names = new ArrayList<>(byBlock.get(block).keySet());
        for (Block b : block.extended()) names.addAll(byBlock.get(b).keySet());
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        String lower = name.toLowerCase(Locale.ROOT);
        for (String candidate : names) {
            int d = distance(lower, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        int limit = Math.max(2, name.length() / 4);
        return best != null && bestDistance <= limit ? Optional.of(best) : Optional.empty();
    }

    /** Levenshtein distance, capped on long input so hostile text cannot cost much. */
    static int distance(String a, String b) {
        if (a.length() > 64 || b.length() > 64) return Integer.MAX_VALUE;
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    // ---- the table ----

    private <D> void add(Block block, String name, Shape shape, String syntax, String def, String unit,
                         Support support, String description, Handler<D> handler) {
        Keyword k = new Keyword(name, block, syntax, def, unit, support, shape, description,
                EXAMPLES.getOrDefault(block.name() + "|" + name, ""), handler);
        if (byBlock.get(block).put(name, k) != null) throw new IllegalStateException("duplicate keyword " + name);
        all.add(k);
    }

    private <D> void value(Block block, String name, String syntax, String def, String unit, Support support,
                           String description, Handler<D> handler) {
        add(block, name, Shape.VALUE, syntax, def, unit, support, description, handler);
    }

    private <D> void block(Block block, String name, String syntax, String description, Handler<D> handler) {
        add(block, name, Shape.BLOCK, syntax, "", "", Support.ACTED, description, handler);
    }

    private void ignored(Block block, String description, String... names) {
        for (String name : names) {
            add(block, name, Shape.ANY, "", "", "", Support.IGNORED, description,
                    (Object d, ConfigNode n, ParseContext c) -> { });
        }
    }

    private static final Support YES = Support.ACTED;
    private static final Support PARSED = Support.PARSED_ONLY;

    private void top() {
        block(Block.TOP, "global_defs", "{ ... }", "Global definitions: mail alerts, router id, defaults.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    if (cfg.global == null) {
                        cfg.global = new Drafts.Global();
                        cfg.global.source = n.source();
                    }
                    c.atMost(n, 0);
                    c.walk(Block.GLOBAL_DEFS, n.children(), cfg.global);
                });
        block(Block.TOP, "vrrp_script", "NAME { ... }", "A script whose result VRRP instances can track.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    for (Drafts.VrrpScriptDraft s : cfg.scripts) {
                        if (s.name.equals(name)) {
                            c.error(n.arg(0).source(), "vrrp_script '" + name + "' is already defined at " + s.source);
                            return;
                        }
                    }
                    Drafts.VrrpScriptDraft s = new Drafts.VrrpScriptDraft();
                    s.name = name;
                    s.source = n.source();
                    c.walk(Block.VRRP_SCRIPT, n.children(), s);
                    cfg.scripts.add(s);
                });
        block(Block.TOP, "vrrp_instance", "NAME { ... }", "A VRRP virtual router on one interface.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    for (Drafts.Instance i : cfg.instances) {
                        if (i.name.equals(name)) {
                            c.error(n.arg(0).source(), "vrrp_instance '" + name + "' is already defined at " + i.source);
                            return;
                        }
                    }
                    Drafts.Instance i = new Drafts.Instance();
                    i.name = name;
                    i.source = n.source();
                    c.walk(Block.VRRP_INSTANCE, n.children(), i);
                    cfg.instances.add(i);
                });
        block(Block.TOP, "vrrp_sync_group", "NAME { ... }", "VRRP instances that change state together.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    Drafts.SyncGroup g = new Drafts.SyncGroup();
                    g.name = name;
                    g.source = n.source();
                    c.walk(Block.VRRP_SYNC_GROUP, n.children(), g);
                    cfg.syncGroups.add(g);
                });
        block(Block.TOP, "virtual_server_group", "NAME { IP[-LAST] [PORT] | IP/LEN [PORT] | fwmark N ... }",
                "Addresses and fwmarks one virtual server serves together.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    List<VirtualServerGroup.Member> members = new ArrayList<>();
                    for (ConfigNode m : n.children()) {
                        VirtualServerGroup.Member member = groupMember(m, c);
                        if (member != null) members.add(member);
                    }
                    cfg.virtualServerGroups.add(new VirtualServerGroup(name, members, n.source()));
                });
        block(Block.TOP, "virtual_server", "IP PORT | fwmark N | group NAME { ... }",
                "A load-balanced service and its real servers.",
                (Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    VirtualServer.Key key = virtualServerKey(n, c);
                    if (key == null) return;
                    Drafts.VirtualServerDraft vs = new Drafts.VirtualServerDraft();
                    vs.key = key;
                    vs.source = n.source();
                    c.walk(Block.VIRTUAL_SERVER, n.children(), vs);
                    cfg.virtualServers.add(vs);
                });
        ignored(Block.TOP, "keepalived feature outside Vigil's scope", "static_ipaddress", "static_routes",
                "static_rules", "linkbeat_interfaces", "track_file", "vrrp_track_file", "vrrp_track_process",
                "track_group", "garp_group", "vrrp_garp_group", "bfd_instance", "SSL", "net_namespace",
                "net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir", "linkbeat_use_polling",
                "child_wait_time", "vrrp_gna_group");
    }

    private static VirtualServerGroup.Member groupMember(ConfigNode m, ParseContext c) {
        if (m.name().equals("fwmark")) {
            Integer mark = c.integer(m, 0, 0, 0xFFFFFFFFL >>> 1);
            c.atMost(m, 2);
            return mark == null ? null : new VirtualServerGroup.Fwmark(mark, m.source());
        }
        String text = m.name();
        int port = 0;
        if (m.argCount() > 0) {
            Integer p = c.port(m.arg(0), "virtual_server_group");
            if (p == null) return null;
            port = p;
        }
        c.atMost(m, 1);
        InetAddress first;
        InetAddress last = null;
        int slash = text.indexOf('/');
        int dash = text.indexOf('-');
        if (slash >= 0) {
            first = ParseContext.literal(text.substring(0, slash));
            Integer len = first == null ? null : prefixLength(text.substring(slash + 1), first);
            if (first == null || len == null) {
                c.error(m.source(), "malformed address range '" + text + "' in virtual_server_group");
                return null;
            }
            byte[] lo = first.getAddress();
            byte[] hi = lo.clone();
            for (int bit = len; bit < lo.length * 8; bit++) {
                lo[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
                hi[bit / 8] |= (byte) (0x80 >>> (bit % 8));
            }
            try {
                first = InetAddress.getByAddress(lo);
                last = InetAddress.getByAddress(hi);
            } catch (java.net.UnknownHostException e) {
                return null;
            }
            if (first.equals(last)) last = null;
        } else if (dash >= 0) {
            first = ParseContext.literal(text.substring(0, dash));
            String end = text.substring(dash + 1);
            last = first == null ? null : rangeEnd(first, end);
            if (first == null || last == null) {
                c.error(m.source(), "malformed address range '" + text + "' in virtual_server_group");
                return null;
            }
        } else {
            first = ParseContext.literal(text);
            if (first == null) {
                c.error(m.source(), "malformed IP address '" + text + "' in virtual_server_group");
                return null;
            }
        }
        return new VirtualServerGroup.AddressRange(first, Optional.ofNullable(last), port, m.source());
    }

    private static Integer prefixLength(String text, InetAddress a) {
        try {
            int len = Integer.parseInt(text);
            return len >= 0 && len <= a.getAddress().length * 8 ? len : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** {@code 10-20} replaces the last octet (IPv4) or group (IPv6); a full address is taken as is. */
    private static InetAddress rangeEnd(InetAddress first, String end) {
        InetAddress full = ParseContext.literal(end);
        if (full != null) return full.getClass() == first.getClass() ? full : null;
        byte[] b = first.getAddress();
        try {
            if (b.length == 4) {
                int v = Integer.parseInt(end);
                if (v < 0 || v > 255 || v < (b[3] & 0xff)) return null;
                b[3] = (byte) v;
            } else {
                int v = Integer.parseInt(end, 16);
                if (v < 0 || v > 0xffff) return null;
                b[14] = (byte) (v >>> 8);
                b[15] = (byte) v;
            }
            return InetAddress.getByAddress(b);
        } catch (NumberFormatException | java.net.UnknownHostException e) {
            return null;
        }
    }

    private static VirtualServer.Key virtualServerKey(ConfigNode n, ParseContext c) {
        String first = c.word(n, 0);
        if (first == null) return null;
        switch (first) {
            case "fwmark" -> {
                Integer mark = c.integer(n, 1, 1, 0xFFFFFFFFL >>> 1);
                c.atMost(n, 2);
                return mark == null ? null : new VirtualServer.ByFwmark(mark);
            }
            case "group" -> {
                String name = c.word(n, 1);
                c.atMost(n, 2);
                return name == null ? null : new VirtualServer.ByGroup(name);
            }
            default -> {
                InetAddress a = c.address(n.arg(0), "virtual_server");
                Integer port = 0;
                if (n.argCount() > 1) port = c.port(n.arg(1), "virtual_server");
                c.atMost(n, 2);
                return a == null || port == null ? null : new VirtualServer.ByAddress(a, port);
            }
        }
    }

    private void globalDefs() {
        Block g = Block.GLOBAL_DEFS;
        block(g, "notification_email", "{ ADDRESS ... }", "Recipients of mail alerts.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode e : n.children()) {
                        d.notificationEmail.add(e.name());
                        for (Token t : e.args()) d.notificationEmail.add(t.text());
                    }
                });
        value(g, "notification_email_from", "ADDRESS", "keepalived@HOSTNAME", "", YES, "Sender of mail alerts.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.notificationEmailFrom = c.string(n));
        value(g, "smtp_server", "IP|NAME [PORT]", "", "", YES, "SMTP relay for mail alerts (port 25 by default).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
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
                });
        value(g, "smtp_helo_name", "NAME", "HOSTNAME", "", YES, "Name sent in SMTP HELO.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.smtpHeloName = c.string(n));
        value(g, "smtp_connect_timeout", "<INTEGER>", "30", "s", YES, "SMTP connection timeout.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Integer s = c.integer(n, 0, 1, 3600);
                    c.atMost(n, 1);
                    if (s != null) d.smtpConnectTimeout = Duration.ofSeconds(s);
                });
        value(g, "smtp_alert", "[<BOOL>]", "off", "", YES, "Default for sending mail on state changes.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Boolean b = c.bool(n, 0);
                    if (b != null) d.smtpAlert = b;
                });
        value(g, "router_id", "STRING", "HOSTNAME", "", YES, "Names this node in alerts.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.routerId = c.string(n));
        value(g, "enable_script_security", "", "off", "", YES,
                "Refuse scripts that a non-root user could modify when run as root.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.enableScriptSecurity = true;
                });
        value(g, "script_user", "USER [GROUP]", "keepalived_script or root", "", YES,
                "Default user (and group) scripts run as.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    c.scriptUser(n, 0).ifPresent(u -> d.scriptUser = u);
                });
        value(g, "vrrp_garp_master_delay", "<INTEGER>", "5", "s", YES,
                "Delay of the second set of gratuitous ARPs after becoming master (0: none).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.garp.delay = secondsValue(n, c, 0, 86400));
        value(g, "vrrp_garp_master_repeat", "<INTEGER>", "5", "", YES,
                "Gratuitous ARPs sent at a time after becoming master.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.garp.repeat = intValue(n, c, 1, 255));
        value(g, "vrrp_garp_master_refresh", "<INTEGER>", "0", "s", YES,
                "Interval of gratuitous ARP refreshes while master (0: none).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.garp.refresh = secondsValue(n, c, 0, 86400));
        value(g, "vrrp_garp_master_refresh_repeat", "<INTEGER>", "1", "", YES,
                "Gratuitous ARPs sent at each refresh.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.garp.refreshRepeat = intValue(n, c, 1, 255));
        value(g, "vrrp_garp_interval", "<TIMER>", "0", "s", PARSED, "Delay between gratuitous ARPs on an interface.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.timer(n, 0, 0, 1);
                    c.atMost(n, 1);
                });
        value(g, "vrrp_gna_interval", "<TIMER>", "0", "s", PARSED,
                "Delay between unsolicited neighbour adverts on an interface.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.timer(n, 0, 0, 1);
                    c.atMost(n, 1);
                });
        value(g, "lvs_sync_daemon", "IF [[inst] INSTANCE] [id N] [maxlen N] [port N] [ttl N] [group IP]", "", "",
                Support.ENGINE_LIMIT, "IPVS connection synchronisation. The proxy engine cannot preserve connections "
                        + "across a failover: connections open through a failed node are lost and clients reconnect.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    String iface = c.word(n, 0);
                    if (iface == null) return;
                    String instance = null;
                    int i = 1;
                    if (i < n.argCount() && n.arg(i).text().equals("inst")) i++;
                    if (i < n.argCount() && !List.of("id", "maxlen", "port", "ttl", "group").contains(n.arg(i).text())) {
                        instance = n.arg(i).text();
                    }
                    d.lvsSyncDaemon = new GlobalDefs.LvsSyncDaemon(iface, Optional.ofNullable(instance), n.source());
                });
        value(g, "vrrp_version", "2|3", "2", "", YES, "Default VRRP version (IPv6 instances always use 3).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 2, 3);
                    if (v != null) d.vrrpVersion = v;
                });
        value(g, "vrrp_strict", "", "off", "", YES, "Strict RFC compliance (no authentication, no unicast).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.vrrpStrict = true;
                });
        value(g, "notify_fifo", "PATH", "", "", YES, "FIFO receiving every state change.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.notifyFifo = c.word(n, 0));
        value(g, "vrrp_notify_fifo", "PATH", "", "", YES, "FIFO receiving VRRP state changes.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.vrrpNotifyFifo = c.word(n, 0));
        value(g, "lvs_notify_fifo", "PATH", "", "", YES, "FIFO receiving checker state changes.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.lvsNotifyFifo = c.word(n, 0));
        value(g, "vrrp_mcast_group4", "IPV4", "224.0.0.18", "", YES, "Multicast group of IPv4 VRRP adverts.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.mcastGroup4 = multicast(n, c, 4));
        value(g, "vrrp_mcast_group6", "IPV6", "ff02::12", "", YES, "Multicast group of IPv6 VRRP adverts.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.mcastGroup6 = multicast(n, c, 16));
        value(g, "v3_checksum_as_v2", "[<BOOL>]", "off", "", YES,
                "Default for VRRPv3 IPv4 checksums without the pseudo-header.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Boolean b = c.bool(n, 0);
                    if (b != null) d.v3ChecksumAsV2 = b;
                });
        value(g, "vigil_admin", "HOST:PORT", "", "", YES,
                "Vigil: address of the admin API and dashboard (port 9180 if omitted).",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> {
                    Token t = c.arg(n, 0);
                    c.atMost(n, 1);
                    if (t != null) d.adminAddress = hostPort(t, n.name(), GlobalDefs.DEFAULT_ADMIN_PORT, c);
                });
        value(g, "vigil_admin_token", "STRING", "", "", YES, "Vigil: bearer token the admin API requires.",
                (Drafts.Global d, ConfigNode n, ParseContext c) -> d.adminToken = c.string(n));
        ignored(g, "keepalived global setting outside Vigil's scope", "net_namespace", "net_namespace_ipvs",
                "namespace_with_ipsets", "instance", "use_pid_dir", "linkbeat_use_polling", "child_wait_time",
                "shutdown_script", "shutdown_script_timeout", "startup_script", "startup_script_timeout",
                "smtp_alert_vrrp", "smtp_alert_checker", "checker_log_all_failures", "no_email_faults",
                "no_checker_emails", "default_interface", "lvs_timeouts", "lvs_flush", "lvs_flush_on_stop",
                "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat", "vrrp_min_garp", "vrrp_garp_extra_if",
                "vrrp_down_timer_adverts", "vrrp_lower_prio_no_advert", "vrrp_higher_prio_send_advert",
                "vrrp_iptables", "vrrp_ipsets", "nftables", "nftables_priority", "nftables_ifindex",
                "nftables_counters", "nftables_ipvs", "nftables_ipvs_priority", "nftables_ipvs_start_fwmark",
                "vrrp_check_unicast_src", "vrrp_skip_check_adv_addr", "vrrp_priority", "checker_priority",
                "bfd_priority", "vrrp_no_swap", "checker_no_swap", "bfd_no_swap", "vrrp_rt_priority",
                "checker_rt_priority", "bfd_rt_priority", "vrrp_rlimit_rttime", "checker_rlimit_rttime",
                "bfd_rlimit_rttime", "vrrp_cpu_affinity", "checker_cpu_affinity", "bfd_cpu_affinity",
                "max_auto_priority", "min_auto_priority_delay", "dynamic_interfaces", "process_names",
                "process_name", "vrrp_process_name", "checker_process_name", "bfd_process_name",
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
                "lvs_id", "lvs_sync_daemon_interface");
    }

    private static Duration secondsValue(ConfigNode n, ParseContext c, int min, int max) {
        Integer s = c.integer(n, 0, min, max);
        c.atMost(n, 1);
        return s == null ? null : Duration.ofSeconds(s);
    }

    private static Integer intValue(ConfigNode n, ParseContext c, long min, long max) {
        Integer v = c.integer(n, 0, min, max);
        c.atMost(n, 1);
        return v;
    }

    private static InetAddress multicast(ConfigNode n, ParseContext c, int length) {
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
    private static InetSocketAddress hostPort(Token t, String what, int defaultPort, ParseContext c) {
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

    private void vrrpScript() {
        Block b = Block.VRRP_SCRIPT;
        value(b, "script", "COMMAND [USER [GROUP]]", "", "", YES, "The command to run (split into argv, no shell).",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    d.scriptSeen = true;
                    d.script = c.script(n, 0);
                });
        value(b, "interval", "<TIMER>", "1", "s", YES, "Time between runs.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = timerValue(n, c, 0.001, 86400);
                    if (t != null) d.interval = t;
                });
        value(b, "timeout", "<TIMER>", "interval", "s", YES, "A run taking longer has failed.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> d.timeout = timerValue(n, c, 0.001, 86400));
        value(b, "weight", "<-253..253> [reverse]", "0", "", YES,
                "Priority change while the script succeeds (positive) or fails (negative); 0: fail means FAULT.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer w = c.integer(n, 0, -253, 253);
                    if (w != null) d.weight = w;
                    d.reverse = reverse(n, 1, c);
                });
        value(b, "rise", "<INTEGER>", "1", "", YES, "Successes needed to count as up.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 1, 1_000_000);
                    if (v != null) d.rise = v;
                });
        value(b, "fall", "<INTEGER>", "1", "", YES, "Failures needed to count as down.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 1, 1_000_000);
                    if (v != null) d.fall = v;
                });
        value(b, "user", "USER [GROUP]", "script_user", "", YES, "User (and group) the script runs as.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) != null) c.scriptUser(n, 0).ifPresent(u -> d.user = u);
                });
        value(b, "init_fail", "", "off", "", YES, "Assume the script is failing until it first succeeds.",
                (Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.initFail = true;
                });
    }

    private static Duration timerValue(ConfigNode n, ParseContext c, double min, double max) {
        Duration d = c.timer(n, 0, min, max);
        c.atMost(n, 1);
        return d;
    }

    private static boolean reverse(ConfigNode n, int i, ParseContext c) {
        if (i >= n.argCount()) return false;
        String w = n.arg(i).text();
        c.atMost(n, i + 1);
        if (w.equals("reverse")) return true;
        if (!w.equals("noreverse")) c.error(n.arg(i).source(), "expected 'reverse' or 'noreverse', got '" + w + "'");
        return false;
    }

    private void vrrpInstance() {
        Block b = Block.VRRP_INSTANCE;
        value(b, "state", "MASTER|BACKUP", "BACKUP", "", YES, "State to start in.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    String s = c.choice(n, 0, "state", List.of("MASTER", "BACKUP"));
                    c.atMost(n, 1);
                    if (s != null) d.state = VrrpInstance.InitialState.valueOf(s);
                });
        value(b, "interface", "IFNAME", "", "", YES, "Interface VRRP runs on (required).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.interfaceName = c.string(n));
        value(b, "virtual_router_id", "<1..255>", "", "", YES, "VRID, shared by the nodes of one router (required).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.vridSeen = true;
                    Integer v = intValue(n, c, 1, 255);
                    if (v != null) d.vrid = v;
                });
        value(b, "priority", "<1..255>", "100", "", YES, "Election priority; 255 is the address owner.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 1, 255);
                    if (v != null) d.priority = v;
                });
        value(b, "advert_int", "<TIMER>", "1", "s", YES, "Advertisement interval.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Duration t = timerValue(n, c, 0.01, 255);
                    if (t != null) {
                        d.advertInterval = t;
                        d.advertSource = n.source();
                    }
                });
        value(b, "version", "2|3", "vrrp_version", "", YES, "VRRP version of this instance.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.version = intValue(n, c, 2, 3));
        block(b, "authentication", "{ auth_type PASS|AH; auth_pass PASSWORD }",
                "VRRPv2 authentication (removed from the RFC; avoid).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.authSource = n.source();
                    c.walk(Block.AUTHENTICATION, n.children(), d);
                });
        value(Block.AUTHENTICATION, "auth_type", "PASS|AH", "", "", YES, "Authentication type.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.authTypeSeen = true;
                    String t = c.choice(n, 0, "auth_type", List.of("PASS", "AH"));
                    c.atMost(n, 1);
                    if (t != null) d.authType = VrrpInstance.AuthType.valueOf(t);
                });
        value(Block.AUTHENTICATION, "auth_pass", "PASSWORD", "", "", YES, "Password; only 8 characters are used.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    String p = c.string(n);
                    if (p != null && p.length() > 8) {
                        c.warning(n.arg(0).source(), "only the first 8 characters of 'auth_pass' are used");
                    }
                    d.authPass = p;
                });
        block(b, "virtual_ipaddress", "{ IP[/LEN] [brd IP] [dev IF] [scope S] [label L] ... }",
                "The addresses the master holds.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode line : n.children()) {
                        VirtualIp vip = virtualIp(line, c);
                        if (vip != null) d.vips.add(vip);
                    }
                });
        block(b, "virtual_ipaddress_excluded", "{ IP[/LEN] ... }", "Addresses held by the master but not advertised.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode line : n.children()) {
                        VirtualIp vip = virtualIp(line, c);
                        if (vip != null) d.excluded.add(vip);
                    }
                });
        value(b, "nopreempt", "", "off", "", YES, "Do not take over from a lower-priority master (needs state BACKUP and priority < 255).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.preempt = false;
                    d.nopreemptSource = n.source();
                });
        value(b, "preempt", "", "on", "", YES, "Take over from a lower-priority master (the default).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.preempt = true;
                });
        value(b, "preempt_delay", "<TIMER 0..1000>", "0", "s", YES, "Wait this long after start before preempting.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Duration t = timerValue(n, c, 0, 1000);
                    if (t != null) {
                        d.preemptDelay = t;
                        d.preemptDelaySource = n.source();
                    }
                });
        value(b, "unicast_src_ip", "IP", "", "", YES, "Source address of unicast adverts.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.unicastSrcIp = c.address(n, 0);
                    c.atMost(n, 1);
                });
        block(b, "unicast_peer", "{ IP ... }", "Send adverts to these peers by unicast instead of multicast.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode p : n.children()) {
                        InetAddress a = c.address(p.keyword(), "unicast_peer");
                        if (p.argCount() > 0) {
                            c.warning(p.arg(0).source(), "unicast_peer option '" + p.arg(0).text() + "' is ignored");
                        }
                        if (a != null) d.unicastPeers.add(a);
                    }
                });
        value(b, "mcast_src_ip", "IP", "primary address", "", YES, "Source address of multicast adverts.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.mcastSrcIp = c.address(n, 0);
                    c.atMost(n, 1);
                });
        block(b, "track_interface", "{ IF [weight <-253..253> [reverse]] ... }",
                "Interfaces whose link state changes priority (weight 0: link down means FAULT).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> trackInterfaces(n, c, d.trackInterfaces));
        block(b, "track_script", "{ NAME [weight <-253..253> [reverse]] ... }",
                "vrrp_scripts whose result changes priority.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> trackScripts(n, c, d.trackScripts,
                        d.trackScriptSources));
        notifyKeywords(b);
        value(b, "smtp_alert", "[<BOOL>]", "global smtp_alert", "", YES, "Mail on state changes.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0));
        value(b, "garp_master_delay", "<INTEGER>", "vrrp_garp_master_delay", "s", YES,
                "Delay of the second set of gratuitous ARPs.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.garp.delay = secondsValue(n, c, 0, 86400));
        value(b, "garp_master_repeat", "<INTEGER>", "vrrp_garp_master_repeat", "", YES, "Gratuitous ARPs at a time.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.garp.repeat = intValue(n, c, 1, 255));
        value(b, "garp_master_refresh", "<INTEGER>", "vrrp_garp_master_refresh", "s", YES,
                "Interval of gratuitous ARP refreshes (0: none).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.garp.refresh = secondsValue(n, c, 0, 86400));
        value(b, "garp_master_refresh_repeat", "<INTEGER>", "vrrp_garp_master_refresh_repeat", "", YES,
                "Gratuitous ARPs at each refresh.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.garp.refreshRepeat = intValue(n, c, 1, 255));
        value(b, "lvs_sync_daemon_interface", "IF", "", "", Support.DEPRECATED,
                "use 'lvs_sync_daemon IF INSTANCE' in global_defs; the proxy engine cannot preserve connections "
                        + "across a failover: clients reconnect",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.lvsSyncDaemonInterface = c.string(n));
        value(b, "dont_track_primary", "", "off", "", YES, "Ignore faults of the instance's own interface.",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.dontTrackPrimary = true;
                });
        value(b, "v3_checksum_as_v2", "[<BOOL>]", "global v3_checksum_as_v2", "", YES,
                "VRRPv3 IPv4 checksum without the pseudo-header (as Cisco and Juniper do).",
                (Drafts.Instance d, ConfigNode n, ParseContext c) -> d.v3ChecksumAsV2 = c.bool(n, 0));
        ignored(b, "keepalived instance option outside Vigil's scope", "use_vmac", "vmac_xmit_base", "use_vmac_addr",
                "use_ipvlan", "native_ipv6", "track_file", "track_process", "track_bfd", "mcast_dst_ip",
                "track_src_ip", "check_unicast_src", "unicast_fault_no_peer", "unicast_ttl", "old_unicast_checksum",
                "garp_lower_prio_delay", "garp_lower_prio_repeat", "garp_extra_if", "down_timer_adverts",
                "timer_expired_backup", "lower_prio_no_advert", "higher_prio_send_advert", "virtual_routes",
                "virtual_rules", "accept", "no_accept", "strict_mode", "skip_check_adv_addr", "promote_secondaries",
                "linkbeat_use_polling", "notify_master_rx_lower_pri", "notify_priority_changes", "notify_deleted",
                "kernel_rx_buf_size", "debug", "vrf", "auth_hmac", "no_virtual_ipaddress");
    }

    private void notifyKeywords(Block b) {
        String[][] rows = {
                {"notify", "Script run on every state change, with the group/instance, name and state."},
                {"notify_master", "Script run on becoming master."},
                {"notify_backup", "Script run on becoming backup."},
                {"notify_fault", "Script run on entering fault."},
                {"notify_stop", "Script run when the instance stops."}};
        for (String[] row : rows) {
            String name = row[0];
            value(b, name, "COMMAND [USER [GROUP]]", "", "", YES, row[1], (Object d, ConfigNode n, ParseContext c) -> {
                Drafts.NotifyDraft nd = d instanceof Drafts.Instance i ? i.notify : ((Drafts.SyncGroup) d).notify;
                Script s = c.script(n, 0);
                switch (name) {
                    case "notify" -> nd.any = s;
                    case "notify_master" -> nd.master = s;
                    case "notify_backup" -> nd.backup = s;
                    case "notify_fault" -> nd.fault = s;
                    default -> nd.stop = s;
                }
            });
        }
    }

    private static void trackInterfaces(ConfigNode n, ParseContext c, List<VrrpInstance.TrackInterface> out) {
        for (ConfigNode t : n.children()) {
            int weight = 0;
            boolean reverse = false;
            if (t.argCount() > 0) {
                if (!t.arg(0).text().equals("weight")) {
                    c.error(t.arg(0).source(), "expected 'weight' after the interface name, got '" + t.arg(0).text() + "'");
                    continue;
                }
                Integer w = c.integer(t, 1, -253, 253);
                if (w == null) continue;
                weight = w;
                reverse = reverse(t, 2, c);
            }
            out.add(new VrrpInstance.TrackInterface(t.name(), weight, reverse));
        }
    }

    private static void trackScripts(ConfigNode n, ParseContext c, List<VrrpInstance.TrackScript> out,
                                     List<Source> sources) {
        for (ConfigNode t : n.children()) {
            Optional<Integer> weight = Optional.empty();
            boolean reverse = false;
            if (t.argCount() > 0) {
                if (!t.arg(0).text().equals("weight")) {
                    c.error(t.arg(0).source(), "expected 'weight' after the script name, got '" + t.arg(0).text() + "'");
                    continue;
                }
                Integer w = c.integer(t, 1, -253, 253);
                if (w == null) continue;
                weight = Optional.of(w);
                reverse = reverse(t, 2, c);
            }
            out.add(new VrrpInstance.TrackScript(t.name(), weight, reverse));
            sources.add(t.source());
        }
    }

    private static VirtualIp virtualIp(ConfigNode line, ParseContext c) {
        String text = line.name();
        int slash = text.indexOf('/');
        InetAddress a = ParseContext.literal(slash >= 0 ? text.substring(0, slash) : text);
        if (a == null) {
            c.error(line.source(), "malformed IP address '" + text + "' in virtual_ipaddress");
            return null;
        }
        int prefix = VirtualIp.defaultPrefix(a);
        if (slash >= 0) {
            Integer p = prefixLength(text.substring(slash + 1), a);
            if (p == null) {
                c.error(line.source(), "malformed prefix length in '" + text + "' (0.." + prefix + ")");
                return null;
            }
            prefix = p;
        }
        InetAddress brd = null;
        String dev = null;
        String scope = null;
        String label = null;
        List<Token> args = line.args();
        for (int i = 0; i < args.size(); i++) {
            String opt = args.get(i).text();
            boolean takesValue = List.of("brd", "broadcast", "dev", "scope", "label", "peer", "preferred_lft")
                    .contains(opt);
            if (takesValue && i + 1 >= args.size()) {
                c.error(args.get(i).source(), "'" + opt + "' needs a value in virtual_ipaddress");
                return null;
            }
            switch (opt) {
                case "brd", "broadcast" -> {
                    Token v = args.get(++i);
                    brd = c.address(v, "brd");
                    if (brd == null) return null;
                }
                case "dev" -> dev = args.get(++i).text();
                case "scope" -> scope = args.get(++i).text();
                case "label" -> label = args.get(++i).text();
                default -> {
                    c.warning(args.get(i).source(), "virtual_ipaddress option '" + opt + "' is ignored");
                    if (takesValue) i++;
                }
            }
        }
        return new VirtualIp(a, prefix, Optional.ofNullable(brd), Optional.ofNullable(dev), Optional.ofNullable(scope),
                Optional.ofNullable(label), line.source());
    }

    private void syncGroup() {
        Block b = Block.VRRP_SYNC_GROUP;
        block(b, "group", "{ INSTANCE ... }", "The member vrrp_instances.",
                (Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode m : n.children()) {
                        d.instances.add(m.name());
                        d.instanceSources.add(m.source());
                        for (Token t : m.args()) {
                            d.instances.add(t.text());
                            d.instanceSources.add(t.source());
                        }
                    }
                });
        notifyKeywords(b);
        value(b, "smtp_alert", "[<BOOL>]", "global smtp_alert", "", YES, "Mail on state changes of the group.",
                (Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0));
        block(b, "track_interface", "{ IF [weight <-253..253> [reverse]] ... }", "Interfaces the whole group tracks.",
                (Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> trackInterfaces(n, c, d.trackInterfaces));
        block(b, "track_script", "{ NAME [weight <-253..253> [reverse]] ... }", "Scripts the whole group tracks.",
                (Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> trackScripts(n, c, d.trackScripts,
                        d.trackScriptSources));
        ignored(b, "keepalived sync group option outside Vigil's scope", "track_file", "track_process", "track_bfd",
                "global_tracking", "sync_group_tracking_weight", "notify_priority_changes", "notify_deleted");
    }

    private void checkTiming() {
        Block b = Block.CHECK_TIMING;
        value(b, "connect_timeout", "<TIMER>", "5", "s", YES, "Checker connection timeout.",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().connectTimeout = timerValue(n, c, 0.000001, 86400));
        value(b, "retry", "<INTEGER>", "1 (MISC_CHECK: 0)", "", YES, "Extra tries before a server is marked down.",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().retry = intValue(n, c, 0, 1_000_000));
        value(b, "nb_get_retry", "<INTEGER>", "1", "", YES, "Old name of 'retry' (warns).",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> {
                    c.warning(n.source(), "'nb_get_retry' is deprecated; use 'retry'");
                    d.timing().retry = intValue(n, c, 0, 1_000_000);
                });
        value(b, "delay_before_retry", "<TIMER>", "1 (HTTP_GET, SSL_GET: 3)", "s", YES, "Pause before a retry.",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().delayBeforeRetry = timerValue(n, c, 0, 86400));
        value(b, "warmup", "<TIMER>", "delay_loop", "s", YES,
                "Maximum random delay before the first check (0: none).",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().warmup = timerValue(n, c, 0, 86400));
        value(b, "delay_loop", "<TIMER>", "60", "s", YES, "Time between checks.",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().delayLoop = timerValue(n, c, 0.000001, 86400));
        value(b, "alpha", "[<BOOL>]", "off", "", YES, "Start with servers down until a check passes.",
                (Drafts.Timed d, ConfigNode n, ParseContext c) -> d.timing().alpha = c.bool(n, 0));
    }

    private static final List<String> SCHEDULERS =
            Arrays.stream(Scheduler.values()).map(Scheduler::keyword).toList();
    private static final List<String> METHODS = List.of("NAT", "DR", "TUN");

    private static ForwardingMethod forwardingMethod(ConfigNode n, ParseContext c) {
        String m = c.choice(n, 0, n.name(), METHODS);
        if (m == null) return null;
        ForwardingMethod fm = ForwardingMethod.valueOf(m);
        if (fm != ForwardingMethod.NAT) {
            c.warning(n.arg(0).source(), "Vigil forwards as a proxy; '" + n.name() + " " + m + "' behaves as NAT");
        }
        if (fm != ForwardingMethod.TUN) c.atMost(n, 1);
        return fm;
    }

    private void virtualServer() {
        Block b = Block.VIRTUAL_SERVER;
        Handler<Drafts.VirtualServerDraft> sched = (d, n, c) -> {
            String s = c.choice(n, 0, n.name(), SCHEDULERS);
            c.atMost(n, 1);
            if (s != null) d.scheduler = Scheduler.fromKeyword(s).orElseThrow();
        };
        value(b, "lb_algo", "rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|mh|fo|ovf|twos", "wlc", "", YES, "Scheduler.", sched);
        value(b, "lvs_sched", "(as lb_algo)", "wlc", "", YES, "Scheduler (newer name of lb_algo).", sched);
        Handler<Drafts.VirtualServerDraft> kind = (d, n, c) -> {
            ForwardingMethod fm = forwardingMethod(n, c);
            if (fm != null) d.forwardingMethod = fm;
        };
        value(b, "lb_kind", "NAT|DR|TUN", "NAT", "", YES, "Forwarding method; Vigil always proxies (NAT).", kind);
        value(b, "lvs_method", "NAT|DR|TUN", "NAT", "", YES, "Forwarding method (newer name of lb_kind).", kind);
        value(b, "protocol", "TCP|UDP|SCTP", "TCP", "", YES, "Transport protocol.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "protocol", List.of("TCP", "UDP", "SCTP"));
                    c.atMost(n, 1);
                    if (p != null) d.protocol = Protocol.valueOf(p);
                });
        value(b, "persistence_timeout", "[<INTEGER>]", "none (no value: 360)", "s", YES,
                "Keep a client on the same real server this long.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    if (n.argCount() == 0) {
                        d.persistenceTimeout = VirtualServer.DEFAULT_PERSISTENCE_TIMEOUT;
                        return;
                    }
                    d.persistenceTimeout = secondsValue(n, c, 1, 2_678_400);
                });
        value(b, "persistence_granularity", "NETMASK", "255.255.255.255", "", YES,
                "Persistence for whole client networks.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    d.persistenceGranularity = c.address(n, 0);
                    c.atMost(n, 1);
                });
        value(b, "sorry_server", "IP [PORT]", "", "", YES, "Server used while the quorum is lost.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    InetAddress a = c.address(n, 0);
                    Integer port = d.port();
                    if (n.argCount() > 1) port = c.port(n.arg(1), n.name());
                    c.atMost(n, 2);
                    if (a != null && port != null) d.sorryServer = new InetSocketAddress(a, port);
                });
        value(b, "sorry_server_inhibit", "[<BOOL>]", "off", "", YES, "Apply inhibit_on_failure to the sorry server.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.sorryServerInhibit = v;
                });
        value(b, "quorum", "<INTEGER>", "1", "", YES, "Minimum total weight of live real servers.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 0, Integer.MAX_VALUE);
                    if (v != null) d.quorum = v;
                });
        value(b, "hysteresis", "<INTEGER>", "0", "", YES, "Weight tolerated around the quorum (flap damping).",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 0, Integer.MAX_VALUE);
                    if (v != null) d.hysteresis = v;
                });
        value(b, "quorum_up", "COMMAND [USER [GROUP]]", "", "", YES, "Script run when the quorum is gained.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.quorumUp = c.script(n, 0));
        value(b, "quorum_down", "COMMAND [USER [GROUP]]", "", "", YES, "Script run when the quorum is lost.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.quorumDown = c.script(n, 0));
        value(b, "omega", "", "off", "", YES, "Run quorum_down and notify_down scripts on shutdown.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.omega = true;
                });
        value(b, "inhibit_on_failure", "[<BOOL>]", "off", "", YES,
                "Set a failed real server's weight to 0 instead of removing it.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.inhibitOnFailure = v;
                });
        value(b, "ha_suspend", "", "off", "", PARSED, "Suspend checks while the virtual address is absent.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.haSuspend = true;
                });
        value(b, "virtualhost", "NAME", "", "", YES, "Default Host header of HTTP_GET/SSL_GET checks.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n));
        value(b, "smtp_alert", "[<BOOL>]", "global smtp_alert", "", YES, "Mail on quorum changes.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0));
        for (SchedulerFlag f : SchedulerFlag.values()) {
            // sh and mh read their port/fallback flags; IPVS gives flag-1..3 and ops no meaning for TCP.
            Support support = f.keyword().matches("(sh|mh)-(port|fallback)") ? YES : PARSED;
            value(b, f.keyword(), "", "off", "", support, "Scheduler flag (ipvsadm -b " + f.keyword() + ").",
                    (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                        c.atMost(n, 0);
                        d.flags.add(f);
                    });
        }
        value(b, "proxy_connect_timeout", "<TIMER>", "5", "s", YES, "Vigil: timeout of the proxy's connection to a real server.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = timerValue(n, c, 0.001, 3600);
                    if (t != null) d.proxyConnectTimeout = t;
                });
        value(b, "proxy_idle_timeout", "<TIMER>", "4500", "s", YES,
                "Vigil: close a proxied connection idle this long (long for ActiveSync/MAPI).",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = timerValue(n, c, 0.001, 604800);
                    if (t != null) d.proxyIdleTimeout = t;
                });
        value(b, "proxy_source_address", "IP", "", "", YES, "Vigil: source address of connections to real servers.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    d.proxySourceAddress = c.address(n, 0);
                    c.atMost(n, 1);
                });
        value(b, "proxy_tcp_nodelay", "[<BOOL>]", "on", "", YES, "Vigil: TCP_NODELAY on proxied connections.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.proxyTcpNodelay = v;
                });
        value(b, "proxy_tcp_keepalive", "[<BOOL>]", "on", "", YES, "Vigil: SO_KEEPALIVE on proxied connections.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.proxyTcpKeepalive = v;
                });
        block(b, "real_server", "IP [PORT] { ... }", "A server the service is balanced to.",
                (Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    InetAddress a = c.address(n, 0);
                    Integer port = d.port();
                    if (n.argCount() > 1) port = c.port(n.arg(1), "real_server");
                    c.atMost(n, 2);
                    if (a == null || port == null) return;
                    Drafts.RealServerDraft r = new Drafts.RealServerDraft();
                    r.address = a;
                    r.port = port;
                    r.source = n.source();
                    c.walk(Block.REAL_SERVER, n.children(), r);
                    d.realServers.add(r);
                });
        ignored(b, "keepalived virtual server option outside Vigil's scope", "persistence_engine", "snmp_name",
                "ip_family", "sorry_server_lvs_method");
    }

    private void realServer() {
        Block b = Block.REAL_SERVER;
        value(b, "weight", "<0..65535>", "1", "", YES, "Relative share of new connections.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 0, 65535);
                    if (v != null) d.weight = v;
                });
        Handler<Drafts.RealServerDraft> method = (d, n, c) -> d.forwardingMethod = forwardingMethod(n, c);
        value(b, "lvs_method", "NAT|DR|TUN", "the virtual server's", "", YES, "Forwarding method of this server.", method);
        value(b, "lb_kind", "NAT|DR|TUN", "the virtual server's", "", YES, "Old name of lvs_method.", method);
        value(b, "notify_up", "COMMAND [USER [GROUP]]", "", "", YES, "Script run when the server comes up.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.notifyUp = c.script(n, 0));
        value(b, "notify_down", "COMMAND [USER [GROUP]]", "", "", YES, "Script run when the server goes down.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.notifyDown = c.script(n, 0));
        value(b, "uthreshold", "<INTEGER>", "0 (none)", "", YES, "Maximum connections to this server.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 0, Integer.MAX_VALUE);
                    if (v != null) d.upperThreshold = v;
                });
        value(b, "lthreshold", "<INTEGER>", "0 (none)", "", YES, "Connections below which the server is used again.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 0, Integer.MAX_VALUE);
                    if (v != null) d.lowerThreshold = v;
                });
        value(b, "smtp_alert", "[<BOOL>]", "on", "", YES, "Mail when this server changes state.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0));
        value(b, "virtualhost", "NAME", "the virtual server's", "", YES, "Host header of HTTP_GET/SSL_GET checks.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n));
        value(b, "inhibit_on_failure", "[<BOOL>]", "the virtual server's", "", YES,
                "Set weight 0 instead of removing the server when it fails.",
                (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.inhibitOnFailure = c.bool(n, 0));
        checkerBlock(b, "TCP_CHECK", "Up when a TCP connection opens.", Block.TCP_CHECK, Drafts.TcpCheckDraft::new);
        checkerBlock(b, "HTTP_GET", "Up when every url answers as expected over HTTP.", Block.HTTP_CHECK,
                Drafts.HttpCheckDraft::new);
        checkerBlock(b, "SSL_GET", "HTTP_GET over TLS (certificate not verified unless ca_file).", Block.HTTP_CHECK,
                () -> {
                    Drafts.HttpCheckDraft h = new Drafts.HttpCheckDraft();
                    h.tls = true;
                    return h;
                });
        checkerBlock(b, "SMTP_CHECK", "Up when the server answers an SMTP HELO dialogue.", Block.SMTP_CHECK,
                Drafts.SmtpCheckDraft::new);
        checkerBlock(b, "MISC_CHECK", "Up when a script exits 0.", Block.MISC_CHECK, Drafts.MiscCheckDraft::new);
        checkerBlock(b, "EXCHANGE_CHECK", "Vigil: checks Exchange's healthcheck.htm pages over TLS.",
                Block.EXCHANGE_CHECK, Drafts.ExchangeCheckDraft::new);
        ignored(b, "keepalived checker or option Vigil does not have; the server gets no such check", "DNS_CHECK",
                "UDP_CHECK", "PING_CHECK", "BFD_CHECK", "FILE_CHECK", "snmp_name");
    }

    private void checkerBlock(Block rs, String name, String description, Block inner,
                              java.util.function.Supplier<Drafts.CheckerDraft> factory) {
        block(rs, name, "{ ... }", description, (Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
            c.atMost(n, 0);
            Drafts.CheckerDraft checker = factory.get();
            checker.source = n.source();
            c.walk(inner, n.children(), checker);
            d.checkers.add(checker);
        });
    }

    private void checkers() {
        Block b = Block.CHECKER;
        value(b, "connect_ip", "IP", "the real server's", "", YES, "Address the checker connects to.",
                (Drafts.Connected d, ConfigNode n, ParseContext c) -> {
                    d.connection().connectIp = c.address(n, 0);
                    c.atMost(n, 1);
                });
        value(b, "connect_port", "<PORT>", "the real server's", "", YES, "Port the checker connects to.",
                (Drafts.Connected d, ConfigNode n, ParseContext c) -> d.connection().connectPort = intValue(n, c, 0, 65535));
        value(b, "bindto", "IP", "", "", YES, "Source address of checker connections.",
                (Drafts.Connected d, ConfigNode n, ParseContext c) -> {
                    d.connection().bindTo = c.address(n, 0);
                    c.atMost(n, 1);
                });
        value(b, "bind_port", "<PORT>", "", "", YES, "Source port of checker connections.",
                (Drafts.Connected d, ConfigNode n, ParseContext c) -> d.connection().bindPort = intValue(n, c, 0, 65535));
        ignored(b, "keepalived checker option outside Vigil's scope", "bind_if", "fwmark", "log_all_failures");

        Block h = Block.HTTP_CHECK;
        block(h, "url", "{ path; digest; status_code; virtualhost; regex; regex_no_match }", "A page to fetch.",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Drafts.UrlDraft u = new Drafts.UrlDraft();
                    u.source = n.source();
                    c.walk(Block.URL, n.children(), u);
                    Checker.Url url = u.build(c.diagnostics());
                    if (url != null) d.urls.add(url);
                });
        value(h, "virtualhost", "NAME", "the real server's", "", YES, "Host header sent.",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n));
        value(h, "http_protocol", "1.0|1.0C|1.1", "1.0", "", YES, "HTTP version (1.0C: 1.0 with Connection: close).",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "http_protocol", List.of("1.0", "1.0C", "1.1"));
                    c.atMost(n, 1);
                    if (p != null) d.httpProtocol = p;
                });
        value(h, "enable_sni", "", "off", "", YES, "Send SNI in the TLS handshake (SSL_GET).",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.enableSni = true;
                });
        value(h, "sni_name", "NAME", "virtualhost", "", YES, "Name sent as SNI (SSL_GET).",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.sniName = c.string(n));
        value(h, "fast_recovery", "[<BOOL>]", "off", "", YES, "Check all urls at once when recovering.",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.fastRecovery = v;
                });
        value(h, "ca_file", "PATH", "", "", YES, "Vigil: verify the server certificate against these CAs.",
                (Drafts.HttpCheckDraft d, ConfigNode n, ParseContext c) -> d.caFile = path(n, c));
        ignored(h, "keepalived TLS option outside Vigil's scope", "tls_compliant");

        Block u = Block.URL;
        value(u, "path", "PATH", "", "", YES, "Path requested (required).",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    d.pathSeen = true;
                    d.path = c.string(n);
                });
        value(u, "digest", "MD5HEX", "", "", YES, "MD5 of the expected body (genhash).",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    String s = c.string(n);
                    if (s != null && !s.matches("[0-9a-fA-F]{32}")) {
                        c.error(n.arg(0).source(), "'digest' must be 32 hexadecimal digits, got '" + s + "'");
                        return;
                    }
                    d.digest = s == null ? null : s.toLowerCase(Locale.ROOT);
                });
        value(u, "status_code", "CODE|LOW-HIGH ...", "200-299", "", YES, "Accepted HTTP status codes.",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    for (Token t : n.args()) {
                        String s = t.text();
                        int dash = s.indexOf('-');
                        Integer lo = c.integer(new Token(dash >= 0 ? s.substring(0, dash) : s, t.source(), false),
                                "status_code", 100, 599);
                        Integer hi = dash >= 0 ? c.integer(new Token(s.substring(dash + 1), t.source(), false),
                                "status_code", 100, 599) : lo;
                        if (lo == null || hi == null) continue;
                        if (hi < lo) {
                            c.error(t.source(), "status_code range '" + s + "' ends before it starts");
                            continue;
                        }
                        d.statusCodes.add(new Checker.StatusRange(lo, hi));
                    }
                });
        value(u, "virtualhost", "NAME", "the checker's", "", YES, "Host header for this url.",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n));
        value(u, "regex", "REGEX", "", "", YES, "The body must match this regular expression.",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    String r = c.string(n);
                    if (r == null) return;
                    try {
                        java.util.regex.Pattern.compile(r);
                        d.regex = r;
                    } catch (java.util.regex.PatternSyntaxException e) {
                        c.error(n.arg(0).source(), "invalid regex '" + r + "': " + e.getDescription());
                    }
                });
        value(u, "regex_no_match", "", "off", "", YES, "The body must not match regex.",
                (Drafts.UrlDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.regexNoMatch = true;
                });
        ignored(u, "PCRE tuning Vigil does not need", "regex_options", "regex_stack", "regex_min_offset",
                "regex_max_offset", "tls_compliant");

        value(Block.SMTP_CHECK, "helo_name", "NAME", "HOSTNAME", "", YES, "Name sent in HELO.",
                (Drafts.SmtpCheckDraft d, ConfigNode n, ParseContext c) -> d.heloName = c.string(n));
        ignored(Block.SMTP_CHECK, "old multi-host form; write one SMTP_CHECK per host", "host");

        Block m = Block.MISC_CHECK;
        value(m, "misc_path", "COMMAND [USER [GROUP]]", "", "", YES, "Script to run (required).",
                (Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    d.scriptSeen = true;
                    d.script = c.script(n, 0);
                });
        value(m, "misc_timeout", "<INTEGER>", "delay_loop", "s", YES, "The script has failed after this long.",
                (Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> d.timeout = secondsValue(n, c, 1, 86400));
        value(m, "misc_dynamic", "", "off", "", YES, "Exit code 2..255 sets the weight to code - 2.",
                (Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.dynamic = true;
                });
        value(m, "user", "USER [GROUP]", "script_user", "", YES, "User (and group) the script runs as.",
                (Drafts.MiscCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) != null) c.scriptUser(n, 0).ifPresent(x -> d.user = x);
                });

        Block e = Block.EXCHANGE_CHECK;
        value(e, "services", "rpc|mapi|owa|ecp|ews|oab|eas|autodiscover ...", "rpc", "", YES,
                "Exchange services whose healthcheck.htm is fetched.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    d.services.clear();
                    for (Token t : n.args()) {
                        Optional<Checker.ExchangeService> s = Checker.ExchangeService.fromKeyword(t.text());
                        if (s.isEmpty()) c.error(t.source(), "unknown Exchange service '" + t.text()
                                + "' (expected one of rpc, mapi, owa, ecp, ews, oab, eas, autodiscover)");
                        else if (!d.services.contains(s.get())) d.services.add(s.get());
                    }
                });
        value(e, "attempts", "<1..100>", "3", "", YES, "Tries per service per round; any 200 passes.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = intValue(n, c, 1, 100);
                    if (v != null) d.attempts = v;
                });
        value(e, "policy", "all|any|list", "all", "", YES, "Which services must pass for the server to be up.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "policy", List.of("all", "any", "list"));
                    c.atMost(n, 1);
                    if (p != null) {
                        d.policy = Checker.ExchangeCheck.Policy.valueOf(p.toUpperCase(Locale.ROOT));
                        d.policySource = n.source();
                    }
                });
        value(e, "require", "SERVICE ...", "", "", YES, "With policy list: the services that must pass.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) == null) return;
                    for (Token t : n.args()) {
                        Optional<Checker.ExchangeService> s = Checker.ExchangeService.fromKeyword(t.text());
                        if (s.isEmpty()) c.error(t.source(), "unknown Exchange service '" + t.text() + "'");
                        else if (!d.required.contains(s.get())) d.required.add(s.get());
                    }
                });
        value(e, "host", "NAME", "the real server's address", "", YES, "Host header and SNI name sent.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> d.host = c.string(n));
        value(e, "ca_file", "PATH", "", "", YES, "Verify the server certificate against these CAs.",
                (Drafts.ExchangeCheckDraft d, ConfigNode n, ParseContext c) -> d.caFile = path(n, c));
    }

    private static Path path(ConfigNode n, ParseContext c) {
        String s = c.string(n);
        if (s == null) return null;
        try {
            return Path.of(s);
        } catch (RuntimeException e) {
            c.error(n.arg(0).source(), "malformed path '" + s + "'");
            return null;
        }
    }
}
