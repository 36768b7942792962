package dev.vigil.daemon;

import dev.vigil.health.HealthState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReportedStateTest {
    @Test
    void everyVrrpStateIsReportedUnderItsOwnName() {
        // Notify scripts, the status JSON and metrics labels all say keepalived's word for the same state.
        for (dev.vigil.vrrp.VrrpState s : dev.vigil.vrrp.VrrpState.values()) {
            assertThat(ReportedState.of(s).name()).as("%s", s).isEqualTo(s.name());
        }
    }

    @Test
    void everyHealthStateIsReportedUnderItsOwnName() {
        for (HealthState s : HealthState.values()) {
            assertThat(ReportedState.of(s).name()).as("%s", s).isEqualTo(s.name());
        }
    }
}
