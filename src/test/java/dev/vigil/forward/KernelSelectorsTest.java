package dev.vigil.forward;

import dev.vigil.bpf.SelectorProgram;
import dev.vigil.config.Protocol;
import dev.vigil.config.Scheduler;
import dev.vigil.linux.ConntrackTable;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How conntrack's entries become the selector's counts: IPVS's active and inactive per real server. */
class KernelSelectorsTest {
    private static final InetSocketAddress VIP = new InetSocketAddress("10.199.0.50", 80);
    private static final InetSocketAddress A = new InetSocketAddress("10.198.0.2", 8080);
    private static final InetSocketAddress B = new InetSocketAddress("10.198.0.3", 8080);

    private static ConntrackTable.Entry tcp(String state, int port, InetSocketAddress to, InetSocketAddress real) {
        InetSocketAddress client = new InetSocketAddress("10.199.0.100", port);
        return new ConntrackTable.Entry("tcp", Optional.of(state), 100, client, to, real, client, true, false);
    }

    @Test
    void establishedIsActiveEveryOtherStateInactiveAndOnlyThisServicesVipsCount() {
        var layout = new KernelSelector.Layout(Protocol.TCP, false, List.of(VIP), List.of(A, B),
                List.of(KernelService.mark(0), KernelService.mark(1)), SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION);
        var counts = KernelSelectors.count(layout, List.of(
                tcp("ESTABLISHED", 1, VIP, A), tcp("ESTABLISHED", 2, VIP, A), tcp("TIME_WAIT", 3, VIP, A),
                tcp("SYN_SENT", 4, VIP, B), tcp("ESTABLISHED", 5, new InetSocketAddress("10.199.0.50", 81), B),
                new ConntrackTable.Entry("udp", Optional.empty(), 20, A, VIP, B, A, false, true)));
        assertThat(counts).containsEntry(A, new KernelSelector.Counts(2, 1))
                .containsEntry(B, new KernelSelector.Counts(0, 1)).hasSize(2);
    }

    @Test
    void theRuleOfEachCountedScheduler() {
        assertThat(KernelSelector.rule(Scheduler.WLC)).isEqualTo(SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION);
        assertThat(KernelSelector.rule(Scheduler.OVF)).isEqualTo(SelectorProgram.Rule.OVERFLOW);
        assertThat(KernelSelector.rule(Scheduler.LBLC)).isEqualTo(SelectorProgram.Rule.LOCALITY);
        assertThat(KernelSelector.rule(Scheduler.LBLCR)).isEqualTo(SelectorProgram.Rule.LOCALITY_REPLICATION);
        assertThatThrownBy(() -> KernelSelector.rule(Scheduler.RR)).isInstanceOf(IllegalArgumentException.class);
    }
}
