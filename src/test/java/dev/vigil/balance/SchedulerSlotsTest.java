package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;
import dev.vigil.config.VirtualServer;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The kernel's tables are the proxy's schedulers run ahead: the same sequence, the same shares. */
class SchedulerSlotsTest {
    private static final InetSocketAddress A = new InetSocketAddress(ip("10.0.0.11"), 80);
    private static final InetSocketAddress B = new InetSocketAddress(ip("10.0.0.12"), 80);
    private static final InetSocketAddress C = new InetSocketAddress(ip("10.0.0.13"), 80);

    private static VirtualService service(Scheduler scheduler, int wa, int wb, int wc, SchedulerFlag... flags) {
        VirtualServer vs = virtualServer("10.0.0.1", 80, scheduler).flags(flags)
                .real("10.0.0.11", 80, wa).real("10.0.0.12", 80, wb).real("10.0.0.13", 80, wc).build();
        return new VirtualService(vs);
    }

    private static SchedulerSlots slots(VirtualService s) {
        return SchedulerSlots.of(s.config().scheduler(), s.config().schedulerFlags(), s.table().realServers());
    }

    private static List<InetSocketAddress> proxyPicks(VirtualService s, int n) {
        List<InetSocketAddress> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ConnectionAccount a = s.pick(ip("10.9.0.1"), 1000 + i, 0).orElseThrow();
            out.add(a.address());
            a.closed(false, 0);
        }
        return out;
    }

    @Test
    void wrrIsOneIpvsCycleInTheProxysOrder() {
        VirtualService s = service(Scheduler.WRR, 3, 2, 1);
        SchedulerSlots t = slots(s);
        assertThat(t.kind()).isEqualTo(SchedulerSlots.Kind.SEQUENCE);
        assertThat(t.modulus()).isEqualTo(6);
        assertThat(t.slots().values()).containsExactly(A, A, B, A, B, C);
        // Walking the slots twice is what the proxy engine picks for twelve connections.
        List<InetSocketAddress> walked = new ArrayList<>(t.slots().values());
        walked.addAll(t.slots().values());
        assertThat(proxyPicks(s, 12)).isEqualTo(walked);
    }

    @Test
    void wrrDividesByTheGcdAndLeavesOutWeightZeroDownAndDrained() {
        assertThat(slots(service(Scheduler.WRR, 4, 2, 0)).slots().values()).containsExactly(A, A, B);
        VirtualService s = service(Scheduler.WRR, 2, 1, 1);
        s.setHealth(B, false, 1);
        assertThat(slots(s).slots().values()).containsExactly(A, A, C);
        s.setDrained(A, true);
        assertThat(slots(s).slots().values()).containsExactly(C);
        s.setDrained(C, true);
        SchedulerSlots none = slots(s);
        assertThat(none.modulus()).isZero();
        assertThat(none.slots()).isEmpty();
    }

    @Test
    void rrTakesEveryAcceptingServerOnceWhateverItsWeight() {
        VirtualService s = service(Scheduler.RR, 5, 1, 1);
        assertThat(slots(s).slots().values()).containsExactly(A, B, C);
        assertThat(proxyPicks(s, 3)).containsExactly(A, B, C);
        s.setHealth(A, true, 0);
        assertThat(slots(s).slots().values()).containsExactly(B, C);
    }

    @Test
    void shIsIpvssBucketDealWithQuiescedBucketsLeftEmpty() {
        SchedulerSlots t = slots(service(Scheduler.SH, 2, 1, 1));
        assertThat(t.kind()).isEqualTo(SchedulerSlots.Kind.SOURCE_HASH);
        assertThat(t.modulus()).isEqualTo(256);
        assertThat(t.slots()).hasSize(256);
        assertThat(t.slots().subMap(0, 4).values()).containsExactly(A, A, B, C);
        Map<InetSocketAddress, Long> shares = share(t.slots().values());
        assertThat(shares).containsEntry(A, 128L).containsEntry(B, 64L).containsEntry(C, 64L);

        VirtualService s = service(Scheduler.SH, 1, 1, 1, SchedulerFlag.SH_PORT);
        s.setHealth(B, true, 0); // quiesced: keeps its buckets in IPVS, and they take no one (no sh-fallback)
        SchedulerSlots quiesced = slots(s);
        assertThat(quiesced.kind()).isEqualTo(SchedulerSlots.Kind.SOURCE_PORT_HASH);
        assertThat(quiesced.slots()).hasSize(256 - 85).doesNotContainValue(B);
        s.setHealth(B, false, 1); // down: out of the service, its buckets dealt to the others
        assertThat(slots(s).slots()).hasSize(256).doesNotContainValue(B);
    }

    @Test
    void mhFallbackFillsAnUnavailableSlotWithTheServerTheProxysWalkReaches() {
        VirtualService s = service(Scheduler.MH, 1, 1, 1, SchedulerFlag.MH_FALLBACK);
        SchedulerSlots whole = slots(s);
        s.setHealth(B, true, 0); // quiesced: keeps its slots (last_weight), which fall back
        SchedulerSlots t = slots(s);
        assertThat(t.slots()).hasSize(MaglevTable.SIZE).doesNotContainValue(B);
        MaglevTable maglev = new MaglevTable(s.table().realServers().toArray(RealServerState[]::new));
        long movedToA = 0, movedToC = 0;
        for (int k = 0; k < MaglevTable.SIZE; k++) {
            if (!maglev.slots[k].address().equals(B)) {
                // a client of an available server stays where it was
                assertThat(t.slots().get(k)).isEqualTo(whole.slots().get(k));
                continue;
            }
            int o = 1;
            while (maglev.slots[(k + o) % MaglevTable.SIZE].address().equals(B)) o++;
            InetSocketAddress expected = maglev.slots[(k + o) % MaglevTable.SIZE].address();
            assertThat(t.slots().get(k)).as("slot %d", k).isEqualTo(expected);
            if (expected.equals(A)) movedToA++; else movedToC++;
        }
        // B's clients spread over A and C about evenly (Maglev interleaves the servers' slots).
        assertThat((double) movedToA / (movedToA + movedToC)).isBetween(0.4, 0.6);
        // The proxy walks the same way: every client lands on its slot's entry in the table.
        java.util.Random random = new java.util.Random(11);
        int fellBack = 0;
        for (int i = 0; i < 3000; i++) {
            java.net.InetAddress client = ip("10.3." + random.nextInt(256) + "." + random.nextInt(256));
            int slot = MaglevTable.slot(client, 0, 0);
            ConnectionAccount a = s.pick(client, 40000 + i, 0).orElseThrow();
            assertThat(a.address()).as("slot %d", slot).isEqualTo(t.slots().get(slot));
            if (maglev.slots[slot].address().equals(B)) fellBack++;
            a.closed(false, 0);
        }
        assertThat(fellBack).isBetween(800, 1200);
        // Nobody takes new connections: no slot holds anyone, and the table is built at once.
        s.setHealth(A, true, 0);
        s.setHealth(C, true, 0);
        assertThat(slots(s).slots()).isEmpty();
        assertThat(s.pick(ip("10.3.0.1"), 1000, 0)).isEmpty();
    }

    @Test
    void shFallbackFillsAnUnavailableBucketWithTheServerTheProxysWalkReaches() {
        VirtualService s = service(Scheduler.SH, 1, 2, 1, SchedulerFlag.SH_FALLBACK);
        s.setHealth(B, true, 0); // quiesced: keeps its buckets, which fall back
        SchedulerSlots t = slots(s);
        assertThat(t.kind()).isEqualTo(SchedulerSlots.Kind.SOURCE_HASH);
        assertThat(t.slots()).hasSize(256).doesNotContainValue(B);
        // The kernel's bucket is a jhash, the proxy's a hash_32: every bucket the proxy reaches is the table's.
        java.util.Random random = new java.util.Random(7);
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int i = 0; i < 4000; i++) {
            java.net.InetAddress client = ip("10." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256));
            int bucket = HashBuckets.hash(client, 0, 0);
            ConnectionAccount a = s.pick(client, 1000, 0).orElseThrow();
            assertThat(a.address()).as("bucket %d", bucket).isEqualTo(t.slots().get(bucket));
            a.closed(false, 0);
            seen.add(bucket);
        }
        assertThat(seen).hasSizeGreaterThan(200);
        // A fallen-back bucket holds the first server of the walk 2b, 2b+1, ... that takes connections.
        HashBuckets buckets = new HashBuckets(HashBuckets.inService(s.table().realServers().toArray(RealServerState[]::new)));
        int fellBack = 0;
        for (int b = 0; b < 256; b++) {
            if (!buckets.buckets[b].address().equals(B)) continue;
            fellBack++;
            RealServerState expected = null;
            for (int o = 0; o < 256 && expected == null; o++) {
                RealServerState c = buckets.buckets[(2 * b + o) % 256];
                if (c.acceptsNew()) expected = c;
            }
            assertThat(t.slots().get(b)).isEqualTo(expected.address());
        }
        assertThat(fellBack).isEqualTo(85); // weight 0 still deals one bucket a turn (IPVS), so 1, 0, 1 is a third each
        // Without the flag the quiesced server's buckets take no one.
        VirtualService plain = service(Scheduler.SH, 1, 2, 1);
        plain.setHealth(B, true, 0);
        assertThat(slots(plain).slots()).hasSize(256 - 85);
    }

    @Test
    void dhIsTheBucketDealKeyedByTheDestination() {
        VirtualService s = service(Scheduler.DH, 2, 1, 1);
        SchedulerSlots t = slots(s);
        assertThat(t.kind()).isEqualTo(SchedulerSlots.Kind.DESTINATION_HASH);
        assertThat(t.modulus()).isEqualTo(256);
        assertThat(t.slots().subMap(0, 4).values()).containsExactly(A, A, B, C);
        assertThat(share(t.slots().values())).containsEntry(A, 128L).containsEntry(B, 64L).containsEntry(C, 64L);
        // The proxy's destination is the VIP: its bucket's server is the proxy's choice.
        ConnectionAccount a = s.pick(ip("10.9.0.1"), 1000, 0).orElseThrow();
        assertThat(a.address()).isEqualTo(t.slots().get(HashBuckets.hash(ip("10.0.0.1"), 0, 0)));
        a.closed(false, 0);
        s.setHealth(A, true, 0);
        assertThat(slots(s).slots()).hasSize(256 - 86).doesNotContainValue(A); // 0, 1, 1 deals A 86 buckets
    }

    @Test
    void mhIsBalancesMaglevTableWithUnavailableSlotsEmpty() {
        VirtualService s = service(Scheduler.MH, 1, 1, 2, SchedulerFlag.MH_PORT);
        SchedulerSlots t = slots(s);
        assertThat(t.kind()).isEqualTo(SchedulerSlots.Kind.SOURCE_PORT_HASH);
        assertThat(t.modulus()).isEqualTo(MaglevTable.SIZE).isEqualTo(65537);
        MaglevTable maglev = new MaglevTable(s.table().realServers().toArray(RealServerState[]::new));
        for (int k = 0; k < MaglevTable.SIZE; k++) assertThat(t.slots().get(k)).isEqualTo(maglev.slots[k].address());
        Map<InetSocketAddress, Long> shares = share(t.slots().values());
        assertThat(shares.get(C)).isBetween(32000L, 33600L); // weight 2 of 4: half the slots
        // The proxy looks up the slot of its own hash: that slot's server, for any client and port.
        java.util.Random random = new java.util.Random(3);
        for (int i = 0; i < 500; i++) {
            java.net.InetAddress client = ip("10.1." + random.nextInt(256) + "." + random.nextInt(256));
            int port = 1024 + random.nextInt(60000);
            ConnectionAccount a = s.pick(client, port, 0).orElseThrow();
            assertThat(a.address()).isEqualTo(t.slots().get(MaglevTable.slot(client, port, 0)));
            a.closed(false, 0);
        }
        // Quiesced: IPVS builds mh with last_weight, so its slots stay its own and take no one (no mh-fallback).
        s.setHealth(C, true, 0);
        SchedulerSlots quiesced = slots(s);
        assertThat(quiesced.slots()).hasSize(MaglevTable.SIZE - shares.get(C).intValue()).doesNotContainValue(C);
        quiesced.slots().forEach((k, a) -> assertThat(a).isEqualTo(t.slots().get(k)));
        java.net.InetAddress stranded = null;
        for (int i = 0; stranded == null; i++) {
            java.net.InetAddress client = ip("10.2." + (i >> 8 & 255) + "." + (i & 255));
            if (!quiesced.slots().containsKey(MaglevTable.slot(client, 80, 0))) stranded = client;
        }
        assertThat(s.pick(stranded, 80, 0)).isEmpty();
        s.setHealth(C, true, 2);
        // Down: out of the table, about a quarter of the slots move (consistent hashing); the rest stay.
        s.setHealth(A, false, 1);
        SchedulerSlots down = slots(s);
        assertThat(down.slots()).hasSize(MaglevTable.SIZE).doesNotContainValue(A);
        long moved = t.slots().entrySet().stream().filter(e -> !e.getValue().equals(A))
                .filter(e -> !e.getValue().equals(down.slots().get(e.getKey()))).count();
        assertThat(moved).isLessThan(MaglevTable.SIZE / 20);
        assertThat(slots(service(Scheduler.MH, 0, 0, 0)).slots()).isEmpty();
    }

    @Test
    void anOverloadedServerLeavesTheTablesUntilItCoolsDown() {
        dev.vigil.config.RealServer plain = TestVirtualServers.realServer("10.0.0.11", 80, 1);
        dev.vigil.config.RealServer limited = new dev.vigil.config.RealServer(plain.address(), plain.port(), plain.weight(),
                plain.forwardingMethod(), plain.notifyUp(), plain.notifyDown(), 2, 0, plain.smtpAlert(), plain.virtualhost(),
                plain.inhibitOnFailure(), plain.checkTiming(), plain.checkers(), plain.source());
        VirtualServer vs = virtualServer("10.0.0.1", 80, Scheduler.RR).real(limited).real("10.0.0.12", 80, 1).build();
        VirtualService s = new VirtualService(vs);
        RealServerState a = s.table().realServers().get(0);
        ObservedConnection first = new ObservedConnection(a, true);
        assertThat(slots(s).slots().values()).containsExactly(A, B);
        ObservedConnection second = new ObservedConnection(a, false);
        assertThat(slots(s).slots().values()).containsExactly(B); // 2 >= uthreshold 2
        second.closed();
        assertThat(slots(s).slots().values()).containsExactly(A, B); // 1 * 4 < 2 * 3
        first.closed();
    }

    @Test
    void countingSchedulersAreMarkSlotsOfEveryConfiguredServer() {
        // lblc and lblcr too: the eBPF selector keeps their server (set) per VIP.
        for (Scheduler counted : List.of(Scheduler.LC, Scheduler.WLC, Scheduler.SED, Scheduler.NQ, Scheduler.FO,
                Scheduler.OVF, Scheduler.TWOS, Scheduler.LBLC, Scheduler.LBLCR)) {
            assertThat(SchedulerSlots.counted(counted)).isTrue();
            VirtualService s = service(counted, 1, 2, 3);
            s.setHealth(B, false, 2); // down: the selector gives it nothing, its slot stays
            SchedulerSlots marked = slots(s);
            assertThat(marked.kind()).isEqualTo(SchedulerSlots.Kind.MARK);
            assertThat(marked.modulus()).isEqualTo(3);
            assertThat(marked.slots()).containsEntry(1, B).hasSize(3);
        }
        for (Scheduler table : List.of(Scheduler.RR, Scheduler.WRR, Scheduler.SH, Scheduler.DH, Scheduler.MH)) {
            assertThat(SchedulerSlots.counted(table)).as(table.keyword()).isFalse();
        }
    }

    @Test
    void weightsThatNeedTooManySlotsAreRefused() {
        VirtualService s = service(Scheduler.WRR, 65535, 65534, 65533);
        assertThatThrownBy(() -> slots(s)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scale them down");
    }

    private static Map<InetSocketAddress, Long> share(Collection<InetSocketAddress> values) {
        return values.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
