package dev.vigil.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.ComponentTest;
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

/**
 * The dashboard in headless Chromium: a real server goes down and comes back, on a desktop and a phone, and
 * the proxy engine's counters are shown, flagged when clients were refused, and hidden when absent.
 */
@RequiresChromium
@ComponentTest
class DashboardPageTest {

    private static final String PROXY = "document.getElementById('proxy')";
    /** Few failures, none of them a problem: a singular in every count that has one. */
    private static final StatusSnapshot.Proxy QUIET_PROXY = new StatusSnapshot.Proxy(1000, 3, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0);
    private static final String ROW = "document.querySelector('[data-real-server=\"10.0.0.1:443 10.0.0.12:443\"]')";

    @Test
    @SuppressWarnings("try") // the server is closed mid-test on purpose: the page must notice
    void showsARealServerGoDownWithItsReasonAndComeBack() throws Exception {
        AtomicReference<RealServerState> state = new AtomicReference<>(RealServerState.UP);
        AtomicReference<Optional<StatusSnapshot.Proxy>> proxy = new AtomicReference<>(Optional.of(Fixtures.PROXY));
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
            StatusSnapshot grownStatus = Fixtures.snapshot(s.vrrp(),
                    java.util.List.of(Fixtures.virtualServer(vs.address(), vs.port(), grown)));
            return new StatusSnapshot(grownStatus.node(), grownStatus.vrrp(), grownStatus.virtualServers(), proxy.get());
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

            // Fixtures.PROXY: accepted 1234, open 5, no real server 2, connect failures 7, retries 6, resets 3,
            // idle timeouts 4, bind failures 8, accept failures 9, over proxy_maxconn 10, over the per-source
            // limit 11, half-close timeouts 12. Grouping follows the browser's locale.
            String thousands = chrome.execute("return (1234).toLocaleString()").asText();
            assertThat(proxyLine(chrome)).isEqualTo("Proxy: " + thousands + " accepted \u00b7 5 open \u00b7 7 connect failures"
                    + " (6 retried) \u00b7 2 refused (no real server) \u00b7 3 resets passed \u00b7 4 idle timeouts"
                    + " \u00b7 8 bind failures \u00b7 9 accept failures \u00b7 10 refused (proxy_maxconn)"
                    + " \u00b7 11 refused (per source) \u00b7 12 half-close timeouts");
            assertThat(chrome.execute("return " + PROXY + ".classList.contains('problem')").asBoolean())
                    .as("refused clients and bind/accept failures flag the proxy line").isTrue();
            assertThat(chrome.execute("return [..." + PROXY + ".querySelectorAll('.item.problem')]"
                    + ".map(e => e.dataset.counter).join(' ')").asText())
                    .isEqualTo("no_real_server bind_failures accept_failures refused_maxconn refused_per_source");

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
            assertThat(chrome.execute("const r = " + PROXY + ".getBoundingClientRect();"
                    + " return r.right <= window.innerWidth + 1 && r.height > 0").asBoolean())
                    .as("the proxy line wraps within a phone's width").isTrue();
            chrome.screenshot(target.resolve("dashboard-phone.png"));

            state.set(RealServerState.UP);
            waitFor(chrome, "the real server back UP", "return " + ROW + "?.dataset.state === 'UP'");
            assertThat(chrome.execute("return " + ROW + ".querySelector('[data-role=reason]').textContent").asText()).isEmpty();

            proxy.set(Optional.of(QUIET_PROXY));
            waitFor(chrome, "the quiet proxy counters", "return " + PROXY + ".textContent.includes('3 open')");
            assertThat(proxyLine(chrome)).isEqualTo("Proxy: " + chrome.execute("return (1000).toLocaleString()").asText()
                    + " accepted \u00b7 3 open \u00b7 1 connect failure (1 retried) \u00b7 0 refused (no real server)"
                    + " \u00b7 1 reset passed \u00b7 0 idle timeouts");
            assertThat(chrome.execute("return " + PROXY + ".classList.contains('problem')"
                    + " || " + PROXY + ".querySelector('.problem') !== null").asBoolean())
                    .as("nothing flagged without refusals or bind/accept failures").isFalse();

            proxy.set(Optional.empty());
            waitFor(chrome, "the proxy line hidden for a daemon without proxy counters", "return " + PROXY + ".hidden");
            assertThat(chrome.execute("return document.body.innerText").asText()).doesNotContain("Proxy:");

            server.close();
            waitFor(chrome, "the lost-connection banner", "return document.body.dataset.connected === 'false'");
        }
        assertThat(Files.size(target.resolve("dashboard-down.png"))).isGreaterThan(5_000);
        assertThat(Files.size(target.resolve("dashboard-phone.png"))).isGreaterThan(5_000);
    }

    @Test
    void showsTheConnectionSyncAndFlagsItWhenLost() throws Exception {
        StatusSnapshot base = Fixtures.exchange(RealServerState.UP, null);
        var s = Fixtures.SYNC;
        StatusSnapshot.Sync lost = new StatusSnapshot.Sync(s.interfaceName(), s.mode(), s.destination(), s.instance(),
                false, Optional.empty(), 4, 3, Optional.of(Fixtures.T0), false, s.peerLastSeen(), s.link(), s.commits(),
                s.unfinishedCommits(), s.lastCommit(), s.resyncsRequested(), s.bulkSends(), s.lastHold());
        AtomicReference<Optional<StatusSnapshot.Sync>> sync = new AtomicReference<>(Optional.of(s));
        java.util.function.Supplier<StatusSnapshot> status = () -> new StatusSnapshot(base.node(), base.vrrp(),
                base.virtualServers(), base.proxy(), sync.get());
        String box = "document.getElementById('sync')";
        try (AdminServer server = AdminServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0),
                Optional.empty(), status, new RecordingActions(), new VigilMetrics(status));
             ChromeDriver chrome = new ChromeDriver(1280, 900)) {
            chrome.navigate("http://127.0.0.1:" + server.address().getPort() + "/");
            waitFor(chrome, "the sync line", "return !" + box + ".hidden && " + box + ".textContent.length > 0");
            String text = chrome.execute("return " + box + ".textContent.replace(/\\s+/g, ' ').trim()").asText();
            String thousands = chrome.execute("return (3400).toLocaleString()").asText();
            assertThat(text).startsWith("Connection sync: conntrackd running (pid 4242) \u00b7 peer 10.0.1.2 on eth1 seen"
                    + " \u00b7 12 own / " + thousands + " peer\u2019s entries")
                    .contains("3 restarts \u00b7 2 losses").contains(thousands + " entries in 12.3 ms")
                    .contains("7 resyncs requested");
            assertThat(chrome.execute("return [..." + box + ".querySelectorAll('.item.problem')]"
                    + ".map(e => e.dataset.sync).join(' ')").asText()).as("3 errors and 5 lost messages").isEqualTo("errors");

            sync.set(Optional.of(lost));
            waitFor(chrome, "the lost sync", "return " + box + ".textContent.includes('LOST since')");
            assertThat(chrome.execute("return [..." + box + ".querySelectorAll('.item.problem')]"
                    + ".map(e => e.dataset.sync).join(' ')").asText()).isEqualTo("lost conntrackd peer errors");
            assertThat(chrome.execute("return " + box + ".classList.contains('problem')").asBoolean()).isTrue();
            chrome.screenshot(Path.of("target").resolve("dashboard-sync-lost.png"));

            sync.set(Optional.empty());
            waitFor(chrome, "the sync line hidden without sync", "return " + box + ".hidden");
            assertThat(chrome.execute("return document.body.innerText").asText()).doesNotContain("Connection sync:");
        }
    }

    /** The proxy line as a reader sees it, with runs of white space (wrapping on a phone) made single spaces. */
    private static String proxyLine(ChromeDriver chrome) throws Exception {
        return chrome.execute("return " + PROXY + ".textContent.replace(/\\s+/g, ' ').trim()").asText();
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
