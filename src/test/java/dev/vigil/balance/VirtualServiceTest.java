package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.vigil.balance.SchedulerTest.A;
import static dev.vigil.balance.SchedulerTest.B;
import static dev.vigil.balance.SchedulerTest.C;
import static dev.vigil.balance.SchedulerTest.client;
import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.realServer;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

/** Quiescing, thresholds, persistence, quorum, sorry server, reload and accounting of a virtual service. */
class VirtualServiceTest {
    static final long SECOND = 1_000_000_000L;
    static final InetSocketAddress SORRY = new InetSocketAddress(ip("10.0.9.9"), 80);

    @Test
    void quiescedServerGetsNoNewConnectionsButKeepsItsEstablishedOnes() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        List<ConnectionAccount> onA = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            if (a.address().equals(A)) onA.add(a);
        }
        vs.setHealth(A, true, 0);
        for (int i = 0; i < 100; i++) assertThat(vs.pick(client(i), 1, 0).orElseThrow().address()).isEqualTo(B);
        vs.setHealth(A, true, 1);
        vs.setDrained(A, true);
        for (int i = 0; i < 100; i++) assertThat(vs.pick(client(i), 1, 0).orElseThrow().address()).isEqualTo(B);
        assertThat(server(vs, A).activeConnections()).isEqualTo(5);
        assertThat(server(vs, A).drained()).isTrue();
        assertThat(server(vs, A).effectiveWeight()).isZero();
        onA.forEach(a -> a.closed(false, 0));
        assertThat(server(vs, A).activeConnections()).isZero();
    }

    @Test
    void upperThresholdOverloadsUntilLowerThresholdOrThreeQuarters() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WRR)
                .real(realServer("10.0.0.1", 80, 100, 4, 0)).real("10.0.0.2", 80, 1).build());
        List<ConnectionAccount> onA = new ArrayList<>();
        for (int i = 0; onA.size() < 4 && i < 50; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            if (a.address().equals(A)) onA.add(a);
        }
        assertThat(server(vs, A).overloaded()).isTrue();
        for (int i = 0; i < 20; i++) assertThat(vs.pick(client(i), 1, 0).orElseThrow().address()).isEqualTo(B);
        onA.removeFirst().closed(false, 0); // 3 left: 3*4 < 4*3 is false, still overloaded
        assertThat(server(vs, A).overloaded()).isTrue();
        onA.removeFirst().closed(false, 0); // 2 left: below 3/4 of 4
        assertThat(server(vs, A).overloaded()).isFalse();

        VirtualService withLower = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .real(realServer("10.0.0.1", 80, 1, 3, 1)).build());
        List<ConnectionAccount> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) held.add(withLower.pick(client(i), 1, 0).orElseThrow());
        assertThat(withLower.pick(client(9), 1, 0)).isEmpty();
        held.removeFirst().closed(false, 0);
        held.removeFirst().closed(false, 0);
        assertThat(withLower.pick(client(9), 1, 0)).as("1 left is not below lthreshold 1").isEmpty();
        held.removeFirst().closed(false, 0);
        assertThat(withLower.pick(client(9), 1, 0)).isPresent();
    }

    @Test
    void persistenceHoldsForTheClientNetworkAndExpires() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .persistence(Duration.ofSeconds(60), "255.255.255.0")
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).real("10.0.0.3", 80, 1).build());
        ConnectionAccount first = vs.pick(ip("198.51.100.7"), 1000, 0).orElseThrow();
        first.established();
        // Same /24, while the first connection lives and long after it, within the timeout.
        for (int host = 1; host < 50; host++) {
            ConnectionAccount a = vs.pick(ip("198.51.100." + host), 2000, 10 * SECOND).orElseThrow();
            assertThat(a.address()).isEqualTo(first.address());
            a.closed(false, 10 * SECOND);
        }
        first.closed(false, 20 * SECOND);
        assertThat(vs.pick(ip("198.51.100.200"), 1, 79 * SECOND).orElseThrow().address()).isEqualTo(first.address());
        // Last use at 79 s: the template lives until 139 s. Another network goes elsewhere meanwhile.
        assertThat(vs.pick(ip("198.51.101.1"), 1, 80 * SECOND).orElseThrow().address()).isNotEqualTo(first.address());
        InetSocketAddress after = vs.pick(ip("198.51.100.7"), 1, 300 * SECOND).orElseThrow().address();
        InetSocketAddress next = vs.pick(ip("198.51.100.7"), 1, 301 * SECOND).orElseThrow().address();
        assertThat(next).as("a new template was made at 300 s").isEqualTo(after);
        assertThat(countDistinct(vs, 302)).as("expired entries make room for rr again").isGreaterThan(1);
    }

    private static int countDistinct(VirtualService vs, long atSecond) {
        java.util.Set<InetSocketAddress> seen = new java.util.HashSet<>();
        for (int net = 0; net < 6; net++) seen.add(vs.pick(ip("203.0." + net + ".1"), 1, atSecond * SECOND).orElseThrow().address());
        return seen.size();
    }

    @Test
    void persistenceEndsWhenTheServerGoesDown() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .persistence(Duration.ofSeconds(600), null).real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        InetSocketAddress first = vs.pick(ip("198.51.100.7"), 1, 0).orElseThrow().address();
        vs.setHealth(first, false, 1);
        InetSocketAddress moved = vs.pick(ip("198.51.100.7"), 1, SECOND).orElseThrow().address();
        assertThat(moved).isNotEqualTo(first);
        vs.setHealth(first, true, 1);
        assertThat(vs.pick(ip("198.51.100.7"), 1, 2 * SECOND).orElseThrow().address()).isEqualTo(moved);
    }

    @Test
    void quorumWithHysteresisSendsNewConnectionsToTheSorryServer() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WRR).quorum(4, 1)
                .sorryServer("10.0.9.9", 80).real("10.0.0.1", 80, 2).real("10.0.0.2", 80, 2).real("10.0.0.3", 80, 2)
                .build());
        List<Boolean> events = new ArrayList<>();
        vs.addTableListener((service, change) -> {
            if (change.quorumChanged()) events.add(change.quorumUp());
        });
        assertThat(vs.quorumUp()).isTrue();
        vs.setHealth(A, false, 2); // 4 alive: not below 4 - 1
        assertThat(vs.quorumUp()).isTrue();
        vs.setHealth(B, true, 1); // 3 alive: still >= 3
        assertThat(vs.quorumUp()).isTrue();
        vs.setHealth(C, false, 2); // 1 alive: lost
        assertThat(vs.quorumUp()).isFalse();
        ConnectionAccount a = vs.pick(client(1), 1, 0).orElseThrow();
        assertThat(a.isSorryServer()).isTrue();
        assertThat(a.address()).isEqualTo(SORRY);
        vs.setHealth(C, true, 2); // 3 alive: below 4 + 1, still down
        assertThat(vs.quorumUp()).isFalse();
        vs.setHealth(B, true, 2); // 4: below 5, still down
        assertThat(vs.quorumUp()).isFalse();
        vs.setHealth(A, true, 2); // 6: up
        assertThat(vs.quorumUp()).isTrue();
        assertThat(vs.pick(client(1), 1, 0).orElseThrow().isSorryServer()).isFalse();
        assertThat(events).containsExactly(false, true);
    }

    @Test
    void everyPublishedTableReachesTableListenersOnceAndInOrder() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.WLC)
                .real("10.0.0.1", 80, 2).real("10.0.0.2", 80, 1).build());
        List<ServerTableChange> seen = new ArrayList<>();
        ServerTableListener recorder = (service, change) -> {
            assertThat(service).isSameAs(vs);
            // What a listener is told is already what the data path uses.
            assertThat(service.table().realServers()).isEqualTo(change.realServers());
            seen.add(change);
        };
        vs.addTableListener(recorder);
        vs.setHealth(A, false, 2);
        vs.setHealth(A, false, 2); // repeated verdict: nothing new to publish
        vs.setDrained(B, true);
        vs.setHealth(A, true, 5); // a dynamic weight
        vs.reconfigure(virtualServer("192.0.2.1", 80, Scheduler.WLC).real("10.0.0.2", 80, 1).real("10.0.0.3", 80, 4)
                .build());
        assertThat(seen).hasSize(4);
        assertThat(seen.get(0).realServers()).extracting(RealServerState::alive).containsExactly(false, true);
        assertThat(seen.get(1).realServers()).extracting(RealServerState::weight).containsExactly(0, 0);
        assertThat(seen.get(1).quorumChanged()).isTrue();
        assertThat(seen.get(1).quorumUp()).isFalse();
        assertThat(seen.get(2).realServers()).extracting(RealServerState::weight).containsExactly(5, 0);
        assertThat(seen.get(2).quorumChanged()).isTrue();
        assertThat(seen.get(3).realServers()).extracting(RealServerState::address).containsExactly(B, C);
        assertThat(seen.get(3).realServers()).extracting(RealServerState::weight).containsExactly(0, 4);
        vs.removeTableListener(recorder);
        vs.setDrained(B, false);
        assertThat(seen).hasSize(4);
    }

    @Test
    void sorryServerTakesOverWhenNoRealServerIsUsable() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR).quorum(1, 0)
                .sorryServer("10.0.9.9", 80).real("10.0.0.1", 80, 1).build());
        vs.setDrained(A, true);
        assertThat(vs.pick(client(1), 1, 0).orElseThrow().address()).isEqualTo(SORRY);
        VirtualService none = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR).real("10.0.0.1", 80, 1).build());
        none.setHealth(A, false, 1);
        assertThat(none.pick(client(1), 1, 0)).isEmpty();
    }

    @Test
    void excludedServersAreSkippedForARetry() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.SH)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        ConnectionAccount first = vs.pick(client(5), 1, 0).orElseThrow();
        first.closed(true, 0);
        ConnectionAccount retry = vs.pick(client(5), 1, 0, java.util.Set.of(first.address())).orElseThrow();
        assertThat(retry.address()).isNotEqualTo(first.address());
        assertThat(server(vs, first.address()).failedConnections()).isEqualTo(1);
    }

    @Test
    void reconfigureKeepsCountersOfRemainingServers() {
        var config = virtualServer("192.0.2.1", 80, Scheduler.RR).real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1);
        VirtualService vs = new VirtualService(config.build());
        List<ConnectionAccount> live = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ConnectionAccount a = vs.pick(client(i), 1, 0).orElseThrow();
            a.established();
            a.bytesIn(100);
            a.bytesOut(1000);
            live.add(a);
        }
        vs.setDrained(A, true);
        vs.reconfigure(virtualServer("192.0.2.1", 80, Scheduler.WLC).real("10.0.0.1", 80, 1).real("10.0.0.3", 80, 2).build());
        RealServerSnapshot a = server(vs, A);
        assertThat(a.activeConnections()).isEqualTo(3);
        assertThat(a.totalConnections()).isEqualTo(3);
        assertThat(a.bytesIn()).isEqualTo(300);
        assertThat(a.drained()).isTrue();
        assertThat(server(vs, C).totalConnections()).isZero();
        assertThat(vs.snapshot().realServers()).extracting(RealServerSnapshot::port).hasSize(2);
        assertThat(vs.snapshot().scheduler()).isEqualTo("wlc");
        live.forEach(c -> c.closed(false, 0));
        assertThat(server(vs, A).activeConnections()).isZero();
    }

    @Test
    void snapshotSumsAndActiveInactivePhases() {
        VirtualService vs = new VirtualService(virtualServer("192.0.2.1", 80, Scheduler.RR)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).build());
        ConnectionAccount x = vs.pick(client(1), 1, 0).orElseThrow();
        ConnectionAccount y = vs.pick(client(2), 1, 0).orElseThrow();
        assertThat(vs.snapshot().inactiveConnections()).isEqualTo(2);
        x.established();
        y.established();
        y.established();
        x.bytesIn(7);
        y.bytesOut(11);
        assertThat(vs.snapshot().activeConnections()).isEqualTo(2);
        y.closing();
        VirtualServiceSnapshot s = vs.snapshot();
        assertThat(s.activeConnections()).isEqualTo(1);
        assertThat(s.inactiveConnections()).isEqualTo(1);
        x.closed(false, 0);
        y.closed(false, 0);
        y.closed(false, 0);
        s = vs.snapshot();
        assertThat(s.activeConnections() + s.inactiveConnections()).isZero();
        assertThat(s.totalConnections()).isEqualTo(2);
        assertThat(s.bytesIn()).isEqualTo(7);
        assertThat(s.bytesOut()).isEqualTo(11);
        assertThat(s.name()).isEqualTo("192.0.2.1:80");
    }

    static RealServerSnapshot server(VirtualService vs, InetSocketAddress address) {
        return vs.snapshot().realServers().stream()
                .filter(s -> s.address().equals(address.getAddress()) && s.port() == address.getPort())
                .findFirst().orElseThrow();
    }
}
