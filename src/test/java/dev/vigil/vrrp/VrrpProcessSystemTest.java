package dev.vigil.vrrp;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import static dev.vigil.vrrp.SystemTestNodes.VIP;
import static dev.vigil.vrrp.SystemTestNodes.await;
import static org.assertj.core.api.Assertions.assertThat;

/** Two Vigil nodes as separate JVMs ({@link VrrpTestNodeMain}): a real {@code kill -9} and a real SIGTERM. */
@RequiresRoot(commands = {"ip", "tshark"})
class VrrpProcessSystemTest {

    @Test
    void separateProcessesKill9AndSigterm() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vr", 2, true); var nodes = new SystemTestNodes(bed)) {
            var capture = nodes.new Capture("jvm");
            Process a = nodes.vigilProcess(1, 2, 150, 1000, VIP);
            Process b = nodes.vigilProcess(2, 2, 100, 1000, VIP);
            await(() -> nodes.holdsVip(1), 20, "node 1 (own JVM) to hold the VIP");
            await(() -> nodes.vigilLog(2).contains("STATE VI_1 BACKUP"), 10, "node 2 backup");
            Thread.sleep(1500);
            assertThat(nodes.holdsVip(2)).isFalse();

            long t0 = System.nanoTime();
            a.destroyForcibly(); // kill -9
            double waited = await(() -> nodes.holdsVip(2), 8, "node 2 to take over from the killed JVM");
            System.out.printf("separate JVMs, v2 advert_int 1: node 2 holds the VIP %.3f s after kill -9%n", waited);
            assertThat((System.nanoTime() - t0) / 1e9).isBetween(3.609 - 1.2, 3.609 + 1.0);

            b.destroy(); // SIGTERM: priority 0, VIPs removed, STOP
            assertThat(b.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            assertThat(nodes.holdsVip(2)).as("VIP removed on SIGTERM").isFalse();
            capture.close();
            var adverts = capture.adverts();
            assertThat(adverts.getLast()).as("last advert is node 2's priority 0").endsWith("10.199.0.2", "0");
            double takeover = capture.takeover("10.199.0.1", "10.199.0.2");
            System.out.printf("separate JVMs: takeover on the wire %.3f s (MDI 3.609 s)%n", takeover);
            assertThat(takeover).isBetween(3.609 - 0.2, 3.609 + 1.0);
            assertThat(capture.gate()).as("tshark gate").isEmpty();
        }
    }
}
