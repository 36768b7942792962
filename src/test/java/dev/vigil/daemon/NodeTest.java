package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.report.AdminActions.ReloadResult;
import dev.vigil.report.RealServerState;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** A whole node on loopback (no VRRP): real TCP clients, real servers, reloads while traffic flows. */
@ComponentTest
class NodeTest {
    @TempDir
    Path dir;
    private final List<AutoCloseable> closeLater = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeLater.reversed()) c.close();
    }

    private NamedEchoServer server(String name) throws IOException {
        NamedEchoServer s = new NamedEchoServer(name);
        closeLater.add(s);
        return s;
    }

    /** The virtual server's port, held until the test ends: the node's listener binds it beside the hold. */
    private int heldPort() throws IOException {
        HeldPort port = HeldPort.forServer();
        closeLater.add(port);
        return port.port();
    }

    private static String config(int vipPort, Map<Integer, Integer> realServerWeights) {
        StringBuilder rs = new StringBuilder();
        realServerWeights.forEach((port, weight) ->
                rs.append("    real_server 127.0.0.1 ").append(port).append(" {\n        weight ").append(weight)
                        .append("\n    }\n"));
        return "global_defs {\n    router_id node-test\n}\nvirtual_server 127.0.0.1 " + vipPort
                + " {\n    lb_algo wlc\n    protocol TCP\n" + rs + "}\n";
    }

    private Node start(Path file) throws Exception {
        NodeConfig config = ConfigParser.parse(file, ParseOptions.defaults()).config().orElseThrow();
        Node node = Node.start(file, ParseOptions.defaults(), config, Optional.of(new InetSocketAddress("127.0.0.1", 0)));
        closeLater.add(node);
        return node;
    }

    /** One short client connection: returns the real server's name, after an echo round trip. */
    static String shortConnection(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
            String name = in.readLine();
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
            if (!"ping".equals(in.readLine())) throw new IOException("echo lost");
            return name;
        }
    }

    @Test
    void reloadUnderLoadDropsNoConnectionAndAppliesWeightsAdditionsAndRemovals() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        NamedEchoServer c = server("c");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(b.port(), 1)));
        Node node = start(file);

        ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        closeLater.add(pool::shutdownNow);
        // A long transfer through b, which the reload removes: it must finish intact.
        byte[] payload = new byte[8 << 20];
        new Random(7).nextBytes(payload);
        Future<String> longTransfer = pool.submit(() -> {
            try (Socket s = new Socket("127.0.0.1", vip)) {
                s.setSoTimeout(30_000);
                var in = s.getInputStream();
                StringBuilder name = new StringBuilder();
                for (int ch; (ch = in.read()) != '\n'; ) name.append((char) ch);
                Future<byte[]> echoed = Executors.newVirtualThreadPerTaskExecutor().submit(() -> in.readNBytes(payload.length));
                OutputStream out = s.getOutputStream();
                for (int off = 0; off < payload.length; off += 64 << 10) {
                    out.write(payload, off, 64 << 10);
                    Thread.sleep(5);
                }
                s.shutdownOutput();
                byte[] back = echoed.get(30, TimeUnit.SECONDS);
                return name + ":" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(back));
            }
        });
        // Many short connections before, during and after the reload.
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger failures = new AtomicInteger();
        Map<String, AtomicInteger> afterReload = new ConcurrentHashMap<>();
        AtomicBoolean reloaded = new AtomicBoolean();
        List<Future<?>> clients = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            clients.add(pool.submit(() -> {
                while (running.get()) {
                    try {
                        boolean after = reloaded.get();
                        String name = shortConnection(vip);
                        if (after) afterReload.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
                    } catch (IOException e) {
                        failures.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        Thread.sleep(500);
        Files.writeString(file, config(vip, Map.of(a.port(), 3, c.port(), 1)));
        ReloadResult result = node.reload();
        reloaded.set(true);
        Thread.sleep(1500);
        running.set(false);
        for (Future<?> f : clients) f.get(30, TimeUnit.SECONDS);

        assertThat(result.applied()).as(result.message()).isTrue();
        assertThat(failures.get()).as("failed short connections").isZero();
        String expected = "b:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(payload));
        assertThat(longTransfer.get(60, TimeUnit.SECONDS)).isEqualTo(expected);
        assertThat(afterReload).containsOnlyKeys("a", "c");
        StatusSnapshot status = node.status();
        assertThat(status.virtualServers().getFirst().realServers())
                .extracting(StatusSnapshot.RealServer::port, StatusSnapshot.RealServer::weight)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(a.port(), 3),
                        org.assertj.core.groups.Tuple.tuple(c.port(), 1));
    }

    @Test
    void anInvalidReloadKeepsTheRunningConfigurationAndNamesThePosition() throws Exception {
        NamedEchoServer a = server("a");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(a.port(), 1)));
        Node node = start(file);
        Files.writeString(file, config(vip, Map.of(a.port(), 1)).replace("lb_algo wlc", "lb_algo wlcx"));

        ReloadResult result = node.reload();

        assertThat(result.applied()).isFalse();
        assertThat(result.errors()).anySatisfy(e -> assertThat(e).startsWith(file + ":5:13: error:").contains("wlcx"));
        assertThat(shortConnection(vip)).isEqualTo("a");
        assertThat(node.status().virtualServers().getFirst().scheduler()).isEqualTo("wlc");
    }

    /** The review's SIGHUP with a 600 KB file of definitions that expand to 30 GB. */
    @Test
    void aDefinitionBombIsRefusedWithOnePositionedErrorAndTheNextGoodFileApplies() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(a.port(), 1)));
        Node node = start(file);
        Files.writeString(file, "$A=" + "x ".repeat(150_000) + "\n$B=" + "$A ".repeat(100_000) + "\n"
                + config(vip, Map.of(b.port(), 1)).replace("router_id node-test", "router_id $B"));

        ReloadResult refused = node.reload();

        assertThat(refused.applied()).isFalse();
        assertThat(refused.errors()).containsExactly(file + ":4:15: error: $B expands past the 2 MiB that definitions"
                + " may add to a configuration (while expanding $A)");
        assertThat(shortConnection(vip)).isEqualTo("a");
        Files.writeString(file, config(vip, Map.of(b.port(), 1)));
        assertThat(node.reload().applied()).isTrue();
        assertThat(shortConnection(vip)).isEqualTo("b");
    }

    @Test
    void drainStopsNewConnectionsToARealServerAndEnableBringsThemBack() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(a.port(), 1, b.port(), 1)));
        Node node = start(file);
        var aAddress = new dev.vigil.report.ServerAddress(java.net.InetAddress.getLoopbackAddress(), a.port());

        assertThat(node.drain(Optional.empty(), aAddress)).isTrue();
        for (int i = 0; i < 10; i++) assertThat(shortConnection(vip)).isEqualTo("b");
        assertThat(node.status().virtualServers().getFirst().realServers())
                .filteredOn(r -> r.port() == a.port()).extracting(StatusSnapshot.RealServer::state)
                .containsExactly(RealServerState.DRAINED);

        assertThat(node.enable(Optional.empty(), aAddress)).isTrue();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 10; i++) names.add(shortConnection(vip));
        assertThat(names).contains("a");
        // The engine's own counters reach a scrape: 20 clients went through it above.
        String metrics = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + node.adminAddress().getPort() + "/metrics")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
        var accepted = java.util.regex.Pattern.compile("(?m)^vigil_proxy_connections_accepted_total (\\S+)$").matcher(metrics);
        assertThat(accepted.find()).as(metrics).isTrue();
        assertThat(Double.parseDouble(accepted.group(1))).isGreaterThanOrEqualTo(20);
    }

    @Test
    void vigilReloadAppliesAChangeThroughTheAdminApiWithTheConfiguredToken() throws Exception {
        NamedEchoServer a = server("a");
        NamedEchoServer b = server("b");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        String withToken = "global_defs {\n    vigil_admin_token s3cret\n}\n";
        Files.writeString(file, withToken + config(vip, Map.of(a.port(), 1)));
        Node node = start(file);
        String admin = "127.0.0.1:" + node.adminAddress().getPort();
        Files.writeString(file, withToken + config(vip, Map.of(b.port(), 1)));

        var out = new java.io.StringWriter();
        var cli = Main.commandLine();
        cli.setOut(new java.io.PrintWriter(out));
        int exit = cli.execute("reload", "-f", file.toString(), "--admin", admin);

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).startsWith("vigil reload: applied: changed virtual server 127.0.0.1:" + vip);
        assertThat(shortConnection(vip)).isEqualTo("b");

        Files.writeString(file, config(vip, Map.of(b.port(), 1)).replace("lb_algo wlc", "lb_algo nope"));
        var err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        Files.writeString(dir.resolve("token"), "s3cret\n");
        exit = cli.execute("reload", "-f", file.toString(), "--admin", admin, "--token-file",
                dir.resolve("token").toString());
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains(file + ":5:13: error: unknown lb_algo 'nope'").contains("refused");
    }

    @Test
    void theConnectionsTheEngineHoldsAreListedWithTheirRealServer() throws Exception {
        NamedEchoServer a = server("a");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(a.port(), 1)));
        Node node = start(file);
        assertThat(node.connections()).isEmpty();
        try (Socket s = new Socket("127.0.0.1", vip)) {
            s.setSoTimeout(10_000);
            assertThat(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine()).isEqualTo("a");
            assertThat(node.connections()).singleElement().satisfies(c -> {
                assertThat(c.protocol()).isEqualTo("TCP");
                assertThat(c.client()).isEqualTo("127.0.0.1:" + s.getLocalPort());
                assertThat(c.virtual()).isEqualTo("127.0.0.1:" + vip);
                assertThat(c.realServer()).contains("127.0.0.1:" + a.port());
                assertThat(c.state()).isEqualTo("ESTABLISHED");
            });
        }
    }

    @Test
    void stopReleasesTheListener() throws Exception {
        NamedEchoServer a = server("a");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        Files.writeString(file, config(vip, Map.of(a.port(), 1)));
        Node node = start(file);
        assertThat(shortConnection(vip)).isEqualTo("a");
        node.stop(Duration.ofSeconds(1));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> shortConnection(vip)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void proxyMaxconnOfGlobalDefsLimitsTheNodeAndAReloadChangesIt() throws Exception {
        NamedEchoServer a = server("a");
        int vip = heldPort();
        Path file = dir.resolve("keepalived.conf");
        String one = config(vip, Map.of(a.port(), 1)).replace("router_id node-test", "router_id node-test\n    proxy_maxconn 1");
        Files.writeString(file, one);
        Node node = start(file);
        try (Socket held = new Socket("127.0.0.1", vip)) {
            held.setSoTimeout(10_000);
            assertThat(held.getInputStream().read()).isEqualTo('a');
            assertThatRefused(vip);
            Files.writeString(file, one.replace("proxy_maxconn 1", "proxy_maxconn 2"));
            ReloadResult r = node.reload();
            assertThat(r.message()).contains("proxy_maxconn of the node is now 2");
            assertThat(shortConnection(vip)).isEqualTo("a");
        }
        assertThat(node.status().proxy().orElseThrow().refusedMaxconn()).isEqualTo(1);
    }

    private static void assertThatRefused(int port) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            assertThat(s.getInputStream().read()).as("refused over proxy_maxconn").isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            assertThat(reset.getMessage()).contains("reset");
        }
    }
}
