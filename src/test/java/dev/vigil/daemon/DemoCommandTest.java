package dev.vigil.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's first command, as a user runs it: a separate JVM, driven through its console. */
@ComponentTest
@Soak
class DemoCommandTest {

    @Test
    void theDemoBalancesOverThreeHealthyServersAndAConsoleCommandTakesOneOut() throws Exception {
        // Held for the whole test: the demo's listeners bind them beside the holds.
        try (HeldPort virtualServer = HeldPort.forServer(); HeldPort admin = HeldPort.forServer()) {
            demo(virtualServer.port(), admin.port());
        }
    }

    private static void demo(int port, int adminPort) throws Exception {
        Path log = Files.createTempFile("vigil-demo", ".log");
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.daemon.Main", "demo", "--port", Integer.toString(port), "--admin", "127.0.0.1:" + adminPort)
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            JsonNode up = waitForStatus(adminPort, s -> realServers(s).size() == 3
                    && realServers(s).stream().allMatch(r -> r.path("state").asText().equals("UP")
                    && r.path("services").size() == 8));
            assertThat(up.path("virtual_servers").get(0).path("port").asInt()).isEqualTo(port);

            List<String> answers = new ArrayList<>();
            try (HttpClient client = HttpClient.newBuilder().sslContext(trustAll()).build()) {
                for (int i = 0; i < 6; i++) {
                    answers.add(client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + "/owa/"))
                            .build(), HttpResponse.BodyHandlers.ofString()).body());
                }
            }
            assertThat(answers).allMatch(a -> a.matches("ex[123]\\.demo\\.test"));

            OutputStream console = demo.getOutputStream();
            console.write("down ex2 owa\n".getBytes(StandardCharsets.US_ASCII));
            console.flush();
            JsonNode down = waitForStatus(adminPort, s -> realServers(s).stream()
                    .anyMatch(r -> r.path("state").asText().equals("DOWN")));
            assertThat(realServers(down)).filteredOn(r -> r.path("state").asText().equals("DOWN")).singleElement()
                    .satisfies(r -> assertThat(r.path("reason").asText()).contains("owa"));

            demo.destroy(); // SIGTERM: a graceful stop
            assertThat(demo.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(demo.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("Dashboard:    http://127.0.0.1:" + adminPort + "/");
        } finally {
            demo.destroyForcibly();
            Files.deleteIfExists(log);
        }
    }

    private static List<JsonNode> realServers(JsonNode status) {
        List<JsonNode> out = new ArrayList<>();
        status.path("virtual_servers").forEach(vs -> vs.path("real_servers").forEach(out::add));
        return out;
    }

    private static JsonNode waitForStatus(int adminPort, Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        try (HttpClient client = HttpClient.newHttpClient()) {
            while (System.nanoTime() < deadline) {
                try {
                    String body = client.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + adminPort + "/api/v1/status")).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    last = new ObjectMapper().readTree(body);
                    if (wanted.test(last)) return last;
                } catch (IOException e) {
                    // not up yet
                }
                Thread.sleep(250);
            }
        }
        throw new AssertionError("status never matched; last: " + last);
    }

    private static SSLContext trustAll() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) { }
            public void checkServerTrusted(X509Certificate[] c, String a) { }
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        return ctx;
    }
}
