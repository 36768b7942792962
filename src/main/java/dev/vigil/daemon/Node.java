package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.SourceErasure;
import dev.vigil.forward.ProxyEngine;
import dev.vigil.linux.LinuxPlatform;
import dev.vigil.report.AdminActions;
import dev.vigil.report.AdminServer;
import dev.vigil.report.ServerAddress;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.Reporting;
import dev.vigil.script.ScriptRunner;
import dev.vigil.vrrp.LinuxVrrpNetwork;
import dev.vigil.vrrp.VrrpNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One running Vigil node: the only place that knows every part. Starts them in the order traffic
 * needs (listeners before VRRP, so the VIP is served the moment it arrives), applies reloads, and
 * stops them in the reverse order (VIP released first, then connections drained).
 */
final class Node implements AdminActions, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    private final Path configFile;
    private final ParseOptions parseOptions;
    private final long startedNanos = System.nanoTime();
    private final ScriptRunner scripts;
    private final ProxyEngine engine;
    private volatile NodeConfig config;
    private volatile Vrrp vrrp;
    private Reporting reporting;
    private VirtualServers virtualServers;

    /** VRRP and what feeds it; replaced whole when a reload changes any VRRP block. */
    private record Vrrp(VrrpNode node, TrackScripts trackScripts, LinuxVrrpNetwork network) implements AutoCloseable {
        @Override
        public void close() {
            trackScripts.close();
            node.shutdown();
            network.close();
        }
    }

    private Node(Path configFile, ParseOptions parseOptions, NodeConfig config) {
        this.configFile = configFile;
        this.parseOptions = parseOptions;
        this.config = config;
        this.scripts = new ScriptRunner(config.global());
        this.engine = new ProxyEngine();
    }

    /** Starts a node; on failure everything started so far is stopped again. */
    static Node start(Path configFile, ParseOptions parseOptions, NodeConfig config,
                      Optional<InetSocketAddress> adminAddress) throws StartupException {
        Node node = new Node(configFile, parseOptions, config);
        try {
            node.startParts(adminAddress);
            return node;
        } catch (StartupException e) {
            node.close();
            throw e;
        }
    }

    private void startParts(Optional<InetSocketAddress> adminAddress) throws StartupException {
        LOG.info("vigil {} starting: {} ({} virtual servers, {} VRRP instances, {} transport)", Main.version(),
                configFile, config.virtualServers().size(), config.vrrpInstances().size(), engine.transport());
        warnAboutConnectionSync(config);
        GlobalDefs globals = config.global();
        try {
            reporting = Reporting.start(globals, routerId(), adminAddress, this::status, this);
        } catch (IOException e) {
            throw new StartupException("cannot open the admin endpoint on "
                    + AdminServer.bindAddress(adminAddress, globals) + ": " + e.getMessage()
                    + " (choose another with --admin HOST:PORT or vigil_admin)");
        }
        virtualServers = new VirtualServers(engine, scripts, reporting, globals);
        List<String> problems = virtualServers.start(config);
        if (!problems.isEmpty()) throw new StartupException(String.join("\n", problems));
        if (!config.vrrpInstances().isEmpty()) vrrp = startVrrp(config);
    }

    private String routerId() {
        return config.global().routerId().orElse(ParseOptions.shortHostName());
    }

    private Vrrp startVrrp(NodeConfig c) throws StartupException {
        try {
            LinuxPlatform.check();
            LinuxVrrpNetwork network = LinuxVrrpNetwork.open();
            VrrpNode node = new VrrpNode(c.vrrpInstances(), c.syncGroups(), c.vrrpScripts(), network,
                    new VrrpNotifier(c, scripts, reporting, engine));
            try {
                node.start();
            } catch (IOException | RuntimeException e) {
                node.close();
                network.close();
                throw e;
            }
            return new Vrrp(node, new TrackScripts(node.trackedScripts(), scripts, node), network);
        } catch (IOException | RuntimeException e) {
            // NativeException's messages already say what to do (root, capabilities, interface names).
            throw new StartupException("VRRP cannot start: " + e.getMessage());
        }
    }

    /** The article's {@code lvs_sync_daemon_interface}: say plainly what the proxy engine cannot do. */
    private static void warnAboutConnectionSync(NodeConfig c) {
        boolean wanted = c.global().lvsSyncDaemon().isPresent()
                || c.vrrpInstances().stream().anyMatch(i -> i.lvsSyncDaemonInterface().isPresent());
        if (wanted) {
            LOG.warn("lvs_sync_daemon: the proxy engine cannot carry open connections to another node; "
                    + "connections open through this node are lost if it fails, and clients reconnect");
        }
    }

    InetSocketAddress adminAddress() {
        return reporting.admin().address();
    }

    StatusSnapshot status() {
        Vrrp v = vrrp;
        VirtualServers vs = virtualServers;
        return NodeStatus.of(routerId(), Duration.ofNanos(System.nanoTime() - startedNanos),
                v == null ? List.of() : v.node().status(), vs == null ? List.of() : vs.view(),
                engine.counters().snapshot());
    }

    @Override
    public boolean drain(Optional<ServerAddress> virtualServer, ServerAddress realServer) {
        return setDrained(virtualServer, realServer, true);
    }

    @Override
    public boolean enable(Optional<ServerAddress> virtualServer, ServerAddress realServer) {
        return setDrained(virtualServer, realServer, false);
    }

    private boolean setDrained(Optional<ServerAddress> virtualServer, ServerAddress realServer, boolean drained) {
        boolean matched = virtualServers.setDrained(
                virtualServer.map(a -> new InetSocketAddress(a.address(), a.port())),
                new InetSocketAddress(realServer.address(), realServer.port()), drained);
        if (matched) LOG.info("real server {} {} by the admin API", realServer, drained ? "drained" : "enabled");
        return matched;
    }

    /** Re-reads the configuration file; applies it if valid, else keeps running the old one. */
    @Override
    public synchronized ReloadResult reload() {
        LOG.info("reloading {}", configFile);
        ParseResult parsed = ConfigParser.parse(configFile, parseOptions);
        parsed.diagnostics().forEach(d -> log(d));
        if (parsed.hasErrors() || parsed.config().isEmpty()) {
            LOG.error("reload refused: {} error(s); still running the previous configuration", parsed.errors().size());
            return new ReloadResult(false, "configuration has errors; still running the previous one",
                    parsed.errors().stream().map(Diagnostic::toString).toList());
        }
        NodeConfig next = parsed.config().get();
        NodeConfig before = config;
        List<String> done = new ArrayList<>(virtualServers.apply(next));
        config = next;
        if (!sameVrrp(before, next)) {
            Vrrp old = vrrp;
            vrrp = null;
            if (old != null) old.close();
            if (!next.vrrpInstances().isEmpty()) {
                try {
                    vrrp = startVrrp(next);
                } catch (StartupException e) {
                    LOG.error("{}", e.getMessage());
                    return new ReloadResult(false, e.getMessage(), List.of());
                }
            }
            done.add("restarted VRRP with the new instances");
        }
        if (!SourceErasure.erase(before).global().equals(SourceErasure.erase(next).global())) {
            done.add("global_defs changed: mail, admin and script settings take effect at the next restart");
        }
        String summary = done.isEmpty() ? "nothing changed" : String.join("; ", done);
        LOG.info("reload applied: {}", summary);
        return new ReloadResult(true, summary, List.of());
    }

    private static boolean sameVrrp(NodeConfig a, NodeConfig b) {
        NodeConfig x = SourceErasure.erase(a);
        NodeConfig y = SourceErasure.erase(b);
        return x.vrrpInstances().equals(y.vrrpInstances()) && x.syncGroups().equals(y.syncGroups())
                && x.vrrpScripts().equals(y.vrrpScripts());
    }

    static void log(Diagnostic d) {
        if (d.isError()) LOG.error("{}", d);
        else LOG.warn("{}", d);
    }

    /**
     * Graceful stop: release the VIPs (priority 0, so the backup takes over after its skew time), stop
     * accepting, let connections finish until {@code drain}, then stop the rest.
     */
    void stop(Duration drain) {
        LOG.info("stopping: releasing VIPs, draining connections for up to {} s", drain.toSeconds());
        Vrrp v = vrrp;
        vrrp = null;
        if (v != null) v.close();
        if (virtualServers != null) virtualServers.close();
        engine.close(drain);
        close();
    }

    @Override
    public void close() {
        Vrrp v = vrrp;
        vrrp = null;
        if (v != null) v.close();
        if (virtualServers != null) virtualServers.close();
        engine.close();
        if (reporting != null) reporting.close();
        scripts.close();
    }
}
