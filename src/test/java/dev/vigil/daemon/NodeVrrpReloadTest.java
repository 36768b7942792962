package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.report.AdminActions.ReloadResult;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;
import org.junit.jupiter.api.AfterEach;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static dev.vigil.daemon.NodeTest.shortConnection;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reloads of a whole node whose VRRP runs on a {@link LoneVrrpNetwork} (v3, 100 ms adverts: master after
 * about 0.36 s): what a VRRP edit does to the running instances, and that a reload which cannot start VRRP
 * leaves everything as it was.
 */
@ComponentTest
class NodeVrrpReloadTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final LoneVrrpNetwork network = new LoneVrrpNetwork();

    /** The virtual server's port, held until the test ends: the node's listener binds it beside the hold. */
    private int heldPort() throws java.io.IOException {
        HeldPort port = HeldPort.forServer();
        closeLater.add(port);
        return port.port();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    static String instance(String name, String iface, int vrid, int priority, String vip) {
        return "vrrp_instance " + name + " {\n    interface " + iface + "\n    virtual_router_id " + vrid
                + "\n    version 3\n    advert_int 0.1\n    priority " + priority
                + "\n    virtual_ipaddress {\n        " + vip + "\n    }\n}\n";
    }

    static String virtualServer(int vipPort, int realPort) {
        return "virtual_server 127.0.0.1 " + vipPort + " {\n    protocol TCP\n    real_server 127.0.0.1 " + realPort
                + " {\n    }\n}\n";
    }

    private Node start(Path file, Node.VrrpNetworks networks) throws Exception {
        NodeConfig config = ConfigParser.parse(file, ParseOptions.defaults()).config().orElseThrow();
        Node node = Node.start(file, ParseOptions.defaults(), config, Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                networks);
        closeLater.add(node);
        return node;
    }

    private NamedEchoServer server(String name) throws IOException {
        NamedEchoServer s = new NamedEchoServer(name);
        closeLater.add(s);
        return s;
    }

    private static StatusSnapshot.VrrpInstance vrrp(Node node, String name) {
        return node.status().vrrp().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    /** The review's case: priority 100 -> 101 on a master took its VIP away for a master down interval. */
    @Test
    void aPriorityEditKeepsTheMasterAndItsVip() throws Exception {
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, instance("VI_1", "eth0", 51, 100, "192.0.2.10"));
        Node node = start(file, () -> network);
        await(() -> vrrp(node, "VI_1").state() == VrrpState.MASTER, "VI_1 master");
        var masterSince = vrrp(node, "VI_1").masterSince();
        network.changes.clear();

        Files.writeString(file, instance("VI_1", "eth0", 51, 101, "192.0.2.10"));
        ReloadResult result = node.reload();
        Thread.sleep(1_000); // a restarted instance would be master again after about 0.36 s

        assertThat(result.applied()).as(result.message()).isTrue();
        assertThat(network.changes).as("VIPs added or removed after the reload").isEmpty();
        assertThat(vrrp(node, "VI_1").state()).isEqualTo(VrrpState.MASTER);
        assertThat(vrrp(node, "VI_1").masterSince()).isEqualTo(masterSince);
        assertThat(vrrp(node, "VI_1").priority()).isEqualTo(101);
        assertThat(result.message()).isEqualTo("VI_1: priority 100 -> 101, kept MASTER");
    }

    /** The review's case: the new configuration was recorded before VRRP started, so a retry was "nothing changed". */
    @Test
    void aReloadWhoseVrrpCannotStartChangesNothingAndIsTriedAgain() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, instance("VI_1", "eth0", 51, 100, "192.0.2.10") + virtualServer(vip, a.port()));
        Node node = start(file, () -> network);
        await(() -> vrrp(node, "VI_1").state() == VrrpState.MASTER, "VI_1 master");
        network.changes.clear();
        network.missing.add("nosuch0");
        String broken = instance("VI_1", "eth0", 51, 100, "192.0.2.10") + instance("VI_2", "nosuch0", 52, 100, "192.0.2.20")
                + virtualServer(vip, b.port());
        Files.writeString(file, broken);

        for (int attempt = 1; attempt <= 2; attempt++) {
            ReloadResult result = node.reload();
            assertThat(result.applied()).as("attempt %d: %s", attempt, result.message()).isFalse();
            assertThat(shortConnection(vip)).as("attempt %d: the virtual server's old real server", attempt).isEqualTo("a");
            assertThat(node.status().vrrp()).extracting(StatusSnapshot.VrrpInstance::name).containsExactly("VI_1");
            assertThat(vrrp(node, "VI_1").state()).isEqualTo(VrrpState.MASTER);
            assertThat(result.message()).as("attempt %d", attempt).contains("VRRP cannot start").contains("nosuch0")
                    .contains("still running the previous configuration");
        }
        assertThat(network.changes).as("VIPs added or removed by the refused reloads").isEmpty();

        network.missing.clear();
        ReloadResult fixed = node.reload();
        assertThat(fixed.applied()).as(fixed.message()).isTrue();
        assertThat(fixed.message()).contains("changed virtual server 127.0.0.1:" + vip).contains("VI_2: added");
        assertThat(shortConnection(vip)).isEqualTo("b");
        await(() -> vrrp(node, "VI_2").state() == VrrpState.MASTER, "VI_2 master");
        assertThat(vrrp(node, "VI_1").state()).isEqualTo(VrrpState.MASTER);
        assertThat(network.changes).containsExactly("add 192.0.2.20");
    }

    /** The same on the host's own network, where VRRP starts for the first time at the reload. */
    @Test
    void aFirstVrrpBlockThatCannotStartOnTheHostLeavesTheVirtualServersAsTheyWere() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, virtualServer(vip, a.port()));
        Node node = start(file, Node.VrrpNetworks.HOST);
        Files.writeString(file, instance("VI_1", "nosuch0", 51, 100, "192.0.2.10") + virtualServer(vip, b.port()));

        for (int attempt = 1; attempt <= 2; attempt++) {
            ReloadResult result = node.reload();
            assertThat(result.applied()).as("attempt %d: %s", attempt, result.message()).isFalse();
            assertThat(result.message()).as("attempt %d", attempt).startsWith("VRRP cannot start");
            assertThat(shortConnection(vip)).as("attempt %d", attempt).isEqualTo("a");
            assertThat(node.status().vrrp()).isEmpty();
        }
    }
}
