package dev.vigil.vrrp;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.vigil.vrrp.SystemTestNodes.VIP;
import static dev.vigil.vrrp.SystemTestNodes.await;
import static dev.vigil.vrrp.VrrpTestModel.instance;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Vigil nodes (in this JVM, each bound to its own namespace) on a bridge with a client: election,
 * crash takeover, preemption, nopreempt, clean stop, split brain. Times are printed; bounds are generous.
 */
@RequiresRoot(commands = {"ip", "tshark"})
class VrrpVigilSystemTest {

    static VrrpTestModel.Instance v2(int priority) {
        return instance().priority(priority).vips(VIP).pass("vigil");
    }

    @Test
    void v2CrashPreemptCleanStopAndTheClientFollowsTheVip() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vr", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("v2");
            VrrpNode a = nodes.vigil(1, v2(150));
            VrrpNode b = nodes.vigil(2, v2(100));
            await(() -> nodes.holdsVip(1), 6, "node 1 to hold the VIP");
            Thread.sleep(1500);
            assertThat(nodes.holdsVip(2)).isFalse();
            assertThat(b.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(reachable(bed)).as("client reaches the VIP").isTrue();

            // kill -9 equivalent: node 1 stops dead, keeping its VIP; node 2 takes over after its MDI
            a.crash();
            double waited = await(() -> nodes.holdsVip(2), 8, "node 2 to take the VIP");
            System.out.printf("v2 advert_int 1: node 2 holds the VIP %.3f s after the crash%n", waited);
            // after the GARPs the client's ARP entry points at node 2 (node 1 still holds the address)
            String mac2 = bed.exec(bed.node(2), "cat", "/sys/class/net/eth0/address").strip();
            await(() -> neighbour(bed).contains(mac2), 3, "client ARP entry to move to node 2");
            assertThat(reachable(bed)).as("client reaches the VIP").isTrue();

            // node 1 restarts (its stale VIP is removed at start) and preempts
            VrrpNode a2 = nodes.vigil(1, v2(150));
            await(() -> a2.status("VI_1").orElseThrow().state() == VrrpState.MASTER, 8, "node 1 to preempt");
            await(() -> !nodes.holdsVip(2), 3, "node 2 to drop the VIP");
            assertThat(nodes.holdsVip(1)).isTrue();

            // a clean stop hands over within about node 2's skew (0.609 s)
            long t0 = System.nanoTime();
            a2.shutdown();
            assertThat(nodes.holdsVip(1)).isFalse();
            double handover = await(() -> nodes.holdsVip(2), 3, "node 2 after the priority 0 advert");
            System.out.printf("v2: clean stop handed over in %.3f s (skew 0.609 s)%n", handover);
            assertThat((System.nanoTime() - t0) / 1e9).isLessThan(1.8);
            b.shutdown();
            capture.close();

            double takeover = capture.takeover("10.199.0.1", "10.199.0.2");
            System.out.printf("v2 advert_int 1, backup prio 100: takeover (last advert of old master -> first of new) %.3f s, MDI 3.609 s%n", takeover);
            assertThat(takeover).isBetween(3.609 - 0.2, 3.609 + 1.0);
            assertThat(capture.vrrpPackets()).isGreaterThan(5);
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }

    @Test
    void v3FastAdvertsTakeOverInAboutAThirdOfASecond() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vr", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("v3");
            var fast = Duration.ofMillis(100);
            VrrpNode a = nodes.vigil(1, instance().version(3).advertInterval(fast).priority(150).vips(VIP));
            VrrpNode b = nodes.vigil(2, instance().version(3).advertInterval(fast).priority(100).vips(VIP));
            await(() -> nodes.holdsVip(1), 5, "node 1 to hold the VIP");
            Thread.sleep(500);
            a.crash();
            double waited = await(() -> nodes.holdsVip(2), 5, "node 2 to take the VIP");
            System.out.printf("v3 advert_int 0.1: node 2 holds the VIP %.3f s after the crash%n", waited);
            Thread.sleep(300);
            b.shutdown();
            capture.close();
            double takeover = capture.takeover("10.199.0.1", "10.199.0.2");
            System.out.printf("v3 advert_int 0.1, backup prio 100: takeover %.3f s, MDI 0.361 s%n", takeover);
            assertThat(takeover).isBetween(0.361 - 0.2, 0.361 + 1.0);
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }

    @Test
    void nopreemptKeepsTheRunningMaster() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vr", 2, false); var nodes = new SystemTestNodes(bed)) {
            var fast = Duration.ofMillis(100);
            VrrpNode b = nodes.vigil(2, instance().version(3).advertInterval(fast).priority(100).vips(VIP));
            await(() -> nodes.holdsVip(2), 5, "node 2 to hold the VIP");
            VrrpNode a = nodes.vigil(1, instance().version(3).advertInterval(fast).priority(150).vips(VIP).nopreempt());
            Thread.sleep(2000);
            assertThat(a.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(nodes.holdsVip(2)).isTrue();
            assertThat(nodes.holdsVip(1)).isFalse();
        }
    }

    @Test
    void splitBrainGivesTwoMastersAndHealsToOneWithinTwoIntervals() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vr", 2, false); var nodes = new SystemTestNodes(bed)) {
            VrrpNode a = nodes.vigil(1, v2(150));
            VrrpNode b = nodes.vigil(2, v2(100));
            await(() -> nodes.holdsVip(1), 6, "node 1 to hold the VIP");
            bed.cut(2);
            await(() -> nodes.holdsVip(2), 8, "node 2 to become master while cut off");
            assertThat(a.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.MASTER);
            bed.heal(2);
            double healed = await(() -> !nodes.holdsVip(2), 5, "one master after healing");
            System.out.printf("split brain healed in %.3f s (advert_int 1)%n", healed);
            assertThat(healed).isLessThan(2.5);
            assertThat(b.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(nodes.holdsVip(1)).isTrue();
        }
    }

    /** A TCP connect to a closed port: "refused" means the VIP answered (ARP resolved, RST came back). No ping needed. */
    private static boolean reachable(NetnsBed bed) throws java.io.IOException {
        var r = bed.run(bed.client(), "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + VIP + "/9");
        return r.stderr().contains("refused");
    }

    private static String neighbour(NetnsBed bed) {
        try {
            return bed.exec(bed.client(), "ip", "neigh", "show", VIP);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
