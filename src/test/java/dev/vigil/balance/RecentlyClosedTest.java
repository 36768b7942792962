package dev.vigil.balance;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RecentlyClosedTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void closedConnectionsCountForTheTimeWaitWindowThenExpire() {
        RecentlyClosed r = new RecentlyClosed();
        r.add(0);
        r.add(10 * SECOND);
        r.add(10 * SECOND + 5);
        assertThat(r.count()).isEqualTo(3);
        r.expire(119 * SECOND);
        assertThat(r.count()).isEqualTo(3);
        r.expire(120 * SECOND);
        assertThat(r.count()).isEqualTo(2);
        r.expire(131 * SECOND);
        assertThat(r.count()).isZero();
    }

    @Test
    void aSlotReusedAfterTheRingWrapsForgetsItsOldCount() {
        RecentlyClosed r = new RecentlyClosed();
        r.add(1 * SECOND);
        r.add(129 * SECOND); // same slot, 128 s later
        assertThat(r.count()).isEqualTo(1);
    }

    /** IPVS's wlc spreads even connections that never overlap, because closed ones linger as inactive. */
    @Test
    void wlcSpreadsSequentialShortConnectionsOverEveryRealServer() throws Exception {
        var vs = new VirtualService(TestVirtualServers.virtualServer("10.0.0.100", 80, dev.vigil.config.Scheduler.WLC)
                .real("10.0.0.1", 80, 1).real("10.0.0.2", 80, 1).real("10.0.0.3", 80, 1).build());
        List<String> picked = new ArrayList<>();
        InetAddress client = InetAddress.ofLiteral("192.0.2.9");
        for (int i = 0; i < 6; i++) {
            long now = i * SECOND;
            ConnectionAccount a = vs.pick(client, 40000 + i, now).orElseThrow();
            a.established();
            picked.add(a.address().getAddress().getHostAddress());
            a.closed(false, now + 1000);
        }
        assertThat(picked).containsExactly("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.3");
        assertThat(vs.snapshot().realServers()).allSatisfy(s -> {
            assertThat(s.recentlyClosed()).isEqualTo(2);
            assertThat(s.activeConnections() + s.inactiveConnections()).isZero();
        });
        // With no new connection to schedule, a status read still lets them age out as IPVS's do.
        assertThat(vs.snapshot(100 * SECOND).realServers()).allSatisfy(s -> assertThat(s.recentlyClosed()).isEqualTo(2));
        assertThat(vs.snapshot(122 * SECOND).realServers()).extracting(RealServerSnapshot::recentlyClosed)
                .containsExactly(1L, 1L, 1L);
        assertThat(vs.snapshot(200 * SECOND).realServers()).allSatisfy(s -> assertThat(s.recentlyClosed()).isZero());
    }
}
