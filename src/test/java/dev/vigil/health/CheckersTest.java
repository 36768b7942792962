package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker;
import dev.vigil.config.Checker.ExchangeCheck.Policy;
import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.config.Checker.StatusRange;
import dev.vigil.exchange.ExchangeTestServer;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.script.ScriptRunner;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.vigil.health.ConfigFixtures.connectTo;
import static dev.vigil.health.ConfigFixtures.exchange;
import static dev.vigil.health.ConfigFixtures.http;
import static dev.vigil.health.ConfigFixtures.url;
import static org.assertj.core.api.Assertions.assertThat;

/** Each checker against real loopback servers. */
@ComponentTest
class CheckersTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static ExchangeTestServer exchange;
    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    @BeforeAll
    static void startExchange() throws Exception {
        exchange = ExchangeTestServer.start(new InetSocketAddress(LO, 0), "ex1.test.local");
    }

    @AfterAll
    static void stopExchange() {
        exchange.close();
    }

    @BeforeEach
    void healthy() {
        exchange.setAll(Mode.HEALTHY);
    }

    static String md5(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void tcpCheckPassesOnAListenerAndNamesARefusal() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, LO)) {
            var ok = new TcpChecker(Checker.Connection.DEFAULT, new InetSocketAddress(LO, s.getLocalPort()), TIMEOUT);
            assertThat(ok.check().ok()).isTrue();
        }
        try (HeldPort refusing = HeldPort.refusing()) {
            CheckResult r = new TcpChecker(Checker.Connection.DEFAULT, refusing.address(), TIMEOUT).check();
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).startsWith("connect refused by 127.0.0.1:" + refusing.port());
        }
    }

    private HttpChecker httpChecker(boolean tls, InetSocketAddress a, List<Checker.Url> urls, String vhost,
                                    boolean sni, String sniName, Path ca) {
        Checker.HttpCheck c = http(tls, connectTo(a.getAddress(), a.getPort()), CheckTiming.INHERIT, urls, vhost, sni,
                sniName, ca);
        return new HttpChecker(c, a, Optional.empty(), TIMEOUT);
    }

    @Test
    void httpGetSendsKeepalivedsRequestAndChecksDigestAndStatusRanges() throws Exception {
        try (var srv = new TinyServers.Http(false, head -> head.startsWith("GET /missing")
                ? TinyServers.response(404, "nope") : TinyServers.response(200, "hello"))) {
            InetSocketAddress a = srv.address();
            assertThat(httpChecker(false, a, List.of(url("/index.html", md5("hello"))), "www.example.test", false,
                    null, null).check().ok()).isTrue();
            assertThat(srv.requests.getFirst()).startsWith("GET /index.html HTTP/1.0\r\n")
                    .contains("User-Agent: KeepAliveClient\r\n").contains("Host: www.example.test:" + a.getPort() + "\r\n");

            CheckResult wrongDigest = httpChecker(false, a, List.of(url("/index.html", md5("other"))), null, false,
                    null, null).check();
            assertThat(wrongDigest.ok()).isFalse();
            assertThat(wrongDigest.reason()).contains("digest " + md5("hello"));

            CheckResult notFound = httpChecker(false, a, List.of(url("/missing", null)), null, false, null, null).check();
            assertThat(notFound.reason()).isEqualTo("/missing: HTTP 404");
            assertThat(httpChecker(false, a, List.of(url("/missing", null, new StatusRange(200, 200),
                    new StatusRange(400, 499))), null, false, null, null).check().ok()).isTrue();
            // every url must pass
            assertThat(httpChecker(false, a, List.of(url("/a", null), url("/missing", null)), null, false, null, null)
                    .check().ok()).isFalse();
        }
    }

    @Test
    void bindtoSetsTheSourceAddress() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 5, LO)) {
            var from = new java.util.concurrent.CompletableFuture<InetAddress>();
            Thread.ofVirtual().start(() -> {
                try (Socket c = s.accept()) {
                    from.complete(c.getInetAddress());
                } catch (Exception e) {
                    from.completeExceptionally(e);
                }
            });
            var conn = new Checker.Connection(Optional.empty(), Optional.empty(),
                    Optional.of(InetAddress.getByName("127.0.0.2")), Optional.empty());
            assertThat(new TcpChecker(conn, new InetSocketAddress(LO, s.getLocalPort()), TIMEOUT).check().ok()).isTrue();
            assertThat(from.get(5, java.util.concurrent.TimeUnit.SECONDS).getHostAddress()).isEqualTo("127.0.0.2");
        }
    }

    @Test
    void regexAndRegexNoMatch() throws Exception {
        try (var srv = new TinyServers.Http(false, head -> TinyServers.response(200, "status: green"))) {
            var a = srv.address();
            java.util.function.BiFunction<String, Boolean, Boolean> check = (re, no) -> httpChecker(false, a,
                    List.of(new Checker.Url("/", Optional.empty(), Checker.Url.DEFAULT_STATUS, Optional.empty(),
                            Optional.of(re), no, ConfigFixtures.SRC)), null, false, null, null).check().ok();
            assertThat(check.apply("status: (green|amber)", false)).isTrue();
            assertThat(check.apply("red", false)).isFalse();
            assertThat(check.apply("red", true)).isTrue();
            assertThat(check.apply("green", true)).isFalse();
        }
    }

    @Test
    void chunkedBodiesAreDigestedDecoded() throws Exception {
        String chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n";
        try (var srv = new TinyServers.Http(false, head -> chunked)) {
            assertThat(httpChecker(false, srv.address(), List.of(url("/", md5("hello"))), null, false, null, null)
                    .check().ok()).isTrue();
        }
    }

    @Test
    void sslGetDoesNotVerifyByDefaultSendsSniOnlyWhenAskedAndVerifiesWithCaFile() throws Exception {
        try (var srv = new TinyServers.Http(true, head -> TinyServers.response(200, "secure"));
             var other = new TinyServers.Http(true, head -> TinyServers.response(200, "x"))) {
            InetSocketAddress a = srv.address();
            assertThat(httpChecker(true, a, List.of(url("/", md5("secure"))), "mail.example.test", false, null, null)
                    .check().ok()).isTrue();
            assertThat(srv.sniNames).isEmpty();

            assertThat(httpChecker(true, a, List.of(url("/", null)), "mail.example.test", true, null, null).check().ok())
                    .isTrue();
            assertThat(httpChecker(true, a, List.of(url("/", null)), "mail.example.test", true, "sni.example.test", null)
                    .check().ok()).isTrue();
            assertThat(srv.sniNames).containsExactly("mail.example.test", "sni.example.test");

            Path goodCa = dir.resolve("good.pem");
            srv.cert.writePem(goodCa);
            Path wrongCa = dir.resolve("wrong.pem");
            other.cert.writePem(wrongCa);
            assertThat(httpChecker(true, a, List.of(url("/", null)), null, false, null, goodCa).check().ok()).isTrue();
            CheckResult untrusted = httpChecker(true, a, List.of(url("/", null)), null, false, null, wrongCa).check();
            assertThat(untrusted.ok()).isFalse();
            assertThat(untrusted.reason()).contains("TLS:");
        }
    }

    @Test
    void sslGetAgainstTheExchangeServerWithDigest() throws Exception {
        InetSocketAddress a = exchange.address();
        assertThat(httpChecker(true, a, List.of(url("/rpc/healthcheck.htm", md5("200 OK<br/>ex1.test.local"))), null,
                false, null, null).check().ok()).isTrue();
        exchange.setService(ExchangeService.RPC, Mode.UNHEALTHY);
        assertThat(httpChecker(true, a, List.of(url("/rpc/healthcheck.htm", null)), null, false, null, null).check()
                .reason()).isEqualTo("/rpc/healthcheck.htm: HTTP 503");
    }

    @Test
    void aHangPastTheTimeoutFailsAndLeavesNoSocket() throws Exception {
        try (var srv = new TinyServers.Http(false, head -> null)) {
            long t0 = System.nanoTime();
            var checker = new HttpChecker(http(false, Checker.Connection.DEFAULT, CheckTiming.INHERIT,
                    List.of(url("/", null)), null, false, null, null), srv.address(), Optional.empty(), Duration.ofMillis(500));
            CheckResult r = checker.check();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).contains("timeout");
            assertThat(ms).isBetween(400L, 3000L);
            assertThat(TinyServers.establishedTo(srv.address().getPort())).isZero();
        }
    }

    @Test
    void smtpCheckWantsABannerAndAHeloAnswer() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        try (ServerSocket s = new ServerSocket(0, 5, LO)) {
            Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 2; i++) {
                    try (Socket c = s.accept();
                         var in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII));
                         var out = new PrintWriter(c.getOutputStream(), true, StandardCharsets.US_ASCII)) {
                        if (i == 0) {
                            out.print("220-mx.test ESMTP\r\n220 ready\r\n");
                            out.flush();
                            heard.add(in.readLine());
                            out.print("250 mx.test\r\n");
                            out.flush();
                            heard.add(in.readLine());
                        } else {
                            out.print("554 go away\r\n");
                            out.flush();
                        }
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            InetSocketAddress a = new InetSocketAddress(LO, s.getLocalPort());
            var ok = new SmtpChecker(ConfigFixtures.smtp(Checker.Connection.DEFAULT, CheckTiming.INHERIT, "lb1.test"), a, TIMEOUT);
            assertThat(ok.check().ok()).isTrue();
            // the responder reads QUIT after the checker has its verdict
            for (int i = 0; i < 100 && heard.size() < 2; i++) Thread.sleep(20);
            assertThat(heard).containsExactly("HELO lb1.test", "QUIT");
            var refused = new SmtpChecker(ConfigFixtures.smtp(Checker.Connection.DEFAULT, CheckTiming.INHERIT, null), a, TIMEOUT);
            assertThat(refused.check().reason()).isEqualTo("SMTP banner 554, expected 220");
        }
    }

    @Test
    void smtpCheckAgainstGreenMail() throws Exception {
        var mail = new com.icegreen.greenmail.util.GreenMail(new com.icegreen.greenmail.util.ServerSetup(0, "127.0.0.1", "smtp"));
        mail.start();
        try {
            var a = new InetSocketAddress(LO, mail.getSmtp().getPort());
            var checker = new SmtpChecker(ConfigFixtures.smtp(Checker.Connection.DEFAULT, CheckTiming.INHERIT, null), a, TIMEOUT);
            assertThat(checker.check().ok()).isTrue();
        } finally {
            mail.stop();
        }
    }

    private Path script(String name, String body) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void miscCheckExitCodesAndDynamicWeights() throws Exception {
        Path s = script("code.sh", "#!/bin/sh\necho checking\nexit $1\n");
        try (ScriptRunner runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(200))) {
            var fixed = (java.util.function.BiFunction<String, Boolean, CheckResult>) (code, dynamic) -> {
                try {
                    return new MiscChecker(ConfigFixtures.misc(ConfigFixtures.script(s.toString(), code), null, dynamic,
                            CheckTiming.INHERIT), runner, TIMEOUT).check();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            };
            assertThat(fixed.apply("0", false).ok()).isTrue();
            assertThat(fixed.apply("1", true).ok()).isFalse();
            assertThat(fixed.apply("1", true).reason()).isEqualTo("misc_path: exit 1: checking");
            assertThat(fixed.apply("12", false).ok()).as("2..255 fail without misc_dynamic").isFalse();
            CheckResult dyn = fixed.apply("12", true);
            assertThat(dyn.ok()).isTrue();
            assertThat(dyn.weight()).hasValue(10);
            assertThat(fixed.apply("255", true).weight()).hasValue(253);
        }
    }

    @Test
    void miscCheckTimeoutKillsTheScript() throws Exception {
        Path pid = dir.resolve("pid");
        Path s = script("hang.sh", "#!/bin/bash\ntrap '' TERM\necho $$ > " + pid + "\nwhile :; do sleep 0.1; done\n");
        try (ScriptRunner runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(200))) {
            CheckResult r = new MiscChecker(ConfigFixtures.misc(ConfigFixtures.script(s.toString()), Duration.ofMillis(500),
                    false, CheckTiming.INHERIT), runner, Duration.ofMillis(500)).check();
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).contains("timed out");
            long p = Long.parseLong(Files.readString(pid).strip());
            assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        }
    }

    private static CheckResult misc(ScriptRunner runner, String... argv) throws InterruptedException {
        return new MiscChecker(ConfigFixtures.misc(ConfigFixtures.script(argv), null, false, CheckTiming.INHERIT),
                runner, TIMEOUT).check();
    }

    @Test
    void miscPathBinTrueRunsUnderScriptSecurityThoughBinIsALink() throws Exception {
        assertThat(Files.isSymbolicLink(Path.of("/bin"))).as("/bin is a link to usr/bin on this machine").isTrue();
        try (ScriptRunner secure = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(200))) {
            CheckResult r = misc(secure, "/bin/true");
            assertThat(r.reason()).isEqualTo("ok");
            assertThat(r.ok()).isTrue();
        }
    }

    @Test
    @RequiresRoot(commands = {})
    void miscCheckSaysWhyScriptSecurityWillNotRunANonRootUsersScript() throws Exception {
        Path s = script("theirs.sh", "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("r-xr-xr-x"));
        Files.setOwner(s, s.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        try (ScriptRunner secure = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(200))) {
            CheckResult r = misc(secure, s.toString());
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).startsWith("misc_path: script security: script " + s)
                    .contains("owned by uid 65534");
        }
    }

    @Test
    void miscCheckOutputReachesTheReasonWithItsControlCharactersEscaped() throws Exception {
        Path s = script("loud.sh", "#!/bin/sh\nprintf 'red \\033[31mALERT\\nforged line\\r\\n'\nexit 1\n");
        try (ScriptRunner runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(200))) {
            CheckResult r = misc(runner, s.toString());
            assertThat(r.ok()).isFalse();
            assertThat(r.reason()).isEqualTo("misc_path: exit 1: red \\x1b[31mALERT\\nforged line");
            assertThat(r.reason().chars().noneMatch(Character::isISOControl)).isTrue();
        }
    }

    private ExchangeChecker exchangeChecker(List<ExchangeService> services, int attempts, Policy policy,
                                            List<ExchangeService> required, Duration timeout) {
        InetSocketAddress a = exchange.address();
        return new ExchangeChecker(exchange(connectTo(a.getAddress(), a.getPort()), CheckTiming.INHERIT, services,
                attempts, policy, required, "ex1.test.local"), a, timeout);
    }

    @Test
    void exchangeCheckReportsEachServiceAndAppliesThePolicy() throws Exception {
        List<ExchangeService> all = List.of(ExchangeService.values());
        CheckResult healthy = exchangeChecker(all, 3, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(healthy.ok()).isTrue();
        assertThat(healthy.services()).hasSize(8).allSatisfy((k, v) -> assertThat(v.up()).isTrue());
        assertThat(healthy.services().get(ExchangeService.EAS).detail()).isEqualTo("HTTP 200 from ex1.test.local");

        exchange.setService(ExchangeService.OWA, Mode.UNHEALTHY);
        CheckResult owaDown = exchangeChecker(all, 3, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(owaDown.ok()).isFalse();
        assertThat(owaDown.maintenance()).isFalse();
        assertThat(owaDown.reason()).isEqualTo("owa: HTTP 503 (3 tries)");
        assertThat(owaDown.services().get(ExchangeService.OWA).up()).isFalse();
        assertThat(owaDown.services().values().stream().filter(ServiceStatus::up)).hasSize(7);
        assertThat(exchangeChecker(all, 3, Policy.ANY, List.of(), TIMEOUT).check().ok()).isTrue();
        assertThat(exchangeChecker(all, 3, Policy.LIST, List.of(ExchangeService.RPC, ExchangeService.EWS), TIMEOUT)
                .check().ok()).isTrue();
        assertThat(exchangeChecker(all, 3, Policy.LIST, List.of(ExchangeService.OWA), TIMEOUT).check().ok()).isFalse();
    }

    @Test
    void oneTryInThreeKeepsAServiceUpAndNoneInThreeDoesNot() throws Exception {
        List<ExchangeService> rpc = List.of(ExchangeService.RPC);
        long before = exchange.healthRequests(ExchangeService.RPC);
        exchange.failNext(ExchangeService.RPC, 2);
        CheckResult third = exchangeChecker(rpc, 3, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(third.ok()).isTrue();
        assertThat(third.services().get(ExchangeService.RPC).tries()).isEqualTo(3);
        assertThat(exchange.healthRequests(ExchangeService.RPC) - before).isEqualTo(3);

        exchange.failNext(ExchangeService.RPC, 3);
        assertThat(exchangeChecker(rpc, 3, Policy.ALL, List.of(), TIMEOUT).check().ok()).isFalse();
    }

    @Test
    void maintenanceIsDistinctFromACrash() throws Exception {
        List<ExchangeService> all = List.of(ExchangeService.values());
        exchange.setAll(Mode.UNHEALTHY);
        CheckResult drained = exchangeChecker(all, 1, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(drained.maintenance()).isTrue();
        assertThat(drained.reason()).startsWith("maintenance");

        exchange.setAll(Mode.REFUSE);
        CheckResult crashed = exchangeChecker(all, 1, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(crashed.maintenance()).isFalse();
        assertThat(crashed.reason()).contains("rpc: connect refused");

        exchange.setAll(Mode.TLS_FAILURE);
        CheckResult tls = exchangeChecker(List.of(ExchangeService.OWA), 1, Policy.ALL, List.of(), TIMEOUT).check();
        assertThat(tls.ok()).isFalse();
        assertThat(tls.reason()).startsWith("owa: TLS:");
    }

    @Test
    void aSlowServicePastTheTimeoutFailsAndLeavesNoSocket() throws Exception {
        exchange.setSlowDelay(Duration.ofSeconds(5));
        exchange.setService(ExchangeService.MAPI, Mode.SLOW);
        long t0 = System.nanoTime();
        CheckResult r = exchangeChecker(List.of(ExchangeService.MAPI), 2, Policy.ALL, List.of(), Duration.ofMillis(400))
                .check();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.ok()).isFalse();
        assertThat(r.reason()).contains("timeout");
        assertThat(ms).isBetween(700L, 4000L);
        assertThat(TinyServers.establishedTo(exchange.address().getPort())).isZero();
    }
}
