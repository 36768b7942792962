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
 * Vigil against Debian's keepalived as the peer on one bridge, both roles: the right node wins, takeover
 * works both ways, and tshark finds every VRRP packet well formed. Node 1 runs keepalived, node 2 Vigil.
 */
@RequiresRoot(commands = {"ip", "keepalived", "tshark"})
class KeepalivedInteropSystemTest {

    static String keepalivedV2(int priority, String password, String vip) {
        return """
                  state BACKUP
                  interface eth0
                  virtual_router_id 51
                  priority %d
                  advert_int 1
                  authentication {
                    auth_type PASS
                    auth_pass %s
                  }
                  virtual_ipaddress {
                    %s
                  }
                """.formatted(priority, password, vip);
    }

    static String keepalivedV3(int priority) {
        return """
                  state BACKUP
                  interface eth0
                  version 3
                  virtual_router_id 51
                  priority %d
                  advert_int 0.1
                  virtual_ipaddress {
                    %s
                  }
                """.formatted(priority, VIP);
    }

    static VrrpTestModel.Instance vigilV2(int priority) {
        return instance().priority(priority).pass("vigil").vips(VIP);
    }

    static VrrpTestModel.Instance vigilV3(int priority) {
        return instance().version(3).advertInterval(Duration.ofMillis(100)).priority(priority).vips(VIP);
    }

    @Test
    void v2WithPasswordKeepalivedMasterVigilBackupAndBack() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vk", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("ka-v2");
            Process ka = nodes.keepalived(1, keepalivedV2(200, "vigil", VIP));
            await(() -> nodes.holdsVip(1), 8, "keepalived (prio 200) to become master");
            VrrpNode vigil = nodes.vigil(2, vigilV2(100));
            Thread.sleep(4500); // longer than Vigil's master down interval
            assertThat(vigil.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(vigil.status("VI_1").orElseThrow().advertsReceived()).isGreaterThan(2);
            assertThat(nodes.holdsVip(2)).isFalse();

            bed.kill(ka); // kill -9: no priority 0, keepalived's VIP stays behind
            double t = await(() -> nodes.holdsVip(2), 8, "Vigil to take over from the killed keepalived");
            System.out.printf("interop v2: Vigil (prio 100) took over %.3f s after kill -9 of keepalived%n", t);

            nodes.dropVip(1);
            nodes.keepalived(1, keepalivedV2(200, "vigil", VIP));
            await(() -> nodes.holdsVip(1), 8, "keepalived to preempt Vigil");
            await(() -> !nodes.holdsVip(2), 3, "Vigil to drop the VIP");
            assertThat(vigil.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            vigil.shutdown();
            capture.close();
            double takeover = capture.takeover("10.199.0.1", "10.199.0.2");
            System.out.printf("interop v2: takeover on the wire %.3f s, MDI 3.609 s%n", takeover);
            assertThat(takeover).isBetween(3.609 - 0.2, 3.609 + 1.0);
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }

    @Test
    void v2WithPasswordVigilMasterKeepalivedBackupCleanStopHandsOver() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vk", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("ka-v2r");
            VrrpNode vigil = nodes.vigil(2, vigilV2(200));
            await(() -> nodes.holdsVip(2), 8, "Vigil (prio 200) to become master");
            nodes.keepalived(1, keepalivedV2(100, "vigil", VIP));
            await(() -> nodes.keepalivedLog(1).contains("Entering BACKUP STATE"), 8, "keepalived to enter BACKUP");
            Thread.sleep(4500);
            assertThat(nodes.holdsVip(1)).as("keepalived stays backup behind Vigil").isFalse();
            assertThat(nodes.keepalivedLog(1)).doesNotContain("Entering MASTER STATE");

            vigil.shutdown(); // priority 0 then VIPs removed
            double t = await(() -> nodes.holdsVip(1), 4, "keepalived to take over after Vigil's priority 0");
            System.out.printf("interop v2: keepalived (prio 100) took over %.3f s after Vigil's clean stop (skew 0.609 s)%n", t);
            assertThat(t).isLessThan(1.8);

            VrrpNode again = nodes.vigil(2, vigilV2(200));
            await(() -> again.status("VI_1").orElseThrow().state() == VrrpState.MASTER, 8, "Vigil to preempt keepalived");
            await(() -> !nodes.holdsVip(1), 4, "keepalived to drop the VIP");
            again.shutdown();
            capture.close();
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }

    @Test
    void v3BothWays() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vk", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("ka-v3");
            Process ka = nodes.keepalived(1, keepalivedV3(100));
            VrrpNode vigil = nodes.vigil(2, vigilV3(200));
            await(() -> nodes.holdsVip(2), 5, "Vigil (prio 200) to become master");
            await(() -> nodes.keepalivedLog(1).contains("Entering BACKUP STATE"), 5, "keepalived backup");
            Thread.sleep(1000);
            assertThat(nodes.holdsVip(1)).isFalse();

            vigil.crash(); // silent: keepalived takes over after its master down interval (0.361 s)
            double t = await(() -> nodes.holdsVip(1), 5, "keepalived to take over");
            System.out.printf("interop v3: keepalived took over %.3f s after Vigil stopped dead%n", t);

            nodes.bed.run(bed.node(2), "ip", "addr", "del", VIP + "/32", "dev", "eth0");
            VrrpNode again = nodes.vigil(2, vigilV3(200));
            await(() -> again.status("VI_1").orElseThrow().state() == VrrpState.MASTER, 5, "Vigil to preempt");
            await(() -> !nodes.holdsVip(1), 3, "keepalived to drop the VIP");

            // now keepalived is the master: Vigil drops to 50 through a reconfiguration (new node), keepalived preempts
            again.shutdown();
            await(() -> nodes.holdsVip(1), 3, "keepalived after Vigil's priority 0");
            VrrpNode low = nodes.vigil(2, vigilV3(50));
            Thread.sleep(1500);
            assertThat(low.status("VI_1").orElseThrow().state()).isEqualTo(VrrpState.BACKUP);
            assertThat(low.status("VI_1").orElseThrow().advertsReceived()).isGreaterThan(5);
            bed.kill(ka);
            double t2 = await(() -> nodes.holdsVip(2), 5, "Vigil to take over from killed keepalived");
            System.out.printf("interop v3: Vigil (prio 50) took over %.3f s after kill -9 of keepalived%n", t2);
            low.shutdown();
            capture.close();
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }

    @Test
    void wrongPasswordAndDifferentVipsAreDroppedAndCounted() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vk", 2, false); var nodes = new SystemTestNodes(bed)) {
            nodes.keepalived(1, keepalivedV2(200, "other", VIP));
            VrrpNode vigil = nodes.vigil(2, vigilV2(100));
            await(() -> nodes.holdsVip(1), 8, "keepalived master");
            await(() -> nodes.holdsVip(2), 8, "Vigil master too: it drops keepalived's adverts");
            var status = vigil.status("VI_1").orElseThrow();
            assertThat(status.drops().get(DropReason.AUTH_MISMATCH)).isGreaterThan(0);
            assertThat(status.advertsReceived()).isZero();
            await(() -> nodes.keepalivedLog(1).contains("invalid passwd"), 5, "keepalived to reject Vigil's password");
        }
        try (NetnsBed bed = NetnsBed.create("vk", 2, false); var nodes = new SystemTestNodes(bed)) {
            nodes.keepalived(1, keepalivedV2(200, "vigil", VIP + "\n    10.199.0.51"));
            VrrpNode vigil = nodes.vigil(2, vigilV2(100));
            await(() -> nodes.holdsVip(2), 8, "Vigil master: the VIP sets differ");
            assertThat(vigil.status("VI_1").orElseThrow().drops().get(DropReason.VIP_MISMATCH)).isGreaterThan(0);
        }
    }
}
