package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.exchange.ExchangeTestServer;
import dev.vigil.report.AdminServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vigil demo}: the README's first command. A virtual server on loopback in front of three test
 * Exchange servers, checked with EXCHANGE_CHECK, with the dashboard; no root, no network. Lines typed
 * on stdin switch the test servers' services, so a user can watch a server leave and come back.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Vigil on loopback in front of three test Exchange servers (no root needed).")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "8443", description = "Virtual server port on 127.0.0.1 (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Dashboard and admin API (default: ${DEFAULT-VALUE}).")
    String admin = "127.0.0.1:" + AdminServer.DEFAULT_PORT;

    @Override
    public Integer call() throws IOException {
        List<ExchangeTestServer> servers = new ArrayList<>();
        Path dir = Files.createTempDirectory("vigil-demo");
        try {
            for (int i = 1; i <= 3; i++) {
                servers.add(ExchangeTestServer.start(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0), "ex" + i + ".demo.test"));
            }
            Path file = dir.resolve("keepalived.conf");
            Files.writeString(file, config(servers));
            ParseOptions options = ParseOptions.defaults();
            ParseResult parsed = ConfigParser.parse(file, options);
            parsed.diagnostics().forEach(Node::log);
            if (parsed.config().isEmpty()) return 1;
            printWelcome(file, servers);
            Thread.ofPlatform().daemon().name("demo-console").start(() -> console(servers));
            return RunCommand.runUntilStopped(file, options, parsed.config().get(),
                    Optional.of(dev.vigil.report.AdminServer.parseAddress(admin)), Duration.ofSeconds(2));
        } finally {
            servers.forEach(ExchangeTestServer::close);
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        }
    }

    private String config(List<ExchangeTestServer> servers) {
        StringBuilder rs = new StringBuilder();
        for (ExchangeTestServer s : servers) {
            rs.append("""
                        real_server 127.0.0.1 %d {
                            weight 1
                            EXCHANGE_CHECK {
                                services rpc mapi owa ecp ews oab eas autodiscover
                                attempts 3
                                policy all
                                connect_timeout 2
                            }
                        }
                    """.formatted(s.address().getPort()));
        }
        return """
                ! vigil demo: one virtual server in front of three test Exchange servers on loopback
                global_defs {
                    router_id vigil-demo
                    vigil_admin_token demo
                }
                virtual_server 127.0.0.1 %d {
                    delay_loop 3
                    lb_algo wlc
                    lb_kind NAT
                    protocol TCP
                %s}
                """.formatted(port, rs);
    }

    private void printWelcome(Path file, List<ExchangeTestServer> servers) {
        System.out.printf("""

                Vigil demo: virtual server https://127.0.0.1:%d/ balancing over three test Exchange servers
                (%s), each checked on all eight Exchange health pages every 3 s.

                  Dashboard:    http://%s/
                  Try:          curl -k https://127.0.0.1:%d/owa/        (answers with the server's name)
                                ./vigil status --admin %s
                  Configuration: %s

                Type a command here and watch the dashboard:
                  down ex2 owa     the OWA health page of ex2 answers 503: ex2 leaves the pool
                  up ex2 owa       it comes back
                  maintenance ex3  every page of ex3 answers 503: shown as MAINTENANCE and drained
                  back ex3         ex3 returns
                  Ctrl-C           stops everything

                """, port, String.join(", ", servers.stream().map(ExchangeTestServer::fqdn).toList()), admin, port,
                admin, file);
    }

    private static void console(List<ExchangeTestServer> servers) {
        var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            for (String line; (line = in.readLine()) != null; ) {
                String[] w = line.trim().split("\\s+", -1);
                if (w.length < 2) continue;
                Optional<ExchangeTestServer> server = servers.stream()
                        .filter(s -> s.fqdn().startsWith(w[1] + ".")).findFirst();
                if (server.isEmpty()) {
                    System.out.println("no server " + w[1] + " (ex1, ex2, ex3)");
                    continue;
                }
                String command = switch (w[0]) {
                    case "down" -> w.length > 2 ? "set " + w[2] + " unhealthy" : null;
                    case "up" -> w.length > 2 ? "set " + w[2] + " healthy" : null;
                    case "maintenance" -> "set all unhealthy";
                    case "back" -> "set all healthy";
                    default -> null;
                };
                System.out.println(command == null ? "commands: down SERVER SERVICE | up SERVER SERVICE | "
                        + "maintenance SERVER | back SERVER" : server.get().command(command));
            }
        } catch (IOException e) {
            // stdin closed: the demo runs on without a console
        }
    }
}
