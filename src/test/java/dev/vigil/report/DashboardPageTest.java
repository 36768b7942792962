package dev.vigil.report;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard in headless Chromium: a real server goes down and comes back, on a desktop and a phone. */
@RequiresChromium
class DashboardPageTest {

    private static final String ROW = "document.querySelector('[data-real-server=\"10.0.0.1:443 10.0.0.12:443\"]')";

    @Test
    @SuppressWarnings("try") // the server is closed mid-test on purpose: the page must notice
    void showsARealServerGoDownWithItsReasonAndComeBack() throws Exception {
        AtomicReference<RealServerState> state = new AtomicReference<>(RealServerState.UP);
        AtomicLong polls = new AtomicLong();
        // Traffic grows with every poll so the page has byte deltas to turn into a rate.
        java.util.function.Supplier<StatusSnapshot> status = () -> {
            long n = polls.incrementAndGet();
            StatusSnapshot s = Fixtures.exchange(state.get(),
                    state.get() == RealServerState.UP ? null : "HTTP 503 from /ews/healthcheck.htm");
            var vs = s.virtualServers().getFirst();
            var grown = vs.realServers().stream().map(rs -> new StatusSnapshot.RealServer(rs.address(), rs.port(),
                    rs.forwarding(), rs.weight(), rs.effectiveWeight(), rs.healthy(), rs.state(), rs.reason(),
                    rs.services(), rs.activeConnections(), rs.inactiveConnections(), rs.totalConnections(),
                    rs.bytesIn() + n * 250_000, rs.bytesOut() + n * 2_500_000)).toList();
            return Fixtures.snapshot(s.vrrp(), java.util.List.of(Fixtures.virtualServer(vs.address(), vs.port(), grown)));
        };
        Path target = Path.of("target");
        try (AdminServer server = AdminServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0),
                Optional.empty(), status, new RecordingActions(), new VigilMetrics(status));
             ChromeDriver chrome = new ChromeDriver(1280, 900)) {
            chrome.navigate("http://127.0.0.1:" + server.address().getPort() + "/");

            waitFor(chrome, "the real server shown UP", "return " + ROW + "?.dataset.state === 'UP'");
            assertThat(chrome.execute("return document.querySelector('[data-vrrp=\"VI_1\"]').classList.contains('master')")
                    .asBoolean()).as("master highlighted").isTrue();
            waitFor(chrome, "a throughput figure", "return /\\/s$/.test(" + ROW + ".querySelector('[data-label=\"In\"]').textContent)");
            assertThat(chrome.execute("return document.getElementById('router-id').textContent").asText()).isEqualTo("lb1");

            state.set(RealServerState.DOWN);
            waitFor(chrome, "the real server shown DOWN", "return " + ROW + "?.dataset.state === 'DOWN'");
            JsonNode down = chrome.execute("const r = " + ROW + "; return {reason: r.querySelector('[data-role=reason]').textContent,"
                    + " ews: r.querySelector('[data-service=ews]').dataset.status}");
            assertThat(down.get("reason").asText()).isEqualTo("HTTP 503 from /ews/healthcheck.htm");
            assertThat(down.get("ews").asText()).isEqualTo("DOWN");
            chrome.screenshot(target.resolve("dashboard-down.png"));

            chrome.resize(390, 844);
            waitFor(chrome, "the phone layout to settle", "return window.innerWidth <= 400");
            assertThat(chrome.execute("return document.documentElement.scrollWidth <= window.innerWidth + 1").asBoolean())
                    .as("no sideways scrolling on a phone").isTrue();
            chrome.screenshot(target.resolve("dashboard-phone.png"));

            state.set(RealServerState.UP);
            waitFor(chrome, "the real server back UP", "return " + ROW + "?.dataset.state === 'UP'");
            assertThat(chrome.execute("return " + ROW + ".querySelector('[data-role=reason]').textContent").asText()).isEmpty();

            server.close();
            waitFor(chrome, "the lost-connection banner", "return document.body.dataset.connected === 'false'");
        }
        assertThat(Files.size(target.resolve("dashboard-down.png"))).isGreaterThan(5_000);
        assertThat(Files.size(target.resolve("dashboard-phone.png"))).isGreaterThan(5_000);
    }

    private static void waitFor(ChromeDriver chrome, String what, String script) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!chrome.execute(script).asBoolean(false)) {
            if (System.nanoTime() > end) {
                throw new AssertionError("the page did not show " + what + "; body: "
                        + chrome.execute("return document.body.innerText").asText());
            }
            Thread.sleep(100);
        }
    }
}
