package dev.vigil.daemon;

import dev.vigil.forward.ForwardCounters;
import dev.vigil.report.StatusSnapshot;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class NodeStatusTest {

    @Test
    void theProxyEnginesCountersLandInTheirOwnFields() {
        var counters = new ForwardCounters.Snapshot(11, 12, 13, 14, 15, 16, 17, 18, 19);
        StatusSnapshot s = NodeStatus.of("lb1", Duration.ofSeconds(1), List.of(), List.of(), counters);
        assertThat(s.proxy()).hasValue(new StatusSnapshot.Proxy(11, 12, 13, 14, 15, 16, 17, 18, 19));
    }
}
