package dev.vigil.report;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class TransitionFanoutTest {
    @Test
    void aThrowingListenerDoesNotStopTheOthers() {
        List<String> seen = new ArrayList<>();
        TransitionListener broken = new TransitionListener() {
            @Override
            public void vrrpTransition(VrrpTransition t) {
                throw new IllegalStateException("boom");
            }
        };
        TransitionListener recording = new TransitionListener() {
            @Override
            public void vrrpTransition(VrrpTransition t) {
                seen.add(t.name());
            }

            @Override
            public void realServerTransition(RealServerTransition t) {
                seen.add(t.realServerEndpoint());
            }
        };
        var fanout = new TransitionFanout(List.of(broken, recording));
        fanout.vrrpTransition(Fixtures.toMaster("VI_1"));
        fanout.realServerTransition(Fixtures.realServerDown("x"));
        assertThat(seen).containsExactly("VI_1", "10.0.0.11:443");
    }
}
