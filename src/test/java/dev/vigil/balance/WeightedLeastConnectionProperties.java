package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.util.ArrayList;
import java.util.List;

import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

/**
 * wlc's law: whatever the history of opens, closes and connection lengths, every new connection goes
 * to a server with the least overhead per weight, so active/weight stays balanced.
 */
class WeightedLeastConnectionProperties {

    private static final Gen<List<Integer>> WEIGHTS = lists().of(integers().between(1, 20)).ofSizeBetween(2, 6);
    /** A step of 0 or more opens a connection from that client; a negative one ends an open connection, if any. */
    private static final Gen<List<Integer>> STEPS = lists().of(integers().between(-1000, 1000)).ofSizeBetween(0, 300);

    @Test
    void everyPickHasTheLeastOverheadPerWeight() {
        qt().withExamples(200).forAll(WEIGHTS, STEPS)
                .checkAssert(WeightedLeastConnectionProperties::everyPickHasTheLeastOverheadPerWeight);
    }

    private static void everyPickHasTheLeastOverheadPerWeight(List<Integer> weights, List<Integer> steps) {
        var builder = virtualServer("192.0.2.1", 80, Scheduler.WLC);
        for (int i = 0; i < weights.size(); i++) builder.real("10.0.0." + (i + 1), 80, weights.get(i));
        VirtualService vs = new VirtualService(builder.build());
        List<ConnectionAccount> open = new ArrayList<>();
        for (int step : steps) {
            if (step >= 0 || open.isEmpty()) {
                List<RealServerSnapshot> before = vs.snapshot().realServers();
                ConnectionAccount a = vs.pick(SchedulerTest.client(step & 0xffff), 1, 0).orElseThrow();
                RealServerSnapshot chosen = VirtualServiceTest.server(vs, a.address());
                long chosenOverhead = overhead(before, chosen);
                for (RealServerSnapshot other : before) {
                    // chosen/wc <= other/wo, cross-multiplied
                    assertThat(chosenOverhead * other.effectiveWeight())
                            .isLessThanOrEqualTo(overhead(other) * chosen.effectiveWeight());
                }
                if (step % 3 != 0) a.established(); // some stay half-open: the 256:1 rule matters
                open.add(a);
            } else {
                ConnectionAccount a = open.remove(Math.floorMod(step, open.size()));
                if (step % 2 == 0) a.closing();
                a.closed(false, 0);
            }
        }
        open.forEach(a -> a.closed(false, 0));
        assertThat(vs.snapshot().activeConnections() + vs.snapshot().inactiveConnections()).isZero();
    }

    private static long overhead(List<RealServerSnapshot> before, RealServerSnapshot server) {
        return before.stream().filter(s -> s.address().equals(server.address()) && s.port() == server.port())
                .findFirst().map(WeightedLeastConnectionProperties::overhead).orElseThrow();
    }

    private static long overhead(RealServerSnapshot s) {
        return s.activeConnections() * 256 + s.inactiveConnections() + s.recentlyClosed();
    }
}
