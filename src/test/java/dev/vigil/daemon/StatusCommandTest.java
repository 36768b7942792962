package dev.vigil.daemon;

import dev.vigil.config.ForwardingMethod;
import dev.vigil.report.AdminActions;
import dev.vigil.report.AdminServer;
import dev.vigil.report.ConnectionEntry;
import dev.vigil.report.RealServerState;
import dev.vigil.report.ServerAddress;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VigilMetrics;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class StatusCommandTest {

    private AdminServer server;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** The one status this test's live admin server reports. */
    private static StatusSnapshot snapshot() {
        var rs1 = new StatusSnapshot.RealServer("10.0.0.11", 443, ForwardingMethod.NAT, 2, 2, true, RealServerState.UP,
                Optional.empty(), List.of(), 12, 3, 400, 1000, 9000);
        var rs2 = new StatusSnapshot.RealServer("10.0.0.12", 443, ForwardingMethod.NAT, 1, 0, false,
                RealServerState.DOWN, Optional.of("TCP connect timed out after 3s"), List.of(), 0, 1, 200, 10, 10);
        var vs = new StatusSnapshot.VirtualServer("10.0.0.1", 443, "TCP", "wlc", 12, 4, 600, 1010, 9010, true,
                List.of(rs1, rs2), "kernel", "lvs_sync_daemon");
        var vi = new StatusSnapshot.VrrpInstance("VI_1", VrrpState.BACKUP, 100, 90, List.of("10.0.0.1/24"),
                Optional.<Instant>empty());
        return new StatusSnapshot(new StatusSnapshot.Node("lb2", "0.1.0", Duration.ofSeconds(42)), List.of(vi), List.of(vs),
                Optional.of(new StatusSnapshot.Proxy(600, 16, 3, 5, 4, 2, 7, 0, 1, 0, 0, 0, 0)));
    }

    private static final AdminActions NO_ACTIONS = new AdminActions() {
        @Override
        public boolean ready() {
            return true;
        }

        @Override
        public List<ConnectionEntry> connections() {
            return List.of(new ConnectionEntry("TCP", "198.51.100.7:50123", "10.0.0.1:443", Optional.of("10.0.0.11:443"),
                            "ESTABLISHED", Duration.ofSeconds(3725)),
                    new ConnectionEntry("TCP", "[2001:db8::7]:50124", "[2001:db8::1]:443", Optional.empty(),
                            "CONNECTING", Duration.ZERO));
        }

        @Override
        public boolean drain(Optional<ServerAddress> vs, ServerAddress rs) {
            return false;
        }

        @Override
        public boolean enable(Optional<ServerAddress> vs, ServerAddress rs) {
            return false;
        }

        @Override
        public ReloadResult reload() {
            return new ReloadResult(false, "not here", List.of());
        }
    };

    @BeforeEach
    void start() throws Exception {
        server = AdminServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), Optional.empty(),
                StatusCommandTest::snapshot, NO_ACTIONS, new VigilMetrics(StatusCommandTest::snapshot));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private int run(String... args) {
        var cli = Main.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void printsTheIpvsadmStyleTableAndVrrpStates() {
        int code = run("status", "--admin", "127.0.0.1:" + server.address().getPort());
        assertThat(err.toString()).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString())
                .contains("TCP  10.0.0.1:443 wlc  [kernel engine: lvs_sync_daemon]\n")
                .contains("  -> 10.0.0.11:443                Masq    2      12         3          UP\n")
                .contains("  -> 10.0.0.12:443                Masq    0      0          1          DOWN        TCP connect timed out after 3s\n")
                .contains("\nproxy: 600 accepted, 16 open, 5 connect failures (4 retried), 3 refused for lack of a real "
                        + "server, 2 resets passed, 7 idle timeouts, 1 accept failure\n")
                .containsPattern("VI_1 +BACKUP +90/100 +10.0.0.1/24 +-\n");
    }

    @Test
    void connectionsAreListedAsIpvsadmListsThem() {
        int code = run("status", "-c", "--admin", "127.0.0.1:" + server.address().getPort());
        assertThat(err.toString()).isEmpty();
        assertThat(code).isZero();
        assertThat(out.toString()).isEqualTo("""
                pro  idle     state        source                       virtual                      destination
                TCP  01:02:05 ESTABLISHED  198.51.100.7:50123           10.0.0.1:443                 10.0.0.11:443
                TCP  00:00:00 CONNECTING   [2001:db8::7]:50124          [2001:db8::1]:443            -
                """);
        out.getBuffer().setLength(0);
        assertThat(run("status", "--connections", "--json", "--admin", "127.0.0.1:" + server.address().getPort()))
                .isZero();
        assertThat(out.toString()).contains("\"real_server\" : \"10.0.0.11:443\"").contains("\"real_server\" : null")
                .contains("\"idle_millis\" : 3725000");
    }

    @Test
    void jsonPrintsTheRawDocumentForScripts() {
        assertThat(run("status", "--json", "--admin", "127.0.0.1:" + server.address().getPort())).isZero();
        assertThat(out.toString()).startsWith("{").contains("\"router_id\" : \"lb2\"")
                .contains("\"reason\" : \"TCP connect timed out after 3s\"");
    }

    @Test
    void unreachableEndpointIsOneClearLineAndExitCodeOne() throws Exception {
        try (HeldPort refusing = HeldPort.refusing()) {
            assertThat(run("status", "--admin", "127.0.0.1:" + refusing.port())).isEqualTo(1);
            assertThat(out.toString()).isEmpty();
            assertThat(err.toString().strip())
                    .startsWith("vigil status: cannot reach the admin endpoint at http://127.0.0.1:" + refusing.port())
                    .contains("--admin HOST:PORT").doesNotContain("Exception").hasLineCount(1);
        }
        assertThat(run("status", "--admin", "nonsense")).isEqualTo(2);
    }
}
