package dev.vigil.vrrp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TrackedPriorityTest {

    @ParameterizedTest(name = "prio {0}, weight {1} reverse {2} up {3} -> {4} fault {5}")
    @CsvSource({
            "100,  10, false, true,  110, false",  // positive weight added while OK
            "100,  10, false, false, 100, false",
            "100, -10, false, false,  90, false",  // negative weight subtracted while failing
            "100, -10, false, true,  100, false",
            "100,  10, true,  true,   90, false",  // reverse flips the direction
            "100, -10, true,  false, 110, false",
            "100,   0, false, false, 100, true",   // weight 0: failure is FAULT
            "100,   0, false, true,  100, false",
            "100,   0, true,  true,  100, true",   // weight 0 reverse: FAULT while the script is up
            "250,  10, false, true,  254, false",  // clamped to 254
            "5,   -10, false, false,   1, false",  // clamped to 1
            "255, -50, false, false, 255, false",  // an owner is never adjusted
    })
    void keepalivedWeights(int prio, int weight, boolean reverse, boolean up, int expected, boolean fault) {
        var r = TrackedPriority.compute(prio, List.of(new TrackedPriority.Track("chk", weight, reverse, up)));
        assertThat(r).isEqualTo(new TrackedPriority.Result(expected, fault));
    }

    @Test
    void weightsAddUp() {
        var r = TrackedPriority.compute(100, List.of(
                new TrackedPriority.Track("a", 20, false, true),
                new TrackedPriority.Track("b", -30, false, false),
                new TrackedPriority.Track("eth1", 0, false, true)));
        assertThat(r).isEqualTo(new TrackedPriority.Result(90, false));
    }

    @Test
    void scriptStatusNeedsRiseSuccessesAndFallFailures() {
        var s = new VrrpScriptStatus(2, 3, false);
        assertThat(s.ok()).isTrue();
        assertThat(s.record(false)).isFalse();
        assertThat(s.record(false)).isFalse();
        assertThat(s.record(true)).isFalse();   // a success breaks the failure streak
        assertThat(s.record(false)).isFalse();
        assertThat(s.record(false)).isFalse();
        assertThat(s.record(false)).isTrue();
        assertThat(s.ok()).isFalse();
        assertThat(s.record(true)).isFalse();
        assertThat(s.record(true)).isTrue();
        assertThat(s.ok()).isTrue();
    }

    @Test
    void initFailStartsFailed() {
        var s = new VrrpScriptStatus(1, 1, true);
        assertThat(s.ok()).isFalse();
        assertThat(s.record(true)).isTrue();
    }
}
