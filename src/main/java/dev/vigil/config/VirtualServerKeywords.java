package dev.vigil.config;

import dev.vigil.config.Keyword.Handler;
import dev.vigil.config.Keyword.Support;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static dev.vigil.config.Block.REAL_SERVER;
import static dev.vigil.config.Block.TOP;
import static dev.vigil.config.Block.VIRTUAL_SERVER;
import static dev.vigil.config.Keyword.Support.PARSED_ONLY;
import static dev.vigil.config.Keyword.ignored;
import static dev.vigil.config.Keyword.keyword;

/** The keywords of virtual_server_group, virtual_server and real_server (a real_server's checkers aside). */
final class VirtualServerKeywords {
    private static final List<String> SCHEDULERS =
            Arrays.stream(Scheduler.values()).map(Scheduler::keyword).toList();
    private static final List<String> METHODS = List.of("NAT", "DR", "TUN");

    private VirtualServerKeywords() {
    }

    static List<Keyword> keywords() {
        List<Keyword> k = new ArrayList<>();
        group(k);
        virtualServer(k);
        realServer(k);
        return k;
    }

    private static void group(List<Keyword> k) {
        k.add(keyword("virtual_server_group").in(TOP).block("NAME { IP[-LAST] [PORT] | IP/LEN [PORT] | fwmark N ... }")
                .doc("Addresses and fwmarks one virtual server serves together.")
                .example("virtual_server_group VSG_1 { 10.0.0.1-10 443 }")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    List<VirtualServerGroup.Member> members = new ArrayList<>();
                    for (ConfigNode m : n.children()) {
                        VirtualServerGroup.Member member = groupMember(m, c);
                        if (member != null) members.add(member);
                    }
                    cfg.virtualServerGroups.add(new VirtualServerGroup(name, members, n.source()));
                }));
    }

    private static VirtualServerGroup.@Nullable Member groupMember(ConfigNode m, ParseContext c) {
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
            Integer len = first == null ? null : ParseContext.prefixLength(text.substring(slash + 1), first);
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

    /** {@code 10-20} replaces the last octet (IPv4) or group (IPv6); a full address is taken as is. */
    private static @Nullable InetAddress rangeEnd(InetAddress first, String end) {
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

    private static void virtualServer(List<Keyword> k) {
        k.add(keyword("virtual_server").in(TOP).block("IP PORT | fwmark N | group NAME { ... }")
                .doc("A load-balanced service and its real servers. fwmark N: the packets the operator's own rules "
                        + "marked N (TCP and UDP); port 0: every port of IP; both forwarded by the kernel engine, "
                        + "which keeps the packet's port for a real server of port 0, as IPVS does.")
                .example("virtual_server 192.168.3.110 443 { lb_algo wlc }")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    VirtualServer.Key key = virtualServerKey(n, c);
                    if (key == null) return;
                    Drafts.VirtualServerDraft vs = new Drafts.VirtualServerDraft();
                    vs.key = key;
                    vs.source = n.source();
                    c.walk(VIRTUAL_SERVER, n.children(), vs);
                    cfg.virtualServers.add(vs);
                }));
        Handler<Drafts.VirtualServerDraft> sched = (d, n, c) -> {
            String s = c.choice(n, 0, n.name(), SCHEDULERS);
            c.atMost(n, 1);
            if (s != null) d.scheduler = Scheduler.fromKeyword(s).orElseThrow();
        };
        k.add(keyword("lb_algo").in(VIRTUAL_SERVER).value("rr|wrr|lc|wlc|lblc|lblcr|dh|sh|sed|nq|mh|fo|ovf|twos")
                .defaultValue("wlc")
                .doc("Scheduler. The kernel engine runs rr, wrr, sh (with sh-port, sh-fallback), dh and mh (with "
                        + "mh-port, mh-fallback) as nftables tables and lc, wlc, sed, nq, fo, ovf, twos, lblc and lblcr "
                        + "with its eBPF selector (VIP:port services only). mh-fallback walks Maglev's table to the "
                        + "next slot whose server is available (IPVS hashes again at each step), in both engines.")
                .example("lb_algo wlc")
                .handler(sched));
        k.add(keyword("lvs_sched").in(VIRTUAL_SERVER).value("(as lb_algo)").defaultValue("wlc")
                .doc("Scheduler (newer name of lb_algo).").example("lvs_sched mh")
                .handler(sched));
        Handler<Drafts.VirtualServerDraft> kind = (d, n, c) -> {
            ForwardingMethod fm = forwardingMethod(n, c);
            if (fm != null) d.forwardingMethod = fm;
        };
        k.add(keyword("lb_kind").in(VIRTUAL_SERVER).value("NAT|DR|TUN").defaultValue("NAT")
                .doc("Forwarding method. The proxy engine always acts as NAT; the kernel engine does NAT as IPVS "
                        + "does and refuses DR and TUN (naming the proxy engine, which proxies whatever the lb_kind)."
                        ).example("lb_kind NAT")
                .handler(kind));
        k.add(keyword("lvs_method").in(VIRTUAL_SERVER).value("NAT|DR|TUN").defaultValue("NAT")
                .doc("Forwarding method (newer name of lb_kind).").example("lvs_method NAT")
                .handler(kind));
        k.add(keyword("protocol").in(VIRTUAL_SERVER).value("TCP|UDP|SCTP").defaultValue("TCP")
                .doc("Transport protocol.").example("protocol TCP")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    String p = c.choice(n, 0, "protocol", List.of("TCP", "UDP", "SCTP"));
                    c.atMost(n, 1);
                    if (p != null) d.protocol = Protocol.valueOf(p);
                }));
        k.add(keyword("persistence_timeout").in(VIRTUAL_SERVER).value("[<INTEGER>]")
                .defaultValue("none (no value: 360)").unit("s")
                .doc("Keep a client on the same real server this long after its last connection ends (IPVS's "
                        + "templates; the kernel engine counts from the client's last packet). A server down or "
                        + "drained loses its clients; one at weight 0 keeps them.")
                .example("persistence_timeout 600")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    if (n.argCount() == 0) {
                        d.persistenceTimeout = VirtualServer.DEFAULT_PERSISTENCE_TIMEOUT;
                        return;
                    }
                    d.persistenceTimeout = c.secondsValue(n, 1, 2_678_400);
                }));
        k.add(keyword("persistence_granularity").in(VIRTUAL_SERVER).value("NETMASK").defaultValue("255.255.255.255")
                .doc("Persistence for whole client networks: the client's address under this mask (an IPv6 mask "
                        + "for IPv6 services) is what a template keys.").example("persistence_granularity 255.255.255.0")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    d.persistenceGranularity = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("sorry_server").in(VIRTUAL_SERVER).value("IP [PORT]")
                .doc("Server used while the quorum is lost.").example("sorry_server 192.168.3.200 443")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    InetAddress a = c.address(n, 0);
                    Integer port = d.port();
                    if (n.argCount() > 1) port = c.port(n.arg(1), n.name());
                    c.atMost(n, 2);
                    if (a != null && port != null) d.sorryServer = new InetSocketAddress(a, port);
                }));
        k.add(keyword("sorry_server_inhibit").in(VIRTUAL_SERVER).value("[<BOOL>]").defaultValue("off")
                .doc("Apply inhibit_on_failure to the sorry server.").example("sorry_server_inhibit")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.sorryServerInhibit = v;
                }));
        k.add(keyword("quorum").in(VIRTUAL_SERVER).value("<INTEGER>").defaultValue("1")
                .doc("Minimum total weight of live real servers.").example("quorum 2")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.quorum = v;
                }));
        k.add(keyword("hysteresis").in(VIRTUAL_SERVER).value("<INTEGER>").defaultValue("0")
                .doc("Weight tolerated around the quorum (flap damping).").example("hysteresis 1")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.hysteresis = v;
                }));
        k.add(keyword("quorum_up").in(VIRTUAL_SERVER).value("COMMAND [USER [GROUP]]")
                .doc("Script run when the quorum is gained.").example("quorum_up \"/etc/keepalived/quorum.sh up\"")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.quorumUp = c.script(n, 0)));
        k.add(keyword("quorum_down").in(VIRTUAL_SERVER).value("COMMAND [USER [GROUP]]")
                .doc("Script run when the quorum is lost.").example("quorum_down \"/etc/keepalived/quorum.sh down\"")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.quorumDown = c.script(n, 0)));
        k.add(keyword("omega").in(VIRTUAL_SERVER).value("").defaultValue("off")
                .doc("Run quorum_down and notify_down scripts on shutdown.").example("omega")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.omega = true;
                }));
        k.add(keyword("inhibit_on_failure").in(VIRTUAL_SERVER).value("[<BOOL>]").defaultValue("off")
                .doc("Set a failed real server's weight to 0 instead of removing it.").example("inhibit_on_failure")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.inhibitOnFailure = v;
                }));
        k.add(keyword("ha_suspend").in(VIRTUAL_SERVER).value("").defaultValue("off").support(PARSED_ONLY)
                .doc("Suspend checks while the virtual address is absent.").example("ha_suspend")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.haSuspend = true;
                }));
        k.add(keyword("virtualhost").in(VIRTUAL_SERVER).value("NAME")
                .doc("Default Host header of HTTP_GET/SSL_GET checks.").example("virtualhost mail.domain.ru")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n)));
        k.add(keyword("smtp_alert").in(VIRTUAL_SERVER).value("[<BOOL>]").defaultValue("global smtp_alert")
                .doc("Mail on quorum changes.").example("smtp_alert")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0)));
        for (SchedulerFlag f : SchedulerFlag.values()) {
            // sh and mh read their port/fallback flags; IPVS gives flag-1..3 and ops no meaning for TCP.
            Support support = f.keyword().matches("(sh|mh)-(port|fallback)") ? Support.ACTED : PARSED_ONLY;
            k.add(keyword(f.keyword()).in(VIRTUAL_SERVER).value("").defaultValue("off").support(support)
                    .doc("Scheduler flag (ipvsadm -b " + f.keyword() + ").").example(f.keyword())
                    .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                        c.atMost(n, 0);
                        d.flags.add(f);
                    }));
        }
        k.add(keyword("proxy_connect_timeout").in(VIRTUAL_SERVER).value("<TIMER>").defaultValue("5").unit("s")
                .doc("Vigil: timeout of the proxy's connection to a real server.").example("proxy_connect_timeout 3")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0.001, 3600);
                    if (t != null) d.proxyConnectTimeout = t;
                }));
        k.add(keyword("proxy_idle_timeout").in(VIRTUAL_SERVER).value("<TIMER>").defaultValue("4500").unit("s")
                .doc("Vigil: close a proxied connection idle this long (long for ActiveSync/MAPI).")
                .example("proxy_idle_timeout 3600")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0.001, 604800);
                    if (t != null) d.proxyIdleTimeout = t;
                }));
        k.add(keyword("proxy_source_address").in(VIRTUAL_SERVER).value("IP")
                .doc("Vigil: source address of connections to real servers.")
                .example("proxy_source_address 192.168.3.110")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    d.proxySourceAddress = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("proxy_tcp_nodelay").in(VIRTUAL_SERVER).value("[<BOOL>]").defaultValue("on")
                .doc("Vigil: TCP_NODELAY on proxied connections.").example("proxy_tcp_nodelay on")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.proxyTcpNodelay = v;
                }));
        k.add(keyword("proxy_tcp_keepalive").in(VIRTUAL_SERVER).value("[<BOOL>]").defaultValue("on")
                .doc("Vigil: SO_KEEPALIVE on proxied connections.").example("proxy_tcp_keepalive off")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Boolean v = c.bool(n, 0);
                    if (v != null) d.proxyTcpKeepalive = v;
                }));
        k.add(keyword("proxy_maxconn").in(VIRTUAL_SERVER).value("<INTEGER>").defaultValue("0")
                .doc("Vigil: most client connections open at once in this virtual server; more are reset at "
                        + "once (0: no limit).").example("proxy_maxconn 20000")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.proxyMaxconn = v;
                }));
        k.add(keyword("proxy_maxconn_per_source").in(VIRTUAL_SERVER).value("<INTEGER>").defaultValue("0")
                .doc("Vigil: most client connections open at once from one client address in this virtual "
                        + "server; more are reset at once (0: no limit).").example("proxy_maxconn_per_source 200")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.proxyMaxconnPerSource = v;
                }));
        k.add(keyword("proxy_half_close_timeout").in(VIRTUAL_SERVER).value("<TIMER>").defaultValue("60").unit("s")
                .doc("Vigil: close a proxied connection idle this long after one side sent its FIN (when "
                        + "shorter than proxy_idle_timeout).").example("proxy_half_close_timeout 30")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0.001, 604800);
                    if (t != null) d.proxyHalfCloseTimeout = t;
                }));
        k.add(keyword("vigil_engine").in(VIRTUAL_SERVER).value("proxy|kernel")
                .defaultValue("kernel for protocol UDP, fwmark and port 0, else vigil_engine of global_defs, else "
                        + "kernel with lvs_sync_daemon, else proxy")
                .doc("Vigil: the forwarding engine of this virtual server: proxy (user space, TCP) or kernel "
                        + "(nftables NAT, as IPVS's lb_kind NAT: real servers see the client's address and must "
                        + "route their replies through the balancer).")
                .example("vigil_engine kernel")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    String e = c.choice(n, 0, n.name(), List.of("proxy", "kernel"));
                    c.atMost(n, 1);
                    if (e != null) {
                        d.engine = Engine.fromKeyword(e).orElseThrow();
                        d.engineSource = n.source();
                    }
                }));
        k.add(keyword("vigil_snat").in(VIRTUAL_SERVER).value("IP")
                .doc("Vigil, kernel engine: connections reach the real servers from IP instead of the client's "
                        + "address, so they need no route back through the balancer. IP must be this virtual "
                        + "server's address or a virtual_ipaddress of a vrrp_instance: an address that moves with "
                        + "the VIP. Never the node's own address, whose replies would go to a dead node after a "
                        + "failover. With lvs_sync_daemon, this virtual server's address counts only if a "
                        + "virtual_ipaddress holds it: synced connections must find their replies on the new master.")
                .example("vigil_snat 10.0.0.1")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    d.snat = c.address(n, 0);
                    d.snatSource = n.source();
                    c.atMost(n, 1);
                }));
        k.add(keyword("real_server").in(VIRTUAL_SERVER).block("IP [PORT] { ... }")
                .doc("A server the service is balanced to.").example("real_server 192.168.3.111 443 { weight 1 }")
                .handler((Drafts.VirtualServerDraft d, ConfigNode n, ParseContext c) -> {
                    InetAddress a = c.address(n, 0);
                    Integer port = d.port();
                    if (n.argCount() > 1) port = c.port(n.arg(1), "real_server");
                    c.atMost(n, 2);
                    if (a == null || port == null) return;
                    Drafts.RealServerDraft r = new Drafts.RealServerDraft();
                    r.address = a;
                    r.port = port;
                    r.source = n.source();
                    c.walk(REAL_SERVER, n.children(), r);
                    d.realServers.add(r);
                }));
        k.addAll(ignored(VIRTUAL_SERVER, "keepalived virtual server option outside Vigil's scope", "persistence_engine",
                "snmp_name", "ip_family", "sorry_server_lvs_method"));
    }

    private static VirtualServer.@Nullable Key virtualServerKey(ConfigNode n, ParseContext c) {
        String first = c.word(n, 0);
        if (first == null) return null;
        return switch (first) {
            case "fwmark" -> {
                Integer mark = c.integer(n, 1, 1, 0xFFFFFFFFL >>> 1);
                c.atMost(n, 2);
                yield mark == null ? null : new VirtualServer.ByFwmark(mark);
            }
            case "group" -> {
                String name = c.word(n, 1);
                c.atMost(n, 2);
                yield name == null ? null : new VirtualServer.ByGroup(name);
            }
            default -> {
                InetAddress a = c.address(n.arg(0), "virtual_server");
                Integer port = 0;
                if (n.argCount() > 1) port = c.port(n.arg(1), "virtual_server");
                c.atMost(n, 2);
                yield a == null || port == null ? null : new VirtualServer.ByAddress(a, port);
            }
        };
    }

    private static void realServer(List<Keyword> k) {
        k.add(keyword("weight").in(REAL_SERVER).value("<0..65535>").defaultValue("1")
                .doc("Relative share of new connections.").example("weight 2")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, 65535);
                    if (v != null) d.weight = v;
                }));
        Handler<Drafts.RealServerDraft> method = (d, n, c) -> d.forwardingMethod = forwardingMethod(n, c);
        k.add(keyword("lvs_method").in(REAL_SERVER).value("NAT|DR|TUN").defaultValue("the virtual server's")
                .doc("Forwarding method of this server.").example("lvs_method NAT")
                .handler(method));
        k.add(keyword("lb_kind").in(REAL_SERVER).value("NAT|DR|TUN").defaultValue("the virtual server's")
                .doc("Old name of lvs_method.").example("lb_kind NAT")
                .handler(method));
        k.add(keyword("notify_up").in(REAL_SERVER).value("COMMAND [USER [GROUP]]")
                .doc("Script run when the server comes up.")
                .example("notify_up \"/etc/keepalived/rs.sh up 192.168.3.111\"")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.notifyUp = c.script(n, 0)));
        k.add(keyword("notify_down").in(REAL_SERVER).value("COMMAND [USER [GROUP]]")
                .doc("Script run when the server goes down.")
                .example("notify_down \"/etc/keepalived/rs.sh down 192.168.3.111\"")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.notifyDown = c.script(n, 0)));
        k.add(keyword("uthreshold").in(REAL_SERVER).value("<INTEGER>").defaultValue("0 (none)")
                .doc("Maximum connections to this server: at this many (active and inactive, as IPVS counts them) it "
                        + "takes no new ones until it falls under lthreshold, or under 3/4 of uthreshold without one. "
                        + "Both engines; the kernel engine counts from conntrack.").example("uthreshold 5000")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.upperThreshold = v;
                }));
        k.add(keyword("lthreshold").in(REAL_SERVER).value("<INTEGER>").defaultValue("0 (none)")
                .doc("Connections below which the server is used again.").example("lthreshold 4000")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 0, Integer.MAX_VALUE);
                    if (v != null) d.lowerThreshold = v;
                }));
        k.add(keyword("smtp_alert").in(REAL_SERVER).value("[<BOOL>]").defaultValue("on")
                .doc("Mail when this server changes state.").example("smtp_alert off")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0)));
        k.add(keyword("virtualhost").in(REAL_SERVER).value("NAME").defaultValue("the virtual server's")
                .doc("Host header of HTTP_GET/SSL_GET checks.").example("virtualhost ex01.domain.ru")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) -> d.virtualhost = c.string(n)));
        k.add(keyword("inhibit_on_failure").in(REAL_SERVER).value("[<BOOL>]").defaultValue("the virtual server's")
                .doc("Set weight 0 instead of removing the server when it fails.").example("inhibit_on_failure on")
                .handler((Drafts.RealServerDraft d, ConfigNode n, ParseContext c) ->
                        d.inhibitOnFailure = c.bool(n, 0)));
    }

    private static @Nullable ForwardingMethod forwardingMethod(ConfigNode n, ParseContext c) {
        String m = c.choice(n, 0, n.name(), METHODS);
        if (m == null) return null;
        ForwardingMethod fm = ForwardingMethod.valueOf(m);
        if (fm != ForwardingMethod.NAT) {
            c.warning(n.arg(0).source(), "Vigil forwards as a proxy; '" + n.name() + " " + m + "' behaves as NAT");
        }
        if (fm != ForwardingMethod.TUN) c.atMost(n, 1);
        return fm;
    }
}
