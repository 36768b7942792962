package dev.vigil.exchange;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@ComponentTest
class ExchangeTestServerTest {

    private ExchangeTestServer server;

    @BeforeEach
    void start() throws IOException {
        server = ExchangeTestServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "ex1.test.local");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Sends {@code request} over TLS (no verification) and returns everything until the server closes. */
    private String exchange(String request) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }
            public void checkServerTrusted(X509Certificate[] c, String a) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        try (Socket raw = new Socket()) {
            raw.connect(server.address(), 2000);
            raw.setSoTimeout(5000);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "ex1.test.local",
                    server.address().getPort(), true)) {
                s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
        }
    }

    @Test
    void aLongDownloadIsTheSeedsBytesPacedAndAnnounced() throws Exception {
        String answer = exchange("GET /vigil-test/stream?seed=7&chunks=3&pace=5 HTTP/1.1\r\nHost: ex1\r\n\r\n");
        assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Length: 12288\r\n");
        byte[] body = answer.substring(answer.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1);
        byte[] expected = new byte[12288];
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 3; i++) {
            byte[] chunk = new byte[4096];
            random.nextBytes(chunk);
            System.arraycopy(chunk, 0, expected, i * 4096, 4096);
        }
        assertThat(body).isEqualTo(expected);
        assertThat(exchange("GET /vigil-test/stream?seed=x HTTP/1.1\r\nHost: ex1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
    }

    @Test
    void everyVirtualDirectoryAnswersAsIis() throws Exception {
        for (ExchangeService s : ExchangeService.values()) {
            String answer = exchange("GET " + s.healthPath() + " HTTP/1.1\r\nHost: ex1\r\nConnection: close\r\n\r\n");
            assertThat(answer).startsWith("HTTP/1.1 200 OK\r\n").contains("Content-Type: text/html\r\n")
                    .contains("Content-Length: " + "200 OK<br/>ex1.test.local".length() + "\r\n")
                    .endsWith("\r\n\r\n200 OK<br/>ex1.test.local");
            assertThat(server.healthRequests(s)).isEqualTo(1);
        }
    }

    @Test
    void oneServiceUnhealthyAnswers503OnlyForThatService() throws Exception {
        server.setService(ExchangeService.OWA, Mode.UNHEALTHY);
        assertThat(exchange("GET /owa/healthcheck.htm HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 503 ")
                .doesNotContain("200 OK");
        assertThat(exchange("GET /ews/healthcheck.htm HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK");
    }

    @Test
    void bareRequestLineGetsTheBodyAloneAndAClose() throws Exception {
        assertThat(exchange("GET /rpc/healthcheck.htm\r\n")).isEqualTo("200 OK<br/>ex1.test.local");
        server.setService(ExchangeService.RPC, Mode.UNHEALTHY);
        assertThat(exchange("GET /rpc/healthcheck.htm\r\n")).contains("Service Unavailable").doesNotContain("200 OK")
                .doesNotStartWith("HTTP/");
    }

    @Test
    void applicationPathsNameTheServer() throws Exception {
        assertThat(exchange("GET /owa/ HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK").endsWith("ex1.test.local")
                .contains("X-FEServer: EX1");
    }

    @Test
    void slowAnswersAfterTheDelay() throws Exception {
        server.setSlowDelay(Duration.ofMillis(600));
        server.setService(ExchangeService.MAPI, Mode.SLOW);
        long t0 = System.nanoTime();
        assertThat(exchange("GET /mapi/healthcheck.htm HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 200 OK");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(550);
    }

    @Test
    void refuseClosesTheListenerAndHealthyReopensIt() throws Exception {
        server.setAll(Mode.REFUSE);
        assertThatThrownBy(() -> new Socket().connect(server.address(), 1000)).isInstanceOf(ConnectException.class);
        server.setAll(Mode.HEALTHY);
        assertThat(exchange("GET /rpc/healthcheck.htm\r\n")).contains("200 OK");
    }

    /** A port closed for REFUSE could be taken by another process before it reopens: the server keeps it bound. */
    @Test
    void whileRefusingThePortStaysTheServers() throws Exception {
        server.setAll(Mode.REFUSE);
        try (Socket other = new Socket()) {
            assertThatThrownBy(() -> other.bind(server.address())).isInstanceOf(BindException.class);
        }
        server.setAll(Mode.HEALTHY);
        assertThat(exchange("GET /rpc/healthcheck.htm\r\n")).contains("200 OK");
    }

    @Test
    void tlsFailureFailsTheHandshake() {
        server.setAll(Mode.TLS_FAILURE);
        assertThatThrownBy(() -> exchange("GET /rpc/healthcheck.htm\r\n")).isInstanceOf(javax.net.ssl.SSLException.class);
    }

    @Test
    void dropAcceptsThenClosesWithoutAnAnswer() throws Exception {
        server.setAll(Mode.DROP);
        try (Socket s = new Socket()) {
            s.connect(server.address(), 1000);
            s.setSoTimeout(3000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        server.setAll(Mode.HEALTHY);
        server.setService(ExchangeService.OAB, Mode.DROP);
        assertThatThrownBy(() -> {
            String a = exchange("GET /oab/healthcheck.htm HTTP/1.0\r\n\r\n");
            if (a.isEmpty()) throw new IOException("closed without an answer");
        }).isInstanceOf(IOException.class);
    }

    @Test
    void controlCommands() throws Exception {
        assertThat(server.command("set eas unhealthy")).startsWith("ok").contains("eas=unhealthy");
        assertThat(server.mode(ExchangeService.EAS)).isEqualTo(Mode.UNHEALTHY);
        assertThat(exchange("GET /Microsoft-Server-ActiveSync/healthcheck.htm HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.1 503");
        assertThat(server.command("set bogus healthy")).startsWith("error").contains("bogus");
        assertThat(server.command("set all sideways")).startsWith("error");
        assertThat(server.command("set all unhealthy")).contains("rpc=unhealthy").contains("oab=unhealthy");
    }
}
