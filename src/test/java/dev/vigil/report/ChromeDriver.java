package dev.vigil.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.testing.HeldPort;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Headless Chromium driven through chromedriver's W3C WebDriver HTTP API: just what a page test needs
 * (navigate, run a script, resize, screenshot). Closing ends the session, chromedriver and every
 * process it started, and removes the profile directory.
 */
final class ChromeDriver implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final HeldPort port;
    private final Process driver;
    private final Path profile;
    private final String base;
    private String session;

    ChromeDriver(int width, int height) throws Exception {
        // chromedriver's listener binds the port beside the hold, which keeps it ours until close().
        port = HeldPort.forServer();
        profile = Files.createTempDirectory("vigil-chromium-");
        driver = new ProcessBuilder(RequiresChromium.Condition.find("chromedriver").toString(), "--port=" + port.port())
                .redirectErrorStream(true).redirectOutput(profile.resolve("chromedriver.log").toFile()).start();
        base = "http://127.0.0.1:" + port.port();
        try {
            waitUntilReady();
            ObjectNode caps = JSON.createObjectNode();
            ObjectNode chrome = caps.putObject("capabilities").putObject("alwaysMatch").putObject("goog:chromeOptions");
            chrome.put("binary", RequiresChromium.Condition.find("chromium").toString());
            var args = chrome.putArray("args");
            for (String a : List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--user-data-dir=" + profile.resolve("profile"),
                    "--window-size=" + width + "," + height)) {
                args.add(a);
            }
            session = call("POST", "/session", caps).at("/value/sessionId").asText();
        } catch (Exception e) {
            close();
            throw e;
        }
    }

    private void waitUntilReady() throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try {
                if (call("GET", "/status", null).at("/value/ready").asBoolean()) return;
            } catch (IOException notYet) {
                // chromedriver still starting
            }
            if (System.nanoTime() > end || !driver.isAlive()) {
                throw new IllegalStateException("chromedriver did not start: " + Files.readString(profile.resolve("chromedriver.log")));
            }
            Thread.sleep(100);
        }
    }

    private JsonNode call(String method, String path, JsonNode body) throws Exception {
        var request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode node = JSON.readTree(r.body());
        if (r.statusCode() != 200) throw new IllegalStateException("WebDriver " + method + " " + path + ": " + r.body());
        return node;
    }

    void navigate(String url) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("url", url);
        call("POST", "/session/" + session + "/url", body);
    }

    /** Runs {@code script} (a function body that may {@code return}) in the page and gives its result. */
    JsonNode execute(String script) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("script", script);
        body.putArray("args");
        return call("POST", "/session/" + session + "/execute/sync", body).get("value");
    }

    void resize(int width, int height) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("width", width).put("height", height);
        call("POST", "/session/" + session + "/window/rect", body);
    }

    void screenshot(Path file) throws Exception {
        String png = call("GET", "/session/" + session + "/screenshot", null).get("value").asText();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(png));
    }

    @Override
    public void close() {
        try {
            if (session != null) call("DELETE", "/session/" + session, null);
        } catch (Exception ignored) {
            // chromedriver may be gone; the processes are ended below either way
        }
        driver.descendants().forEach(ProcessHandle::destroyForcibly);
        driver.destroyForcibly();
        try {
            driver.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            port.close();
        } catch (IOException ignored) {
            // closing a bound socket does not fail in practice
        }
        try (Stream<Path> files = Files.walk(profile)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
