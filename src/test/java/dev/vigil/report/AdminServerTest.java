package dev.vigil.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ComponentTest
class AdminServerTest {

    private static final String TOKEN = "s3cret-token";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final AtomicReference<StatusSnapshot> current = new AtomicReference<>(Fixtures.exchange(RealServerState.UP, null));
    private final RecordingActions actions = new RecordingActions();
    private final VigilMetrics metrics = new VigilMetrics(current::get);
    private AdminServer server;

    private AdminServer start(Optional<String> token) throws IOException {
        server = AdminServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), token,
                current::get, actions, metrics);
        return server;
    }

    private AdminServer start(InetSocketAddress bind, List<String> hostNames) throws IOException {
        server = AdminServer.start(bind, Optional.empty(), hostNames, current::get, actions, metrics,
                java.time.Clock.systemUTC());
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.address().getPort() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String authorization) throws Exception {
        var b = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (authorization != null) b.header("Authorization", authorization);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sends {@code request} as it is over a new socket from {@code source} and returns the whole answer. */
    private String raw(String source, String request) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.ofLiteral(source), 0));
            s.connect(server.address(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private String rawGet(String path, String host) throws IOException {
        return raw("127.0.0.1", "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    }

    private static int statusOf(String rawResponse) {
        return Integer.parseInt(rawResponse.substring(9, 12));
    }

    /** A socket to the server that has sent nothing yet. */
    private Socket openIdle() throws IOException {
        Socket s = new Socket();
        s.connect(server.address(), 2000);
        return s;
    }

    /** Reads until the server closes; how long that took, or -1 if it did not within {@code patience}. */
    private static long millisUntilClosed(Socket s, Duration patience) throws IOException {
        long t0 = System.nanoTime();
        s.setSoTimeout((int) patience.toMillis());
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // an answer (such as 408) may come before the close
            }
        } catch (java.net.SocketTimeoutException e) {
            return -1;
        } catch (java.net.SocketException reset) {
            // closed by a reset: closed all the same
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json; charset=utf-8");
        assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
        return JSON.readTree(r.body());
    }

    @Test
    void statusIsTheSnapshotAsJson() throws Exception {
        start(Optional.empty());
        var r = get("/api/v1/status");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode s = json(r);
        assertThat(s.at("/node/router_id").asText()).isEqualTo("lb1");
        assertThat(s.at("/vrrp/0/state").asText()).isEqualTo("MASTER");
        assertThat(s.at("/vrrp/0/master_since").asText()).isEqualTo("2026-11-25T03:00:00Z");
        JsonNode rs2 = s.at("/virtual_servers/0/real_servers/1");
        assertThat(rs2.get("address").asText()).isEqualTo("10.0.0.12");
        assertThat(rs2.get("healthy").asBoolean()).isTrue();
        assertThat(rs2.get("reason").isNull()).isTrue();
        JsonNode proxy = s.get("proxy");
        assertThat(List.of(proxy.get("accepted").asLong(), proxy.get("open_connections").asLong(),
                proxy.get("no_real_server").asLong(), proxy.get("connect_failures").asLong(),
                proxy.get("retries").asLong(), proxy.get("resets_passed").asLong(), proxy.get("idle_timeouts").asLong(),
                proxy.get("bind_failures").asLong(), proxy.get("accept_failures").asLong(),
                proxy.get("refused_maxconn").asLong(), proxy.get("refused_per_source").asLong(),
                proxy.get("half_close_timeouts").asLong(), proxy.get("guard_drops").asLong()))
                .containsExactly(1234L, 5L, 2L, 7L, 6L, 3L, 4L, 8L, 9L, 10L, 11L, 12L, 13L);

        current.set(Fixtures.exchange(RealServerState.DOWN, "HTTP 503 from /ews/healthcheck.htm"));
        JsonNode down = json(get("/api/v1/status")).at("/virtual_servers/0/real_servers/1");
        assertThat(down.get("state").asText()).isEqualTo("DOWN");
        assertThat(down.get("reason").asText()).isEqualTo("HTTP 503 from /ews/healthcheck.htm");
        assertThat(down.at("/services/1/status").asText()).isEqualTo("DOWN");
        assertThat(StatusJson.read(get("/api/v1/status").body())).isEqualTo(current.get());
        assertThatThrownBy(() -> StatusJson.read("{\"node\":{\"router_id\":\"a\",\"version\":\"1\"},"
                + "\"vrrp\":[{\"name\":\"VI_1\",\"state\":\"MASTER\",\"master_since\":\"yesterday\"}]}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("bad time in status document: yesterday");
        // A daemon without the proxy counters (older, or no engine) reads as "unknown", not as zeros.
        assertThat(StatusJson.read("{\"node\":{\"router_id\":\"a\",\"version\":\"1\"}}").proxy()).isEmpty();
    }

    @Test
    void metricsArePrometheusTextWithTheRightContentType() throws Exception {
        start(Optional.empty());
        var r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(r.body()).contains("vigil_real_server_active_connections{protocol=\"TCP\",real_server=\"10.0.0.11:443\",virtual_server=\"10.0.0.1:443\"} 12.0");
        var open = http.send(HttpRequest.newBuilder(uri("/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(open.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/openmetrics-text");
        assertThat(open.body()).endsWith("# EOF\n");
    }

    @Test
    void withoutAConfiguredTokenStateChangingCallsAreRefusedWithAHint() throws Exception {
        start(Optional.empty());
        var r = post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.11:443\"}", "Bearer anything");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).get("error").asText()).contains("vigil_admin_token");
        assertThat(actions.calls).isEmpty();
    }

    @Test
    void missingOrWrongTokenIsRefusedAndCounted() throws Exception {
        start(Optional.of(TOKEN));
        String body = "{\"virtual_server\":\"10.0.0.1:443\",\"real_server\":\"10.0.0.11:443\"}";
        var missing = post("/api/v1/real-servers/drain", body, null);
        var wrong = post("/api/v1/real-servers/drain", body, "Bearer s3cret-tokem");
        var prefix = post("/api/v1/reload", "{}", "Bearer s3cret");
        var basic = post("/api/v1/real-servers/enable", body, "Basic " + TOKEN);
        for (var r : List.of(missing, wrong, prefix, basic)) {
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"vigil\"");
            assertThat(json(r).get("error").asText()).contains("Bearer");
        }
        assertThat(actions.calls).isEmpty();
        assertThat(metrics.adminAuthFailures()).isEqualTo(4);
        assertThat(get("/metrics").body()).contains("vigil_admin_auth_failures_total 4.0");
    }

    @Test
    void drainAndEnableReachTheActionsWithTheNamedServers() throws Exception {
        start(Optional.of(TOKEN));
        String auth = "Bearer " + TOKEN;
        var drained = post("/api/v1/real-servers/drain",
                "{\"virtual_server\":\"10.0.0.1:443\",\"real_server\":\"10.0.0.11:443\"}", auth);
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(json(drained).get("result").asText()).isEqualTo("drained");
        var enabled = post("/api/v1/real-servers/enable", "{\"real_server\":\"10.0.0.11:443\"}", "bearer  " + TOKEN);
        assertThat(enabled.statusCode()).isEqualTo(200);
        assertThat(json(enabled).get("virtual_server").isNull()).isTrue();
        var unknown = post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.99:443\"}", auth);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("no real server 10.0.0.99:443 in any virtual server");
        assertThat(actions.calls).containsExactly("drain 10.0.0.1:443 10.0.0.11:443", "enable * 10.0.0.11:443",
                "drain * 10.0.0.99:443");
        assertThat(metrics.adminAuthFailures()).isZero();
    }

    @Test
    void badRequestsGetClearJsonErrors() throws Exception {
        start(Optional.of(TOKEN));
        String auth = "Bearer " + TOKEN;
        var notJson = post("/api/v1/real-servers/drain", "{real_server:", auth);
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(json(notJson).get("error").asText()).startsWith("the body is not valid JSON");
        var typo = post("/api/v1/real-servers/drain", "{\"realserver\":\"10.0.0.11:443\"}", auth);
        assertThat(json(typo).get("error").asText()).contains("unknown field 'realserver'");
        var missing = post("/api/v1/real-servers/drain", "{}", auth);
        assertThat(json(missing).get("error").asText()).contains("'real_server' is required");
        var badAddress = post("/api/v1/real-servers/drain", "{\"real_server\":\"exchange1:443\"}", auth);
        assertThat(badAddress.statusCode()).isEqualTo(400);
        assertThat(json(badAddress).get("error").asText()).isEqualTo("'exchange1' is not an IP address");
        var badPort = post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.11:99999\"}", auth);
        assertThat(json(badPort).get("error").asText()).contains("out of range");
        var array = post("/api/v1/real-servers/enable", "[]", auth);
        assertThat(json(array).get("error").asText()).isEqualTo("the body must be a JSON object");
        var huge = post("/api/v1/real-servers/drain", "{\"x\":\"" + "a".repeat(DrainBody.MAX_BYTES) + "\"}", auth);
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(server.badRequests()).isEqualTo(7);
        assertThat(actions.calls).isEmpty();

        var method = get("/api/v1/real-servers/drain");
        assertThat(method.statusCode()).isEqualTo(405);
        assertThat(method.headers().firstValue("Allow")).hasValue("POST");
        var nowhere = get("/api/v2/status");
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(json(nowhere).get("error").asText()).contains("GET /api/v1/status");

        actions.failure = new IllegalStateException("forwarder not started");
        var failing = post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.11:443\"}", auth);
        assertThat(failing.statusCode()).isEqualTo(500);
        assertThat(json(failing).get("error").asText()).isEqualTo("internal error: forwarder not started");
    }

    @Test
    void reloadReportsPositionedErrorsWhenTheNewFileIsInvalid() throws Exception {
        start(Optional.of(TOKEN));
        var ok = post("/api/v1/reload", "", "Bearer " + TOKEN);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("applied").asBoolean()).isTrue();
        actions.reloadResult = new AdminActions.ReloadResult(false, "kept the running configuration",
                List.of("/etc/vigil/keepalived.conf:12:5: unknown keyword 'lb_alg'"));
        var bad = post("/api/v1/reload", "", "Bearer " + TOKEN);
        assertThat(bad.statusCode()).isEqualTo(422);
        JsonNode b = json(bad);
        assertThat(b.get("applied").asBoolean()).isFalse();
        assertThat(b.at("/errors/0").asText()).isEqualTo("/etc/vigil/keepalived.conf:12:5: unknown keyword 'lb_alg'");
    }

    @Test
    void bindsOnlyWhereToldTo() throws Exception {
        start(Optional.empty());
        assertThat(server.address().getAddress()).isEqualTo(InetAddress.ofLiteral("127.0.0.1"));
        int port = server.address().getPort();
        // 127.0.0.2 is on the same loopback interface: reachable only if the server bound the wildcard.
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.2"), port), 2000);
            }
        }).isInstanceOf(ConnectException.class);
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), port), 2000);
        }
        assertThat(AdminServer.defaultAddress()).isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9180));
    }

    @Test
    void dashboardIsServedWithARestrictivePolicy() throws Exception {
        start(Optional.empty());
        var page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy").orElseThrow()).contains("default-src 'self'");
        assertThat(page.body()).contains("dashboard.js").contains("name=\"viewport\"");
        assertThat(get("/dashboard.js").body()).contains("api/v1/status");
        assertThat(get("/dashboard.css").headers().firstValue("Content-Type")).hasValue("text/css; charset=utf-8");
    }

    @Test
    void adminAddressesParseAsTheCommandLineWritesThem() {
        assertThat(AdminServer.parseAddress("127.0.0.1:9180"))
                .isEqualTo(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 9180));
        assertThat(AdminServer.parseAddress("[::1]:9181").getAddress()).isEqualTo(InetAddress.ofLiteral("::1"));
        assertThatThrownBy(() -> AdminServer.parseAddress(":9180")).hasMessageContaining("HOST:PORT");
        assertThatThrownBy(() -> AdminServer.parseAddress("::1:9180")).hasMessageContaining("[ADDR]:PORT");
        assertThatThrownBy(() -> AdminServer.parseAddress("127.0.0.1:http")).hasMessageContaining("not a port");
    }

    @Test
    void aRequestHeadThatNeverCompletesIsClosedWithinTheHeadTimeout() throws Exception {
        start(Optional.empty());
        try (Socket slow = openIdle()) {
            slow.getOutputStream().write("GET /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
            long timeout = AdminHttpLimits.REQUEST_TIMEOUT.toMillis();
            long ms = millisUntilClosed(slow, AdminHttpLimits.REQUEST_TIMEOUT.multipliedBy(2));
            // The JDK's timer runs every second; a loaded build box may add a little.
            assertThat(ms).as("closed after the request timeout and its 1 s timer").isBetween(timeout - 1_000, timeout + 3_000);
        }
        assertThat(get("/api/v1/status").statusCode()).isEqualTo(200);
    }

    @Test
    void connectionsOverTheCapAreClosedAtOnceAndAClosedOneFreesItsPlace() throws Exception {
        start(Optional.empty());
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < AdminHttpLimits.MAX_CONNECTIONS; i++) held.add(openIdle());
            Thread.sleep(300); // the server has accepted them all
            try (Socket over = openIdle()) {
                assertThat(millisUntilClosed(over, Duration.ofSeconds(3))).as("one more is closed at once").isBetween(0L, 2_000L);
            }
            assertThat(millisUntilClosed(held.getFirst(), Duration.ofMillis(200))).as("the others stay open").isEqualTo(-1);
            held.removeFirst().close();
            Eventually.within(Duration.ofSeconds(5), "a request succeeds once one of the 64 has gone", () -> {
                try {
                    return get("/api/v1/status").statusCode() == 200;
                } catch (Exception closed) {
                    return false;
                }
            });
        } finally {
            for (Socket s : held) s.close();
        }
    }

    @Test
    void aForeignHostIsRefusedWhileTheBindAddressAndLoopbackNamesWork() throws Exception {
        start(Optional.empty());
        int port = server.address().getPort();
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "[::1]:" + port, "127.0.0.1")) {
            assertThat(statusOf(rawGet("/api/v1/status", host))).as("Host: " + host).isEqualTo(200);
        }
        for (String host : List.of("attacker.example:" + port, "attacker.example", "localhost.attacker.example:" + port,
                "10.9.9.9:" + port)) {
            String answer = rawGet("/api/v1/status", host);
            assertThat(statusOf(answer)).as("Host: " + host).isEqualTo(421);
            assertThat(answer).doesNotContain("router_id").contains("Host");
        }
        assertThat(statusOf(rawGet("/api/v1/status", "[::1"))).isEqualTo(421);
        assertThat(get("/metrics").body()).contains("vigil_admin_refused_total{reason=\"host\"} 5.0");
    }

    @Test
    void namesGivenForTheEndpointAreAcceptedAsItsHost() throws Exception {
        // An address given by name (--admin lb9.example:9180) keeps it; vigil_admin_host_names adds others.
        start(new InetSocketAddress(InetAddress.getByAddress("lb9.example", new byte[] {127, 0, 0, 1}), 0),
                List.of("lb1.example.com"));
        for (String host : List.of("LB1.Example.Com", "lb1.example.com.:8443", "lb9.example:9180", "localhost:1")) {
            assertThat(statusOf(rawGet("/api/v1/status", host))).as("Host: " + host).isEqualTo(200);
        }
        assertThat(statusOf(rawGet("/api/v1/status", "lb2.example.com"))).isEqualTo(421);
    }

    @Test
    void tokenGuessingIsRefusedWith429AfterFiveFailuresFromTheSameSource() throws Exception {
        start(Optional.of(TOKEN));
        String body = "{\"real_server\":\"10.0.0.11:443\"}";
        for (int i = 0; i < AuthLockout.MAX_FAILURES; i++) {
            assertThat(post("/api/v1/real-servers/drain", body, "Bearer guess-" + i).statusCode()).isEqualTo(401);
        }
        var locked = post("/api/v1/real-servers/drain", body, "Bearer " + TOKEN);
        assertThat(locked.statusCode()).as("even the right token waits: a guess must not be testable").isEqualTo(429);
        assertThat(Long.parseLong(locked.headers().firstValue("Retry-After").orElseThrow()))
                .isBetween(1L, AuthLockout.LOCKOUT.toSeconds());
        assertThat(json(locked).get("error").asText()).contains("too many");
        assertThat(actions.calls).isEmpty();
        assertThat(metrics.adminAuthFailures()).isEqualTo(AuthLockout.MAX_FAILURES);
        // Another source is not held back by the first one's failures.
        String other = raw("127.0.0.2", "POST /api/v1/real-servers/drain HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer " + TOKEN + "\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
        assertThat(statusOf(other)).isEqualTo(200);
        assertThat(get("/metrics").body()).contains("vigil_admin_refused_total{reason=\"lockout\"} 1.0");
    }

    @Test
    void headIsAnsweredLikeGetWithoutABody() throws Exception {
        start(Optional.empty());
        List<String> jdkWarnings = new java.util.concurrent.CopyOnWriteArrayList<>();
        var jdkLog = java.util.logging.Logger.getLogger("com.sun.net.httpserver");
        var handler = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) jdkWarnings.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        jdkLog.addHandler(handler);
        try {
            headAndGetAgree();
        } finally {
            jdkLog.removeHandler(handler);
        }
        assertThat(jdkWarnings).as("the JDK warns of a HEAD answered with a body length").isEmpty();
        var other = raw("127.0.0.1", "HEAD /api/v1/real-servers/drain HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(statusOf(other)).isEqualTo(405);
        assertThat(other).contains("Allow: POST").endsWith("\r\n\r\n");
    }

    private void headAndGetAgree() throws Exception {
        String get = rawGet("/api/v1/status", "127.0.0.1");
        String head = raw("127.0.0.1", "HEAD /api/v1/status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assertThat(statusOf(head)).isEqualTo(200);
        assertThat(head).containsIgnoringCase("Content-Type: application/json").endsWith("\r\n\r\n");
        String getLength = get.lines().filter(l -> l.toLowerCase().startsWith("content-length:")).findFirst().orElseThrow();
        assertThat(head).containsIgnoringCase(getLength);
        var viaClient = http.send(HttpRequest.newBuilder(uri("/metrics")).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(viaClient.statusCode()).isEqualTo(200);
        assertThat(viaClient.body()).isEmpty();
    }

    @Test
    void aDrainWhileTheNodeIsStillStartingAnswers503() throws Exception {
        start(Optional.of(TOKEN));
        actions.ready = false;
        actions.failure = new NullPointerException("Cannot invoke \"VirtualServers.setDrained\" because \"this.virtualServers\" is null");
        var r = post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.11:443\"}", "Bearer " + TOKEN);
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json(r).get("error").asText()).contains("starting");
        assertThat(post("/api/v1/reload", "", "Bearer " + TOKEN).statusCode()).isEqualTo(503);
        assertThat(actions.calls).isEmpty();
        actions.ready = true;
        actions.failure = null;
        assertThat(post("/api/v1/real-servers/drain", "{\"real_server\":\"10.0.0.11:443\"}", "Bearer " + TOKEN).statusCode())
                .isEqualTo(200);
    }
}
