package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

/** Each IPVS scheduler's distribution law, at the pure level. */
class SchedulerTest {
    static final InetSocketAddress A = new InetSocketAddress(ip("10.0.0.1"), 80);
    static final InetSocketAddress B = new InetSocketAddress(ip("10.0.0.2"), 80);
    static final InetSocketAddress C = new InetSocketAddress(ip("10.0.0.3"), 80);

    static InetAddress client(int i) {
        return ip("172.16." + (i >> 8 & 255) + "." + (i & 255));
    }

    /** Picks and closes at once, so load-based schedulers see an idle farm. */
    static Map<InetSocketAddress, Integer> spread(VirtualService vs, int picks) {
        Map<InetSocketAddress, Integer> counts = new HashMap<>();
        for (int i = 0; i < picks; i++) {
            ConnectionAccount a = vs.pick(client(i), 40000 + i, 0).orElseThrow();
            counts.merge(a.address(), 1, Integer::sum);
            a.closed(false, 0);
        }
        return counts;
    }

    @Test
    void wrrGivesThreeToOneExactlyPerCycle() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WRR)
                .real("10.0.0.1", 80, 3).real("10.0.0.2", 80, 1).build());
        List<InetSocketAddress> firstCycle = new ArrayList<>();
        for (int i = 0; i < 4; i++) firstCycle.add(vs.pick(client(i), 1, 0).orElseThrow().address());
        assertThat(firstCycle).containsExactly(A, A, A, B);
        // Tolerance: none. IPVS's wrr is deterministic, so 4000 picks are exactly 3000:1000.
        assertThat(spread(vs, 4000)).containsEntry(A, 3000).containsEntry(B, 1000);
    }

    @Test
    void wrrInterleavesByGcdSteps() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WRR)
                .real("10.0.0.1", 80, 4).real("10.0.0.2", 80, 3).real("10.0.0.3", 80, 2).build());
        List<InetSocketAddress> cycle = new ArrayList<>();
        for (int i = 0; i < 9; i++) cycle.add(vs.pick(client(i), 1, 0).orElseThrow().address());
        // IPVS: cw 4: A; cw 3: A B; cw 2: A B C; cw 1: A B C.
        assertThat(cycle).containsExactly(A, A, B, A, B, C, A, B, C);
    }

    @Test
    void rrSkipsQuiescedServers() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 0).real("10.0.0.3", 80, 5).build());
        assertThat(spread(vs, 1000)).containsEntry(A, 500).containsEntry(C, 500).doesNotContainKey(B);
    }

    @Test
    void lcCountsAnActiveConnectionAs256Inactive() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.LC)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        ConnectionAccount first = vs.pick(client(0), 1, 0).orElseThrow();
        assertThat(first.address()).isEqualTo(A);
        first.established(); // A: one active = overhead 256
        for (int i = 0; i < 255; i++) assertThat(vs.pick(client(i), 1, 0).orElseThrow().address()).isEqualTo(B);
        // B now has 255 inactive (overhead 255) < 256: still B; then 256 = 256: A wins the tie by order.
        assertThat(vs.pick(client(1), 1, 0).orElseThrow().address()).isEqualTo(B);
        assertThat(vs.pick(client(2), 1, 0).orElseThrow().address()).isEqualTo(A);
    }

    @Test
    void wlcFollowsWeights() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WLC)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 3).build());
        Map<InetSocketAddress, Integer> held = new HashMap<>();
        for (int i = 0; i < 400; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            held.merge(a.address(), 1, Integer::sum);
        }
        assertThat(held).containsEntry(A, 100).containsEntry(B, 300);
    }

    @Test
    void sedAndNqPreferIdleAndFastServers() {
        VirtualService nq = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.NQ)
                .real("10.0.0.1", 80, 10).real("10.0.0.2", 80, 1).build());
        nq.pick(client(0), 1, 0).orElseThrow().established(); // A busy
        assertThat(nq.pick(client(1), 1, 0).orElseThrow().address()).as("nq: idle B first").isEqualTo(B);
        VirtualService sed = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.SED)
                .real("10.0.0.1", 80, 10).real("10.0.0.2", 80, 1).build());
        sed.pick(client(0), 1, 0).orElseThrow().established();
        // (1+1)/10 < (0+1)/1: sed keeps queueing on the heavy server.
        assertThat(sed.pick(client(1), 1, 0).orElseThrow().address()).isEqualTo(A);
    }

    @Test
    void shSticksAClientToOneServerAndSpreadsClients() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.SH)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).real("10.0.0.3", 80, 1).build());
        for (int c = 0; c < 200; c++) {
            InetSocketAddress first = vs.pick(client(c), 1000, 0).orElseThrow().address();
            for (int port = 1001; port < 1020; port++) {
                assertThat(vs.pick(client(c), port, 0).orElseThrow().address()).isEqualTo(first);
            }
        }
        assertThat(spread(vs, 3000)).hasSize(3).allSatisfy((server, n) -> assertThat(n).isBetween(700, 1300));
    }

    @Test
    void shWithoutFallbackRefusesAQuiescedBucketAndWithFallbackMovesOn() {
        var config = virtualServer("192.0.2.1", 80, Scheduler.SH).real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1);
        VirtualService strict = new VirtualService(config.build());
        VirtualService fallback = new VirtualService(config.flags(SchedulerFlag.SH_FALLBACK).build());
        for (VirtualService vs : List.of(strict, fallback)) vs.setHealth(A, true, 0);
        int refused = 0;
        for (int c = 0; c < 100; c++) {
            if (strict.pick(client(c), 1, 0).isEmpty()) refused++;
            assertThat(fallback.pick(client(c), 1, 0).orElseThrow().address()).isEqualTo(B);
        }
        assertThat(refused).as("clients hashed to the quiesced server").isBetween(20, 80);
    }

    @Test
    void shPortFlagSpreadsOneClientsPorts() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.SH).flags(SchedulerFlag.SH_PORT)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        Map<InetSocketAddress, Integer> counts = new HashMap<>();
        for (int port = 1000; port < 1400; port++) counts.merge(vs.pick(client(1), port, 0).orElseThrow().address(), 1, Integer::sum);
        assertThat(counts).hasSize(2);
    }

    @Test
    void mhSticksAndMovesAboutOneNthWhenOneOfNGoes() {
        var builder = virtualServer("192.0.2.1", 80, Scheduler.MH);
        int n = 5;
        for (int i = 1; i <= n; i++) builder.real("10.0.0." + i, 80, 1);
        VirtualService vs = new VirtualService(builder.build());
        int clients = 20_000;
        InetSocketAddress[] before = new InetSocketAddress[clients];
        Map<InetSocketAddress, Integer> counts = new HashMap<>();
        for (int c = 0; c < clients; c++) {
            before[c] = vs.pick(client(c), 1, 0).orElseThrow().address();
            assertThat(vs.pick(client(c), 2, 0).orElseThrow().address()).isEqualTo(before[c]);
            counts.merge(before[c], 1, Integer::sum);
        }
        assertThat(counts).hasSize(n).allSatisfy((s, k) -> assertThat(k).isBetween(3400, 4600));
        InetSocketAddress gone = new InetSocketAddress(ip("10.0.0.3"), 80);
        vs.setHealth(gone, false, 1);
        int moved = 0, movedFromOthers = 0;
        for (int c = 0; c < clients; c++) {
            InetSocketAddress after = vs.pick(client(c), 1, 0).orElseThrow().address();
            assertThat(after).isNotEqualTo(gone);
            if (!after.equals(before[c])) {
                moved++;
                if (!before[c].equals(gone)) movedFromOthers++;
            }
        }
        // About 1/N move (those of the lost server); Maglev disturbs a few more, well under 2%.
        assertThat((double) moved / clients).isBetween(0.8 / n, 1.2 / n);
        assertThat((double) movedFromOthers / clients).isLessThan(0.02);
    }

    @Test
    void mhHonoursWeightsAndFallback() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.MH).flags(SchedulerFlag.MH_FALLBACK)
                .real("10.0.0.1", 80, 3).real("10.0.0.2", 80, 1).build());
        Map<InetSocketAddress, Integer> counts = spread(vs, 8000);
        assertThat((double) counts.get(A) / counts.get(B)).isBetween(2.5, 3.5);
        vs.setDrained(A, true);
        assertThat(spread(vs, 500)).containsOnlyKeys(B);
    }

    @Test
    void dhSendsEveryClientOfOneVipToOneServer() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.DH)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        assertThat(spread(vs, 300)).hasSize(1);
    }

    @Test
    void foAlwaysPicksTheHighestWeight() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.FO)
                .real("10.0.0.1", 80, 5).real("10.0.0.2", 80, 10).real("10.0.0.3", 80, 10).build());
        assertThat(spread(vs, 100)).containsOnly(Map.entry(B, 100));
        vs.setHealth(B, false, 10);
        assertThat(spread(vs, 100)).containsOnly(Map.entry(C, 100));
        vs.setHealth(C, true, 1);
        assertThat(spread(vs, 100)).containsOnly(Map.entry(A, 100));
    }

    @Test
    void ovfFillsTheHighestWeightUpToItsWeightThenOverflows() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.OVF)
                .real("10.0.0.1", 80, 2).real("10.0.0.2", 80, 3).build());
        List<InetSocketAddress> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            got.add(a.address());
        }
        assertThat(got).containsExactly(B, B, B, A, A);
        assertThat(vs.pick(client(9), 1, 0)).isEmpty();
    }

    @Test
    void twosFollowsWeightsRoughly() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.TWOS)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 3).build());
        Map<InetSocketAddress, Integer> held = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            held.merge(a.address(), 1, Integer::sum);
        }
        // Two weighted draws, least loaded per weight wins: load ends near 1:3.
        assertThat((double) held.get(B) / held.get(A)).isBetween(2.5, 3.5);
    }

    @Test
    void lblcKeepsTheDestinationOnOneServerUntilItIsOverloaded() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.LBLC)
                .real("10.0.0.1", 80, 2).real("10.0.0.2", 80, 2).build());
        List<InetSocketAddress> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            got.add(a.address());
        }
        // A keeps it while active <= weight (2); at 3 active with B idle (0*2 < 2) it is overloaded.
        assertThat(got).containsExactly(A, A, A, B);
    }

    @Test
    void lblcrGrowsTheSetWhenTheLeastLoadedMemberIsOverloaded() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.LBLCR)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        List<InetSocketAddress> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            got.add(a.address());
        }
        assertThat(got).startsWith(A, A, B);
    }
}
