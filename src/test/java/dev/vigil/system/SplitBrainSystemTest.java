package dev.vigil.system;

import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Split brain between two {@code vigil run} nodes, made by cutting the link between two switches: node 1
 * (priority 150) alone on one switch, node 2 (priority 100) and the client on the other. Neither node
 * loses its carrier, so neither goes to FAULT: node 2 becomes a second master and its gratuitous ARPs
 * point the client at itself. When the link comes back the split must heal within two advert intervals,
 * the VIP must end on node 1 alone, and node 1's gratuitous ARPs must point the client's neighbour entry
 * back at node 1 without the client sending anything (otherwise the client talks to node 2's MAC until
 * the entry expires, up to a minute).
 * <pre>
 *   br1: node 1 ──┐                 ┌── br0: node 2, client
 *                 └── isl1 ═ isl0 ──┘      (a veth pair in the bridge namespace; isl0 is cut)
 * </pre>
 */
@RequiresRoot(commands = {"ip", "bash", "timeout"})
@RequiresVigilRun
class SplitBrainSystemTest {

    static final String VIP = "10.199.0.50";
    static final Duration ADVERT_INT = Duration.ofSeconds(1);
    /** The backup's master-down interval (v2, priority 100): 3 s + 156/256 s. */
    static final Duration BACKUP_MDI = Duration.ofMillis(3609);

    static String config(String routerId, int priority) {
        return """
                global_defs {
                    router_id %s
                }
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int %d
                    virtual_ipaddress {
                        %s/24
                    }
                }
                """.formatted(routerId, priority, ADVERT_INT.toSeconds(), VIP);
    }

    @Test
    void aCutLinkBetweenTheNodesHealsToOneMasterAndTheClientFollowsIt() throws Exception {
        FigureLog figures = new FigureLog(Path.of("target", "system", "faults-split-brain.txt"));
        Path dir = Files.createDirectories(Path.of("target", "system", "faults", "split-brain").toAbsolutePath());
        try (NetnsBed bed = NetnsBed.create("fxs", 2, true)) {
            secondSwitchFor(bed, 1);
            Files.writeString(dir.resolve("lb1.conf"), config("lb1", 150));
            Files.writeString(dir.resolve("lb2.conf"), config("lb2", 100));
            try (var lb1 = new VigilNodeProcess(bed, "lb1", bed.node(1), dir.resolve("lb1.conf"),
                         new InetSocketAddress("10.199.0.1", 9180), dir.resolve("lb1.log"));
                 var lb2 = new VigilNodeProcess(bed, "lb2", bed.node(2), dir.resolve("lb2.conf"),
                         new InetSocketAddress("10.199.0.2", 9180), dir.resolve("lb2.log"))) {
                lb1.start();
                lb2.start();
                lb1.awaitReady(Duration.ofSeconds(60));
                lb2.awaitReady(Duration.ofSeconds(60));
                await(() -> holdsVip(bed, 1) && state(lb2).equals(Optional.of(VrrpState.BACKUP)), Duration.ofSeconds(20),
                        "lb1 master with the VIP, lb2 backup");
                String mac1 = mac(bed, 1);
                String mac2 = mac(bed, 2);
                assertThat(answers(bed)).as("the client reaches the VIP").isTrue();
                assertThat(neighbour(bed)).as("client's entry for the VIP").contains(mac1);
                Instant masterSince = lb1.vrrp().flatMap(StatusSnapshot.VrrpInstance::masterSince).orElseThrow();

                // the cut: each node keeps its carrier and hears nothing from the other
                long cut = System.nanoTime();
                NetnsBed.mustRun("ip", "-n", bed.bridge(), "link", "set", "isl0", "down");
                Duration second = await(() -> holdsVip(bed, 2), BACKUP_MDI.plusSeconds(5), "lb2 to become a second master");
                figures.record("link cut: lb2 holds the VIP too after (MDI 3.609 s)", second);
                await(() -> neighbour(bed).contains(mac2), Duration.ofSeconds(3), "the client to follow lb2's ARPs");
                assertThat(holdsVip(bed, 1)).as("lb1 keeps the VIP on its own switch").isTrue();
                assertThat(state(lb1)).contains(VrrpState.MASTER);
                assertThat(state(lb2)).contains(VrrpState.MASTER);
                Thread.sleep(1500); // a split brain of a few adverts, not just one

                // the restore
                NetnsBed.mustRun("ip", "-n", bed.bridge(), "link", "set", "isl0", "up");
                long restored = System.nanoTime();
                await(() -> !holdsVip(bed, 2) && holdsVip(bed, 1), ADVERT_INT.multipliedBy(5), "the VIP on lb1 alone");
                long healed = System.nanoTime();
                Duration single = Duration.ofNanos(healed - restored);
                await(() -> neighbour(bed).contains(mac1), ADVERT_INT.multipliedBy(5), "the client's entry to point at lb1 again");
                Duration cacheAfterRestore = Duration.ofNanos(System.nanoTime() - restored);
                figures.record("link restored: VIP on lb1 alone after (bound 2 adverts = 2 s)", single);
                figures.record("link restored: client's neighbour entry back on lb1's MAC after", cacheAfterRestore);
                figures.record("split brain lasted (cut to single master)", Duration.ofNanos(healed - cut));
                assertThat(single).isLessThanOrEqualTo(ADVERT_INT.multipliedBy(2));
                assertThat(cacheAfterRestore).isLessThanOrEqualTo(ADVERT_INT.multipliedBy(2));

                // and it stays healed: one holder, one master, and the client gets answers from lb1
                long settled = System.nanoTime();
                while (System.nanoTime() - settled < ADVERT_INT.multipliedBy(3).toNanos()) {
                    assertThat(holdsVip(bed, 2)).as("lb2 must not take the VIP back").isFalse();
                    assertThat(holdsVip(bed, 1)).as("lb1 must keep the VIP").isTrue();
                    Thread.sleep(50);
                }
                assertThat(state(lb1)).contains(VrrpState.MASTER);
                assertThat(state(lb2)).contains(VrrpState.BACKUP);
                assertThat(lb1.vrrp().flatMap(StatusSnapshot.VrrpInstance::masterSince))
                        .as("lb1 stayed master through the split").contains(masterSince);
                assertThat(neighbour(bed)).contains(mac1);
                assertThat(answers(bed)).as("the client reaches the VIP on lb1").isTrue();
            }
        }
    }

    /** Moves node {@code n}'s port to a second bridge, joined to br0 by the veth pair isl0 (on br0) / isl1. */
    static void secondSwitchFor(NetnsBed bed, int n) throws IOException {
        String b = bed.bridge();
        NetnsBed.mustRun("ip", "-n", b, "link", "add", "br1", "type", "bridge", "mcast_snooping", "0");
        NetnsBed.mustRun("ip", "-n", b, "link", "set", "br1", "up");
        NetnsBed.mustRun("ip", "-n", b, "link", "set", "vq" + n, "master", "br1");
        NetnsBed.mustRun("ip", "-n", b, "link", "add", "isl0", "type", "veth", "peer", "name", "isl1");
        NetnsBed.mustRun("ip", "-n", b, "link", "set", "isl0", "master", "br0", "up");
        NetnsBed.mustRun("ip", "-n", b, "link", "set", "isl1", "master", "br1", "up");
    }

    static boolean holdsVip(NetnsBed bed, int node) {
        try {
            return NetnsBed.mustRun("ip", "-n", bed.node(node), "-4", "-o", "addr", "show", "dev", NetnsBed.INTERFACE)
                    .contains(" " + VIP + "/");
        } catch (IOException e) {
            return false;
        }
    }

    static Optional<VrrpState> state(VigilNodeProcess node) {
        return node.vrrp().map(StatusSnapshot.VrrpInstance::state);
    }

    static String mac(NetnsBed bed, int node) throws IOException {
        return bed.exec(bed.node(node), "cat", "/sys/class/net/" + NetnsBed.INTERFACE + "/address").strip();
    }

    /** The client's neighbour entry for the VIP, as {@code ip neigh} prints it ("" if none). */
    static String neighbour(NetnsBed bed) {
        try {
            return NetnsBed.mustRun("ip", "-n", bed.client(), "neigh", "show", VIP);
        } catch (IOException e) {
            return "";
        }
    }

    /** A TCP connect from the client to a closed port of the VIP: "refused" means a node holding it answered. */
    static boolean answers(NetnsBed bed) throws IOException {
        return bed.run(bed.client(), "timeout", "3", "bash", "-c", "exec 3<>/dev/tcp/" + VIP + "/9").stderr().contains("refused");
    }

    static Duration await(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - start > timeout.toNanos()) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(10);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }
}
