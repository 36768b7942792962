package dev.vigil.config;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

import static dev.vigil.config.Block.AUTHENTICATION;
import static dev.vigil.config.Block.TOP;
import static dev.vigil.config.Block.VRRP_INSTANCE;
import static dev.vigil.config.Keyword.Support.DEPRECATED;
import static dev.vigil.config.Block.VRRP_SCRIPT;
import static dev.vigil.config.Block.VRRP_SYNC_GROUP;
import static dev.vigil.config.Keyword.ignored;
import static dev.vigil.config.Keyword.keyword;

/** The keywords of VRRP: vrrp_script, vrrp_instance (with its authentication) and vrrp_sync_group. */
final class VrrpKeywords {
    private VrrpKeywords() {
    }

    static List<Keyword> keywords() {
        List<Keyword> k = new ArrayList<>();
        script(k);
        instance(k);
        syncGroup(k);
        return k;
    }

    private static void script(List<Keyword> k) {
        k.add(keyword("vrrp_script").in(TOP).block("NAME { ... }")
                .doc("A script whose result VRRP instances can track.")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    for (Drafts.VrrpScriptDraft s : cfg.scripts) {
                        if (name.equals(s.name)) {
                            c.error(n.arg(0).source(), "vrrp_script '" + name + "' is already defined at " + s.source);
                            return;
                        }
                    }
                    Drafts.VrrpScriptDraft s = new Drafts.VrrpScriptDraft();
                    s.name = name;
                    s.source = n.source();
                    c.walk(VRRP_SCRIPT, n.children(), s);
                    cfg.scripts.add(s);
                }));
        k.add(keyword("script").in(VRRP_SCRIPT).value("COMMAND [USER [GROUP]]")
                .doc("The command to run (split into argv, no shell).")
                .example("script \"/etc/keepalived/check_haproxy.sh --quick\" nobody")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    d.scriptSeen = true;
                    d.script = c.script(n, 0);
                }));
        k.add(keyword("interval").in(VRRP_SCRIPT).value("<TIMER>").defaultValue("1").unit("s")
                .doc("Time between runs.").example("interval 2")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0.001, 86400);
                    if (t != null) d.interval = t;
                }));
        k.add(keyword("timeout").in(VRRP_SCRIPT).value("<TIMER>").defaultValue("interval").unit("s")
                .doc("A run taking longer has failed.").example("timeout 1.5")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) ->
                        d.timeout = c.timerValue(n, 0.001, 86400)));
        k.add(keyword("weight").in(VRRP_SCRIPT).value("<-253..253> [reverse]").defaultValue("0")
                .doc("Priority change while the script succeeds (positive) or fails (negative); 0: fail means FAULT.")
                .example("weight -20")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer w = c.integer(n, 0, -253, 253);
                    if (w != null) d.weight = w;
                    d.reverse = reverse(n, 1, c);
                }));
        k.add(keyword("rise").in(VRRP_SCRIPT).value("<INTEGER>").defaultValue("1")
                .doc("Successes needed to count as up.").example("rise 2")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 1, 1_000_000);
                    if (v != null) d.rise = v;
                }));
        k.add(keyword("fall").in(VRRP_SCRIPT).value("<INTEGER>").defaultValue("1")
                .doc("Failures needed to count as down.").example("fall 3")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 1, 1_000_000);
                    if (v != null) d.fall = v;
                }));
        k.add(keyword("user").in(VRRP_SCRIPT).value("USER [GROUP]").defaultValue("script_user")
                .doc("User (and group) the script runs as.").example("user nobody nogroup")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    if (c.arg(n, 0) != null) c.scriptUser(n, 0).ifPresent(u -> d.user = u);
                }));
        k.add(keyword("init_fail").in(VRRP_SCRIPT).value("").defaultValue("off")
                .doc("Assume the script is failing until it first succeeds.").example("init_fail")
                .handler((Drafts.VrrpScriptDraft d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.initFail = true;
                }));
    }

    private static boolean reverse(ConfigNode n, int i, ParseContext c) {
        if (i >= n.argCount()) return false;
        String w = n.arg(i).text();
        c.atMost(n, i + 1);
        if (w.equals("reverse")) return true;
        if (!w.equals("noreverse")) c.error(n.arg(i).source(), "expected 'reverse' or 'noreverse', got '" + w + "'");
        return false;
    }

    private static void instance(List<Keyword> k) {
        k.add(keyword("vrrp_instance").in(TOP).block("NAME { ... }")
                .doc("A VRRP virtual router on one interface.")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    for (Drafts.Instance i : cfg.instances) {
                        if (name.equals(i.name)) {
                            c.error(n.arg(0).source(), "vrrp_instance '" + name + "' is already defined at " + i.source);
                            return;
                        }
                    }
                    Drafts.Instance i = new Drafts.Instance();
                    i.name = name;
                    i.source = n.source();
                    c.walk(VRRP_INSTANCE, n.children(), i);
                    cfg.instances.add(i);
                }));
        k.add(keyword("state").in(VRRP_INSTANCE).value("MASTER|BACKUP").defaultValue("BACKUP")
                .doc("State to start in.").example("state MASTER")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    String s = c.choice(n, 0, "state", List.of("MASTER", "BACKUP"));
                    c.atMost(n, 1);
                    if (s != null) d.state = VrrpInstance.InitialState.valueOf(s);
                }));
        k.add(keyword("interface").in(VRRP_INSTANCE).value("IFNAME")
                .doc("Interface VRRP runs on (required).").example("interface eth0")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.interfaceName = c.string(n)));
        k.add(keyword("virtual_router_id").in(VRRP_INSTANCE).value("<1..255>")
                .doc("VRID, shared by the nodes of one router (required).").example("virtual_router_id 117")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.vridSeen = true;
                    Integer v = c.intValue(n, 1, 255);
                    if (v != null) d.vrid = v;
                }));
        k.add(keyword("priority").in(VRRP_INSTANCE).value("<1..255>").defaultValue("100")
                .doc("Election priority; 255 is the address owner.").example("priority 100")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Integer v = c.intValue(n, 1, 255);
                    if (v != null) d.priority = v;
                }));
        k.add(keyword("advert_int").in(VRRP_INSTANCE).value("<TIMER>").defaultValue("1").unit("s")
                .doc("Advertisement interval.").example("advert_int 1")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0.01, 255);
                    if (t != null) {
                        d.advertInterval = t;
                        d.advertSource = n.source();
                    }
                }));
        k.add(keyword("version").in(VRRP_INSTANCE).value("2|3").defaultValue("vrrp_version")
                .doc("VRRP version of this instance.").example("version 3")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.version = c.intValue(n, 2, 3)));
        k.add(keyword("authentication").in(VRRP_INSTANCE).block("{ auth_type PASS|AH; auth_pass PASSWORD }")
                .doc("VRRPv2 authentication (removed from the RFC; avoid).")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.authSource = n.source();
                    c.walk(AUTHENTICATION, n.children(), d);
                }));
        k.add(keyword("auth_type").in(AUTHENTICATION).value("PASS|AH")
                .doc("Authentication type.").example("auth_type PASS")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.authTypeSeen = true;
                    String t = c.choice(n, 0, "auth_type", List.of("PASS", "AH"));
                    c.atMost(n, 1);
                    if (t != null) d.authType = VrrpInstance.AuthType.valueOf(t);
                }));
        k.add(keyword("auth_pass").in(AUTHENTICATION).value("PASSWORD")
                .doc("Password; only 8 characters are used.").example("auth_pass mrelay")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    String p = c.string(n);
                    if (p != null && p.length() > 8) {
                        c.warning(n.arg(0).source(), "only the first 8 characters of 'auth_pass' are used");
                    }
                    d.authPass = p;
                }));
        k.add(keyword("virtual_ipaddress").in(VRRP_INSTANCE)
                .block("{ IP[/LEN] [brd IP] [dev IF] [scope S] [label L] ... }")
                .doc("The addresses the master holds.")
                .example("virtual_ipaddress { 192.168.3.110/24 dev eth0 label eth0:vip }")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode line : n.children()) {
                        VirtualIp vip = virtualIp(line, c);
                        if (vip != null) d.vips.add(vip);
                    }
                }));
        k.add(keyword("virtual_ipaddress_excluded").in(VRRP_INSTANCE).block("{ IP[/LEN] ... }")
                .doc("Addresses held by the master but not advertised.")
                .example("virtual_ipaddress_excluded { 2001:db8::110/64 }")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode line : n.children()) {
                        VirtualIp vip = virtualIp(line, c);
                        if (vip != null) d.excluded.add(vip);
                    }
                }));
        k.add(keyword("nopreempt").in(VRRP_INSTANCE).value("").defaultValue("off")
                .doc("Do not take over from a lower-priority master (needs state BACKUP and priority < 255).")
                .example("nopreempt")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.preempt = false;
                    d.nopreemptSource = n.source();
                }));
        k.add(keyword("preempt").in(VRRP_INSTANCE).value("").defaultValue("on")
                .doc("Take over from a lower-priority master (the default).").example("preempt")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.preempt = true;
                }));
        k.add(keyword("preempt_delay").in(VRRP_INSTANCE).value("<TIMER 0..1000>").defaultValue("0").unit("s")
                .doc("Wait this long after start before preempting.").example("preempt_delay 30")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    Duration t = c.timerValue(n, 0, 1000);
                    if (t != null) {
                        d.preemptDelay = t;
                        d.preemptDelaySource = n.source();
                    }
                }));
        k.add(keyword("unicast_src_ip").in(VRRP_INSTANCE).value("IP")
                .doc("Source address of unicast adverts.").example("unicast_src_ip 192.168.3.101")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.unicastSrcIp = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("unicast_peer").in(VRRP_INSTANCE).block("{ IP ... }")
                .doc("Send adverts to these peers by unicast instead of multicast.")
                .example("unicast_peer { 192.168.3.102 }")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode p : n.children()) {
                        InetAddress a = c.address(p.keyword(), "unicast_peer");
                        if (p.argCount() > 0) {
                            c.warning(p.arg(0).source(), "unicast_peer option '" + p.arg(0).text() + "' is ignored");
                        }
                        if (a != null) d.unicastPeers.add(a);
                    }
                }));
        k.add(keyword("mcast_src_ip").in(VRRP_INSTANCE).value("IP").defaultValue("primary address")
                .doc("Source address of multicast adverts.").example("mcast_src_ip 192.168.3.101")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    d.mcastSrcIp = c.address(n, 0);
                    c.atMost(n, 1);
                }));
        k.add(keyword("track_interface").in(VRRP_INSTANCE).block("{ IF [weight <-253..253> [reverse]] ... }")
                .doc("Interfaces whose link state changes priority (weight 0: link down means FAULT).")
                .example("track_interface { eth1 weight -50 }")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) ->
                        trackInterfaces(n, c, d.trackInterfaces)));
        k.add(keyword("track_script").in(VRRP_INSTANCE).block("{ NAME [weight <-253..253> [reverse]] ... }")
                .doc("vrrp_scripts whose result changes priority.").example("track_script { chk weight 10 }")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> trackScripts(n, c, d.trackScripts,
                        d.trackScriptSources)));
        k.add(NotifyScript.ANY.row(VRRP_INSTANCE, "notify /etc/keepalived/notify.sh"));
        k.add(NotifyScript.MASTER.row(VRRP_INSTANCE,
                "notify_master \"/etc/keepalived/snat.py -a 192.168.3.111 -s 192.168.3.110\""));
        k.add(NotifyScript.BACKUP.row(VRRP_INSTANCE,
                "notify_backup \"/etc/keepalived/snat.py -r 192.168.3.111 -s 192.168.3.110\""));
        k.add(NotifyScript.FAULT.row(VRRP_INSTANCE,
                "notify_fault \"/etc/keepalived/snat.py -r 192.168.3.111 -s 192.168.3.110\""));
        k.add(NotifyScript.STOP.row(VRRP_INSTANCE, "notify_stop /etc/keepalived/stopped.sh"));
        k.add(keyword("smtp_alert").in(VRRP_INSTANCE).value("[<BOOL>]").defaultValue("global smtp_alert")
                .doc("Mail on state changes.").example("smtp_alert")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0)));
        k.add(keyword("garp_master_delay").in(VRRP_INSTANCE).value("<INTEGER>")
                .defaultValue("vrrp_garp_master_delay").unit("s")
                .doc("Delay of the second set of gratuitous ARPs.").example("garp_master_delay 10")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) ->
                        d.garp.delay = c.secondsValue(n, 0, 86400)));
        k.add(keyword("garp_master_repeat").in(VRRP_INSTANCE).value("<INTEGER>")
                .defaultValue("vrrp_garp_master_repeat")
                .doc("Gratuitous ARPs at a time.").example("garp_master_repeat 1")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.garp.repeat = c.intValue(n, 1, 255)));
        k.add(keyword("garp_master_refresh").in(VRRP_INSTANCE).value("<INTEGER>")
                .defaultValue("vrrp_garp_master_refresh").unit("s")
                .doc("Interval of gratuitous ARP refreshes (0: none).").example("garp_master_refresh 60")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) ->
                        d.garp.refresh = c.secondsValue(n, 0, 86400)));
        k.add(keyword("garp_master_refresh_repeat").in(VRRP_INSTANCE).value("<INTEGER>")
                .defaultValue("vrrp_garp_master_refresh_repeat")
                .doc("Gratuitous ARPs at each refresh.").example("garp_master_refresh_repeat 2")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) ->
                        d.garp.refreshRepeat = c.intValue(n, 1, 255)));
        k.add(keyword("lvs_sync_daemon_interface").in(VRRP_INSTANCE).value("IF").support(DEPRECATED)
                .doc("use 'lvs_sync_daemon IF INSTANCE' in global_defs, which wins when both are written; read as "
                        + "that: connection-state sync on IF for the kernel engine")
                .example("lvs_sync_daemon_interface eth0")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.lvsSyncDaemonInterface = c.string(n)));
        k.add(keyword("dont_track_primary").in(VRRP_INSTANCE).value("").defaultValue("off")
                .doc("Ignore faults of the instance's own interface.").example("dont_track_primary")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> {
                    c.atMost(n, 0);
                    d.dontTrackPrimary = true;
                }));
        k.add(keyword("v3_checksum_as_v2").in(VRRP_INSTANCE).value("[<BOOL>]").defaultValue("global v3_checksum_as_v2")
                .doc("VRRPv3 IPv4 checksum without the pseudo-header (as Cisco and Juniper do).")
                .example("v3_checksum_as_v2")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.v3ChecksumAsV2 = c.bool(n, 0)));
        k.add(keyword("check_unicast_src").in(VRRP_INSTANCE).value("[<BOOL>]").defaultValue("vrrp_check_unicast_src")
                .doc("In unicast mode, drop adverts whose source is not one of the unicast_peers.")
                .example("check_unicast_src")
                .handler((Drafts.Instance d, ConfigNode n, ParseContext c) -> d.checkUnicastSrc = c.bool(n, 0)));
        k.addAll(ignored(VRRP_INSTANCE, "keepalived instance option outside Vigil's scope", "use_vmac",
                "vmac_xmit_base", "use_vmac_addr", "use_ipvlan", "native_ipv6", "track_file", "track_process",
                "track_bfd", "mcast_dst_ip", "track_src_ip", "unicast_fault_no_peer",
                "unicast_ttl", "old_unicast_checksum", "garp_lower_prio_delay", "garp_lower_prio_repeat",
                "garp_extra_if", "down_timer_adverts", "timer_expired_backup", "lower_prio_no_advert",
                "higher_prio_send_advert", "virtual_routes", "virtual_rules", "accept", "no_accept", "strict_mode",
                "skip_check_adv_addr", "promote_secondaries", "linkbeat_use_polling", "notify_master_rx_lower_pri",
                "notify_priority_changes", "notify_deleted", "kernel_rx_buf_size", "debug", "vrf", "auth_hmac",
                "no_virtual_ipaddress"));
    }

    /** The scripts both vrrp_instance and vrrp_sync_group run on state changes. */
    private record NotifyScript(String name, String description, BiConsumer<Drafts.NotifyDraft, Script> set) {
        static final NotifyScript ANY = new NotifyScript("notify",
                "Script run on every state change, with the group/instance, name and state.", (nd, s) -> nd.any = s);
        static final NotifyScript MASTER = new NotifyScript("notify_master", "Script run on becoming master.",
                (nd, s) -> nd.master = s);
        static final NotifyScript BACKUP = new NotifyScript("notify_backup", "Script run on becoming backup.",
                (nd, s) -> nd.backup = s);
        static final NotifyScript FAULT = new NotifyScript("notify_fault", "Script run on entering fault.",
                (nd, s) -> nd.fault = s);
        static final NotifyScript STOP = new NotifyScript("notify_stop", "Script run when the instance stops.",
                (nd, s) -> nd.stop = s);

        /** The row of this script in {@code block}: vrrp_instance or vrrp_sync_group. */
        Keyword row(Block block, String example) {
            return keyword(name).in(block).value("COMMAND [USER [GROUP]]")
                    .doc(description).example(example)
                    .handler((Object d, ConfigNode n, ParseContext c) -> set.accept(
                            d instanceof Drafts.Instance i ? i.notify : ((Drafts.SyncGroup) d).notify, c.script(n, 0)));
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

    private static @Nullable VirtualIp virtualIp(ConfigNode line, ParseContext c) {
        String text = line.name();
        int slash = text.indexOf('/');
        InetAddress a = ParseContext.literal(slash >= 0 ? text.substring(0, slash) : text);
        if (a == null) {
            c.error(line.source(), "malformed IP address '" + text + "' in virtual_ipaddress");
            return null;
        }
        int prefix = VirtualIp.defaultPrefix(a);
        if (slash >= 0) {
            Integer p = ParseContext.prefixLength(text.substring(slash + 1), a);
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

    private static void syncGroup(List<Keyword> k) {
        k.add(keyword("vrrp_sync_group").in(TOP).block("NAME { ... }")
                .doc("VRRP instances that change state together.")
                .handler((Drafts.Config cfg, ConfigNode n, ParseContext c) -> {
                    String name = c.word(n, 0);
                    if (name == null) return;
                    c.atMost(n, 1);
                    Drafts.SyncGroup g = new Drafts.SyncGroup();
                    g.name = name;
                    g.source = n.source();
                    c.walk(VRRP_SYNC_GROUP, n.children(), g);
                    cfg.syncGroups.add(g);
                }));
        k.add(keyword("group").in(VRRP_SYNC_GROUP).block("{ INSTANCE ... }")
                .doc("The member vrrp_instances.").example("group { V }")
                .handler((Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> {
                    for (ConfigNode m : n.children()) {
                        d.instances.add(m.name());
                        d.instanceSources.add(m.source());
                        for (Token t : m.args()) {
                            d.instances.add(t.text());
                            d.instanceSources.add(t.source());
                        }
                    }
                }));
        k.add(NotifyScript.ANY.row(VRRP_SYNC_GROUP, "notify /etc/keepalived/notify_group.sh"));
        k.add(NotifyScript.MASTER.row(VRRP_SYNC_GROUP, "notify_master /etc/keepalived/master.sh"));
        k.add(NotifyScript.BACKUP.row(VRRP_SYNC_GROUP, "notify_backup /etc/keepalived/backup.sh"));
        k.add(NotifyScript.FAULT.row(VRRP_SYNC_GROUP, "notify_fault /etc/keepalived/fault.sh"));
        k.add(NotifyScript.STOP.row(VRRP_SYNC_GROUP, "notify_stop /etc/keepalived/stop.sh"));
        k.add(keyword("smtp_alert").in(VRRP_SYNC_GROUP).value("[<BOOL>]").defaultValue("global smtp_alert")
                .doc("Mail on state changes of the group.").example("smtp_alert off")
                .handler((Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> d.smtpAlert = c.bool(n, 0)));
        k.add(keyword("track_interface").in(VRRP_SYNC_GROUP).block("{ IF [weight <-253..253> [reverse]] ... }")
                .doc("Interfaces the whole group tracks.").example("track_interface { eth1 }")
                .handler((Drafts.SyncGroup d, ConfigNode n, ParseContext c) ->
                        trackInterfaces(n, c, d.trackInterfaces)));
        k.add(keyword("track_script").in(VRRP_SYNC_GROUP).block("{ NAME [weight <-253..253> [reverse]] ... }")
                .doc("Scripts the whole group tracks.").example("track_script { chk }")
                .handler((Drafts.SyncGroup d, ConfigNode n, ParseContext c) -> trackScripts(n, c, d.trackScripts,
                        d.trackScriptSources)));
        k.addAll(ignored(VRRP_SYNC_GROUP, "keepalived sync group option outside Vigil's scope", "track_file",
                "track_process", "track_bfd", "global_tracking", "sync_group_tracking_weight",
                "notify_priority_changes", "notify_deleted"));
    }
}
