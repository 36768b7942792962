package dev.vigil.daemon;

import dev.vigil.config.Source;
import dev.vigil.forward.ForwardCounters;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.sync.ConnectionSync;
import dev.vigil.sync.ConntrackdStats;
import dev.vigil.sync.SyncSettings;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class NodeStatusTest {

    @Test
    void theProxyEnginesCountersLandInTheirOwnFields() {
        var counters = new ForwardCounters.Snapshot(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23);
        StatusSnapshot s = NodeStatus.of("lb1", Duration.ofSeconds(1), List.of(), List.of(), counters, Optional.empty());
        assertThat(s.proxy()).hasValue(new StatusSnapshot.Proxy(11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23));
        assertThat(s.sync()).isEmpty();
    }

    @Test
    void theSyncsFiguresLandInTheirOwnFields() throws Exception {
        Instant t0 = Instant.parse("2026-12-02T10:00:00Z");
        var settings = new SyncSettings("eth1", Optional.of("VI_1"), 3780, InetAddress.getByName("225.0.0.50"),
                Optional.of(InetAddress.getByName("10.0.0.2")), Source.BUILT_IN);
        var link = new ConnectionSync.Link(t0.plusSeconds(5), new ConntrackdStats(1, 2, 3, 4, 5, 6, 7, 8, 9, 10),
                Optional.of(t0.plusSeconds(4)));
        var status = new ConnectionSync.Status(settings, true, Optional.of(4242L), 3, 2, Optional.of(t0), 5, 1,
                Optional.of(new ConnectionSync.LastCommit(t0, true, 1234, Duration.ofMillis(12))), 6, 7, true,
                Optional.of(link), Optional.of(new ConnectionSync.Hold(t0, Duration.ofMillis(300), 42, true)));
        StatusSnapshot.Sync y = NodeStatus.sync(status);
        assertThat(y).isEqualTo(new StatusSnapshot.Sync("eth1", "unicast", "10.0.0.2", Optional.of("VI_1"), true,
                Optional.of(4242L), 3, 2, Optional.of(t0), true, Optional.of(t0.plusSeconds(4)),
                Optional.of(new StatusSnapshot.SyncLink(t0.plusSeconds(5), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)), 5, 1,
                Optional.of(new StatusSnapshot.SyncCommit(t0, true, 1234, Duration.ofMillis(12))), 6, 7,
                Optional.of(new StatusSnapshot.SyncHold(t0, Duration.ofMillis(300), 42, true))));
    }
}
