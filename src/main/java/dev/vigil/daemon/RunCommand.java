package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.linux.ChildProcesses;
import dev.vigil.report.AdminServer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vigil run -f FILE}: runs the node in the foreground until SIGTERM/SIGINT; SIGHUP reloads.
 * Unknown keywords are logged and skipped, as keepalived does; any other error refuses to start.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the node in the foreground (SIGHUP reloads, SIGTERM stops gracefully).")
final class RunCommand implements Callable<Integer> {

    private static final Duration REAP_INTERVAL = Duration.ofSeconds(1);

    @Mixin
    ConfigFileOptions configFile;

    @Option(names = "--admin", paramLabel = "HOST:PORT",
            description = "Admin API, metrics and dashboard address (default: vigil_admin, else 127.0.0.1:9180).")
    @Nullable String admin;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "On stop, how long established connections may finish (default: ${DEFAULT-VALUE}).")
    long drainSeconds;

    @Override
    public Integer call() {
        ParseOptions options = configFile.apply(ParseOptions.defaults().withUnknownKeywordsAreErrors(false));
        Optional<InetSocketAddress> adminAddress;
        try {
            adminAddress = Optional.ofNullable(admin).map(AdminServer::parseAddress);
        } catch (IllegalArgumentException e) {
            System.err.println("vigil run: --admin: " + e.getMessage());
            return 2;
        }
        ParseResult parsed = ConfigParser.parse(configFile.file, options);
        parsed.diagnostics().forEach(Node::log);
        if (parsed.hasErrors() || parsed.config().isEmpty()) {
            System.err.println("vigil run: " + configFile.file + " has errors; not starting");
            return 1;
        }
        NodeConfig config = parsed.config().get();
        return runUntilStopped(configFile.file, options, config, adminAddress, Duration.ofSeconds(drainSeconds));
    }

    /** Starts a node, serves until a stop signal, stops it gracefully. Shared with {@code vigil demo}. */
    static int runUntilStopped(Path file, ParseOptions options, NodeConfig config,
                               Optional<InetSocketAddress> adminAddress, Duration drain) {
        // Before any script runs: what scripts leave behind is re-parented to Vigil and reaped.
        try (var _ = ChildProcesses.startReaping(REAP_INTERVAL)) {
            return serve(file, options, config, adminAddress, drain);
        }
    }

    private static int serve(Path file, ParseOptions options, NodeConfig config,
                             Optional<InetSocketAddress> adminAddress, Duration drain) {
        Node node;
        try {
            RequiredCapabilities.check(config);
            node = Node.start(file, options, config, adminAddress);
        } catch (StartupException e) {
            System.err.println("vigil run: " + e.getMessage());
            return 1;
        }
        Signals signals = Signals.install();
        var systemd = SystemdLink.start();
        systemd.ready();
        return signals.dispatch(new Signals.Target() {
            @Override
            public void reload() {
                systemd.reloading();
                try {
                    node.reload();
                } finally {
                    systemd.ready();
                }
            }

            @Override
            public void stop() {
                systemd.stopping();
                node.stop(drain);
                systemd.close();
            }
        });
    }
}
