package dev.vigil.forward;

import dev.vigil.balance.SchedulerSlots;
import dev.vigil.config.Protocol;
import dev.vigil.linux.ConntrackTable;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** The nft text of the kernel engine's changes; the system test runs it against a kernel. */
class KernelRulesetTest {
    private static final InetSocketAddress A = new InetSocketAddress("10.198.0.2", 8080);
    private static final InetSocketAddress B = new InetSocketAddress("10.198.0.3", 8080);
    private static final KernelRuleset.Service TCP = new KernelRuleset.Service(3, Protocol.TCP,
            KernelRuleset.Family.IPV4, List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(),
            Optional.empty());

    private static SortedMap<Integer, InetSocketAddress> slots(InetSocketAddress... servers) {
        SortedMap<Integer, InetSocketAddress> m = new TreeMap<>();
        for (int i = 0; i < servers.length; i++) m.put(i, servers[i]);
        return m;
    }

    private static SortedMap<Integer, Integer> indexes(int... servers) {
        SortedMap<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < servers.length; i++) m.put(i, servers[i]);
        return m;
    }

    private static KernelRuleset.Target target(SchedulerSlots.Kind kind, int modulus, SortedMap<Integer, InetSocketAddress> slots,
                                               boolean quorumUp, Optional<InetSocketAddress> sorry, Integer... servers) {
        return new KernelRuleset.Target(new SchedulerSlots(kind, modulus, slots), quorumUp, sorry,
                new TreeSet<>(List.of(servers)));
    }

    private static KernelRuleset.Service persistent(String mask) throws Exception {
        return new KernelRuleset.Service(7, Protocol.TCP, KernelRuleset.Family.IPV4,
                List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(),
                Optional.of(new KernelRuleset.Persistence(Duration.ofSeconds(300),
                        mask.isEmpty() ? Optional.empty() : Optional.of(InetAddress.getByName(mask)))));
    }

    @Test
    void theTableIsReplacedWholeInOneBuffer() {
        String t = KernelRuleset.replaceTable();
        assertThat(t).startsWith("add table inet vigil\ndelete table inet vigil\ntable inet vigil {");
        assertThat(t).contains("type filter hook prerouting priority -150; policy accept;",
                "ip daddr . tcp dport @guard4 ct state new tcp flags & (syn|ack|fin|rst) != syn counter name \"guard_drops\" drop",
                "ip daddr @guard_any4 meta l4proto tcp ct state new tcp flags & (syn|ack|fin|rst) != syn",
                "type nat hook prerouting priority dstnat;", "type nat hook postrouting priority srcnat;",
                "ip daddr . meta l4proto vmap @any4", "meta nfproto ipv6 meta l4proto { tcp, udp } meta mark vmap @marks6",
                "chain keep {\n    type filter hook prerouting priority -140;");
    }

    @Test
    void aSequenceGoesThroughNumgenToAServerChainThenCountsAndDropsWhatIsLeft() {
        var t = target(SchedulerSlots.Kind.SEQUENCE, 3, slots(A, A, B), true, Optional.empty());
        assertThat(KernelRuleset.chain(TCP, t)).isEqualTo("""
                flush chain inet vigil vs3
                add rule inet vigil vs3 counter name "vs3_new"
                add rule inet vigil vs3 numgen inc mod 3 vmap @vs3
                add rule inet vigil vs3 counter name "vs3_none" drop
                """);
        assertThat(KernelRuleset.addServer(TCP, 1, B)).isEqualTo("""
                add chain inet vigil vs3_s1
                add rule inet vigil vs3_s1 meta l4proto tcp dnat ip to 10.198.0.3:8080
                """);
        assertThat(KernelRuleset.addService(TCP)).contains("add map inet vigil vs3 { typeof numgen inc mod 1 : verdict; }")
                .doesNotContain("_keep");
        assertThat(KernelRuleset.removeService(TCP, List.of(0, 1))).isEqualTo("""
                flush chain inet vigil vs3
                delete map inet vigil vs3
                delete chain inet vigil vs3_s0
                delete chain inet vigil vs3_s1
                delete chain inet vigil vs3
                delete counter inet vigil vs3_new
                delete counter inet vigil vs3_none
                """);
    }

    @Test
    void hashesAndTheSorryServer() {
        var sh = target(SchedulerSlots.Kind.SOURCE_PORT_HASH, 256, slots(A), true,
                Optional.of(new InetSocketAddress("10.198.0.9", 80)));
        assertThat(KernelRuleset.chain(TCP, sh)).contains(
                "add rule inet vigil vs3 jhash ip saddr . tcp sport mod 256 seed 0x56494749 vmap @vs3\n"
                        + "add rule inet vigil vs3 meta l4proto tcp dnat ip to 10.198.0.9:80\n")
                .doesNotContain("drop");
        // Quorum lost: straight to the sorry server, the map is not consulted.
        var down = new KernelRuleset.Target(sh.slots(), false, sh.sorry(), sh.servers());
        assertThat(KernelRuleset.chain(TCP, down)).doesNotContain("vmap @vs3").contains("dnat ip to 10.198.0.9:80");
        var v6 = new KernelRuleset.Service(4, Protocol.UDP, KernelRuleset.Family.IPV6,
                List.of(new InetSocketAddress("fd00:199::50", 53)), List.of(), Optional.empty(), Optional.empty());
        var hash = target(SchedulerSlots.Kind.SOURCE_HASH, 256, slots(new InetSocketAddress("fd00:198::2", 53)), true,
                Optional.of(new InetSocketAddress("fd00:198::9", 53)));
        assertThat(KernelRuleset.chain(v6, hash)).contains("jhash ip6 saddr mod 256 seed 0x56494749 vmap @vs4",
                "meta l4proto udp dnat ip6 to [fd00:198:0:0:0:0:0:9]:53");
        // dh hashes the destination (the VIP, or what a fwmark service was sent to); mh is 65537 slots; a fwmark
        // service's port hash reads the transport header, TCP's or UDP's.
        assertThat(KernelRuleset.chain(v6, target(SchedulerSlots.Kind.DESTINATION_HASH, 256,
                slots(new InetSocketAddress("fd00:198::2", 53)), true, Optional.empty())))
                .contains("add rule inet vigil vs4 jhash ip6 daddr mod 256 seed 0x56494749 vmap @vs4\n");
        var marked = new KernelRuleset.Service(5, Protocol.TCP, KernelRuleset.Family.IPV4, List.of(), List.of(7),
                Optional.empty(), Optional.empty());
        assertThat(KernelRuleset.chain(marked, target(SchedulerSlots.Kind.SOURCE_PORT_HASH, 65537, slots(A), true,
                Optional.empty()))).contains("add rule inet vigil vs5 jhash ip saddr . th sport mod 65537 seed 0x56494749 vmap @vs5\n");
        assertThat(KernelRuleset.addServer(v6, 0, new InetSocketAddress("fd00:198::2", 53)))
                .contains("add rule inet vigil vs4_s0 meta l4proto udp dnat ip6 to [fd00:198:0:0:0:0:0:2]:53");
    }

    @Test
    void aCountedSchedulerJumpsByTheMarkTheSelectorWrote() {
        var marked = new KernelRuleset.Service(7, Protocol.TCP, KernelRuleset.Family.IPV4,
                List.of(new InetSocketAddress("10.199.0.50", 80)), List.of(), Optional.empty(), Optional.empty(), true);
        assertThat(KernelRuleset.addService(marked)).contains("add map inet vigil vs7 { typeof meta mark : verdict; }");
        var target = target(SchedulerSlots.Kind.MARK, 2, slots(A, B), true, Optional.empty());
        assertThat(KernelRuleset.chain(marked, target)).isEqualTo("""
                flush chain inet vigil vs7
                add rule inet vigil vs7 counter name "vs7_new"
                add rule inet vigil vs7 meta mark vmap @vs7
                add rule inet vigil vs7 counter name "vs7_none" drop
                """);
    }

    @Test
    void aMapChangeDeletesAndAddsOnlyTheSlotsThatChanged() {
        assertThat(KernelRuleset.elements(TCP, indexes(0, 0, 1), indexes(0, 1))).isEqualTo(
                "delete element inet vigil vs3 { 1, 2 }\nadd element inet vigil vs3 { 1 : goto vs3_s1 }\n");
        assertThat(KernelRuleset.elements(TCP, indexes(0, 1), indexes(0, 1))).isEmpty();
        assertThat(KernelRuleset.elements(TCP, new TreeMap<>(), indexes(0))).isEqualTo(
                "add element inet vigil vs3 { 0 : goto vs3_s0 }\n");
    }

    @Test
    void persistenceSendsAClientNetworkToItsTemplatesServerFirstAndRecordsTheChoice() throws Exception {
        var p = persistent("255.255.255.0");
        // Servers 0 and 2 are configured (1 left in a reload); whether they are up does not change the chain.
        var t = target(SchedulerSlots.Kind.SEQUENCE, 2, slots(A, B), true, Optional.empty(), 0, 2);
        assertThat(KernelRuleset.chain(p, t)).isEqualTo("""
                flush chain inet vigil vs7
                add rule inet vigil vs7 counter name "vs7_new"
                add rule inet vigil vs7 ip saddr & 255.255.255.0 @vs7_p0 goto vs7_s0
                add rule inet vigil vs7 ip saddr & 255.255.255.0 @vs7_p2 goto vs7_s2
                add rule inet vigil vs7 numgen inc mod 2 vmap @vs7
                add rule inet vigil vs7 counter name "vs7_none" drop
                """);
        assertThat(KernelRuleset.addServer(p, 0, A)).isEqualTo("""
                add chain inet vigil vs7_s0
                add set inet vigil vs7_p0 { type ipv4_addr; flags dynamic,timeout; timeout 300s; }
                add rule inet vigil vs7_s0 update @vs7_p0 { ip saddr & 255.255.255.0 }
                add rule inet vigil vs7_s0 meta l4proto tcp dnat ip to 10.198.0.2:8080
                """);
        assertThat(KernelRuleset.keep(p, slots(A, new InetSocketAddress("10.198.0.3", 0)))).isEqualTo("""
                flush chain inet vigil vs7_keep
                add rule inet vigil vs7_keep ct direction original ct status dnat meta l4proto tcp ct reply ip saddr 10.198.0.2 ct reply proto-src 8080 ip saddr & 255.255.255.0 @vs7_p0 update @vs7_p0 { ip saddr & 255.255.255.0 }
                add rule inet vigil vs7_keep ct direction original ct status dnat meta l4proto tcp ct reply ip saddr 10.198.0.3 ip saddr & 255.255.255.0 @vs7_p1 update @vs7_p1 { ip saddr & 255.255.255.0 }
                """);
        assertThat(KernelRuleset.forgetTemplates(p, 1)).isEqualTo("flush set inet vigil vs7_p1\n");
        assertThat(KernelRuleset.removeServer(p, 1)).isEqualTo("delete chain inet vigil vs7_s1\ndelete set inet vigil vs7_p1\n");
        assertThat(KernelRuleset.addService(p)).contains("add chain inet vigil vs7_keep\n");
        assertThat(KernelRuleset.fillDispatch(List.of(p))).endsWith("add rule inet vigil keep jump vs7_keep\n");
        // Lost quorum: the sorry server takes everyone, templates stay for when it comes back.
        var down = target(SchedulerSlots.Kind.SEQUENCE, 2, slots(A, B), false, Optional.empty(), 0, 2);
        assertThat(KernelRuleset.chain(p, down)).doesNotContain("@vs7_p0");
        // No granularity: the whole address; a mask of the other family does not apply.
        assertThat(persistent("").client()).isEqualTo("ip saddr");
        assertThat(persistent("ffff:ffff:ffff:ffff::").client()).isEqualTo("ip saddr");
        assertThat(KernelRuleset.time(Duration.ofMillis(1500))).isEqualTo("1500ms");
    }

    @Test
    void aFirewallMarkServiceIsDispatchedByMarkGuardedInItsChainAndNatsTcpAndUdp() throws Exception {
        var fwm = new KernelRuleset.Service(8, Protocol.TCP, KernelRuleset.Family.IPV4, List.of(), List.of(5, 6),
                Optional.of(InetAddress.getByName("10.199.0.50")), Optional.empty());
        assertThat(KernelRuleset.fillDispatch(List.of(fwm))).isEqualTo("""
                add element inet vigil marks4 { 5 : jump vs8 }
                add rule inet vigil source_nat meta nfproto ipv4 meta mark 5 ct status dnat snat ip to 10.199.0.50
                add element inet vigil marks4 { 6 : jump vs8 }
                add rule inet vigil source_nat meta nfproto ipv4 meta mark 6 ct status dnat snat ip to 10.199.0.50
                """);
        var t = target(SchedulerSlots.Kind.SEQUENCE, 1, slots(A), true, Optional.empty());
        assertThat(KernelRuleset.chain(fwm, t)).startsWith("""
                flush chain inet vigil vs8
                add rule inet vigil vs8 meta l4proto tcp tcp flags & (syn|ack|fin|rst) != syn counter name "guard_drops" drop
                add rule inet vigil vs8 counter name "vs8_new"
                """);
        // A real server of port 0 keeps the packet's destination port; another port rewrites it.
        assertThat(KernelRuleset.addServer(fwm, 0, new InetSocketAddress("10.198.0.2", 0)))
                .endsWith("add rule inet vigil vs8_s0 meta l4proto { tcp, udp } dnat ip to 10.198.0.2\n");
        assertThat(KernelRuleset.addServer(fwm, 1, B)).endsWith("meta l4proto { tcp, udp } dnat ip to 10.198.0.3:8080\n");
    }

    @Test
    void dispatchGuardAndSnatForEveryAddress() throws Exception {
        var snat = new KernelRuleset.Service(5, Protocol.TCP, KernelRuleset.Family.IPV4,
                List.of(new InetSocketAddress("10.199.0.50", 443)), List.of(),
                Optional.of(InetAddress.getByName("10.199.0.50")), Optional.empty());
        var udp = new KernelRuleset.Service(6, Protocol.UDP, KernelRuleset.Family.IPV4,
                List.of(new InetSocketAddress("10.199.0.50", 53)), List.of(), Optional.empty(), Optional.empty());
        var every = new KernelRuleset.Service(9, Protocol.TCP, KernelRuleset.Family.IPV6,
                List.of(new InetSocketAddress("fd00:199::50", 0)), List.of(), Optional.empty(), Optional.empty());
        assertThat(KernelRuleset.fillDispatch(List.of(snat, udp, every))).isEqualTo("""
                add element inet vigil services4 { 10.199.0.50 . tcp . 443 : jump vs5 }
                add element inet vigil guard4 { 10.199.0.50 . 443 }
                add rule inet vigil source_nat meta l4proto tcp ct original ip daddr 10.199.0.50 ct original proto-dst 443 ct status dnat snat ip to 10.199.0.50
                add element inet vigil services4 { 10.199.0.50 . udp . 53 : jump vs6 }
                add element inet vigil any6 { fd00:199:0:0:0:0:0:50 . tcp : jump vs9 }
                add element inet vigil guard_any6 { fd00:199:0:0:0:0:0:50 }
                """);
        assertThat(KernelRuleset.clearDispatch()).contains("flush map inet vigil services4", "flush map inet vigil marks6",
                "flush map inet vigil any4", "flush chain inet vigil keep", "flush chain inet vigil source_nat");
        assertThat(KernelRuleset.stopNew()).contains("flush map inet vigil marks4", "flush map inet vigil any6");
    }

    @Test
    void namedCountersAreReadFromTheListing() {
        Map<String, Long> c = KernelRuleset.counters("""
                table inet vigil {
                	counter guard_drops {
                		packets 7 bytes 420
                	}
                	counter vs1_new {
                		packets 12 bytes 720
                	}
                }
                """);
        assertThat(c).containsEntry("guard_drops", 7L).containsEntry("vs1_new", 12L).hasSize(2);
    }

    @Test
    void aConntrackEntryBecomesAConnectionWithItsIdleTime() throws Exception {
        var timeouts = new KernelEngine.Timeouts(Map.of("ESTABLISHED", 432000L, "TIME_WAIT", 120L), 30, 120);
        var e = new ConntrackTable.Entry("tcp", Optional.of("ESTABLISHED"), 431990,
                new InetSocketAddress("10.199.0.100", 40000), new InetSocketAddress("10.199.0.50", 80),
                A, new InetSocketAddress("10.199.0.100", 40000), true, false);
        ForwardedConnection c = KernelEngine.connection(Protocol.TCP, e, timeouts);
        assertThat(c.realServer()).contains(A);
        assertThat(c.state()).isEqualTo(ForwardedConnection.State.ESTABLISHED);
        assertThat(c.idle()).isEqualTo(Duration.ofSeconds(10));
        var notNatted = new ConntrackTable.Entry("udp", Optional.empty(), 25, e.originalSource(),
                e.originalDestination(), e.originalDestination(), e.originalSource(), false, true);
        ForwardedConnection u = KernelEngine.connection(Protocol.UDP, notNatted, timeouts);
        assertThat(u.realServer()).isEmpty();
        assertThat(u.state()).isEqualTo(ForwardedConnection.State.CONNECTING);
        assertThat(u.idle()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void startFailuresSayWhatIsMissing() {
        assertThat(KernelEngine.startMessage("nftables refused ...: Error: Could not process rule: Operation not permitted"))
                .startsWith("the kernel engine needs root (CAP_NET_ADMIN)");
        assertThat(KernelEngine.startMessage("... Error: Could not process rule: Protocol not supported"))
                .startsWith("the kernel lacks nf_tables");
    }
}
