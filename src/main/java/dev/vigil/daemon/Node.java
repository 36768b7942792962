package dev.vigil.daemon;

import dev.vigil.config.ConfigParser;
import dev.vigil.config.Diagnostic;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.SourceErasure;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.Engine;
import dev.vigil.config.VirtualIp;
import dev.vigil.config.VirtualServer;
import dev.vigil.forward.ForwardingEngine;
import dev.vigil.forward.KernelEngine;
import dev.vigil.forward.ProxyEngine;
import dev.vigil.forward.SplitEngine;
import dev.vigil.linux.LinuxPlatform;
import dev.vigil.report.AdminActions;
import dev.vigil.report.AdminServer;
import dev.vigil.report.ConnectionEntry;
import dev.vigil.report.ServerAddress;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.Reporting;
import dev.vigil.script.ScriptRunner;
import dev.vigil.report.SmtpAlertPolicy;
import dev.vigil.report.SyncTransition;
import dev.vigil.sync.ConnectionSync;
import dev.vigil.sync.ConntrackdProcess;
import dev.vigil.sync.SyncSettings;
import dev.vigil.sync.SyncedVrrpNetwork;
import dev.vigil.vrrp.LinuxVrrpNetwork;
import dev.vigil.vrrp.VrrpNetwork;
import dev.vigil.vrrp.VrrpNode;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;

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
    private final ForwardingEngine engine;
    private final VrrpNetworks networks;
    private volatile NodeConfig config;
    private volatile @Nullable Vrrp vrrp;
    /** The connection sync, started with the first VRRP network when the configuration asks for it. */
    private volatile @Nullable ConnectionSync sync;
    /** The configuration whose VIPs VRRP handles now (a reload sets it before VRRP changes). */
    private volatile NodeConfig vrrpConfig;
    // Set by the starting thread, read by admin request threads: volatile, and `ready` written last.
    private volatile @Nullable Reporting reporting;
    private volatile @Nullable VirtualServers virtualServers;
    private volatile boolean ready;

    /** Where VRRP runs: the host's own network, or a test's fake. */
    interface VrrpNetworks {
        VrrpNetwork open() throws IOException;

        VrrpNetworks HOST = () -> {
            LinuxPlatform.check();
            return LinuxVrrpNetwork.open();
        };
    }

    /**
     * VRRP and what feeds it; a reload changes it instance by instance. {@code trackScripts} is null while
     * the instances are open but not started.
     */
    private record Vrrp(VrrpNode node, VrrpNetwork network, VrrpNotifier notifier, @Nullable TrackScripts trackScripts)
            implements AutoCloseable {
        Vrrp withTrackScripts(TrackScripts t) {
            return new Vrrp(node, network, notifier, t);
        }

        @Override
        public void close() {
            if (trackScripts != null) trackScripts.close();
            node.shutdown();
            network.close();
        }
    }

    /** A reload's VRRP part, prepared: whatever could fail (root, interfaces, sockets, settings) has been done. */
    private interface VrrpChange {
        /** Returns what it did, one line per instance, script or group that changed. */
        List<String> apply();

        void abandon();

        VrrpChange NONE = new VrrpChange() {
            @Override
            public List<String> apply() {
                return List.of();
            }

            @Override
            public void abandon() {
            }
        };
    }

    private Node(Path configFile, ParseOptions parseOptions, NodeConfig config, VrrpNetworks networks) {
        this.configFile = configFile;
        this.parseOptions = parseOptions;
        this.config = config;
        this.vrrpConfig = config;
        this.networks = networks;
        this.scripts = new ScriptRunner(config.global());
        // Each engine starts when a virtual server first asks for it: a proxy-only node needs no root.
        this.engine = new SplitEngine(() -> new ProxyEngine(ProxyEngine.Options.fromSystemProperties()),
                () -> KernelEngine.start(KernelEngine.Options.HERE));
    }

    /** Starts a node; on failure everything started so far is stopped again. */
    static Node start(Path configFile, ParseOptions parseOptions, NodeConfig config,
                      Optional<InetSocketAddress> adminAddress) throws StartupException {
        return start(configFile, parseOptions, config, adminAddress, VrrpNetworks.HOST);
    }

    static Node start(Path configFile, ParseOptions parseOptions, NodeConfig config,
                      Optional<InetSocketAddress> adminAddress, VrrpNetworks networks) throws StartupException {
        Node node = new Node(configFile, parseOptions, config, networks);
        try {
            node.startParts(adminAddress);
            return node;
        } catch (StartupException e) {
            node.close();
            throw e;
        }
    }

    private void startParts(Optional<InetSocketAddress> adminAddress) throws StartupException {
        LOG.info("vigil {} starting: {} ({} virtual servers, {} VRRP instances)", Main.version(),
                configFile, config.virtualServers().size(), config.vrrpInstances().size());
        warnAboutConnectionSync(config);
        for (VirtualServer vs : config.virtualServers()) {
            LOG.info("virtual server {}: {} engine", vs.key(), EngineChoice.of(config, vs));
        }
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
        if (config.virtualServers().isEmpty()) LOG.info("forwarding nothing: no virtual servers");
        else LOG.info("forwarding with the {} engine", engine.name());
        if (!config.vrrpInstances().isEmpty()) vrrp = startVrrp(config);
        ready = true;
    }

    @Override
    public boolean ready() {
        return ready;
    }

    private String routerId() {
        return config.global().routerId().orElse(ParseOptions.shortHostName());
    }

    private Vrrp startVrrp(NodeConfig c) throws StartupException {
        Vrrp opened = openVrrp(c);
        try {
            return started(opened);
        } catch (IOException | RuntimeException e) {
            opened.close();
            throw new StartupException("VRRP cannot start: " + e.getMessage());
        }
    }

    /** The network and the instances with their channels open, not started: what can fail has failed here. */
    private Vrrp openVrrp(NodeConfig c) throws StartupException {
        VrrpNetwork network = null;
        VrrpNode node = null;
        try {
            network = withSync(networks.open(), c);
            VrrpNotifier notifier = new VrrpNotifier(c, scripts, Objects.requireNonNull(reporting), engine);
            node = new VrrpNode(c.vrrpInstances(), c.syncGroups(), c.vrrpScripts(), network, notifier);
            node.open();
            return new Vrrp(node, network, notifier, null);
        } catch (IOException | RuntimeException e) {
            if (node != null) node.close();
            if (network != null) network.close();
            // NativeException's messages already say what to do (root, capabilities, interface names).
            throw new StartupException("VRRP cannot start: " + e.getMessage());
        }
    }

    /**
     * The network VRRP gets: with {@code lvs_sync_daemon} and a kernel-engine virtual server, one through which a
     * takeover commits the synced connections before its first VIP (the conntrackd starts here, once).
     */
    private VrrpNetwork withSync(VrrpNetwork network, NodeConfig c) throws IOException {
        Optional<SyncSettings> wanted = SyncSettings.of(c);
        if (wanted.isEmpty() || !usesKernelEngine(c)) return network;
        try {
            ConnectionSync running = sync;
            if (running == null) {
                SyncSettings s = wanted.get();
                boolean v6 = s.peer().map(p -> p instanceof Inet6Address).orElse(s.group() instanceof Inet6Address);
                running = ConnectionSync.start(s, network.primaryAddress(s.interfaceName(), v6), vips(c), syncEvents());
                sync = running;
            }
            return new SyncedVrrpNetwork(network, running, a -> instanceOf(vrrpConfig, a));
        } catch (IOException | RuntimeException e) {
            network.close();
            throw new IOException("connection sync cannot start: " + e.getMessage(), e);
        }
    }

    /** A lost or returning sync goes where VRRP transitions go: metrics' listeners, the notify FIFOs, mail. */
    private ConntrackdProcess.Events syncEvents() {
        Reporting r = Objects.requireNonNull(reporting);
        return new ConntrackdProcess.Events() {
            @Override
            public void lost(String reason, long losses) {
                r.syncTransition(new SyncTransition(true, reason, losses, Optional.empty(), Clock.systemUTC().instant()),
                        SmtpAlertPolicy.forConnectionSync());
            }

            @Override
            public void back(Duration down) {
                ConnectionSync s = sync;
                long losses = s == null ? 0 : s.status().losses();
                r.syncTransition(new SyncTransition(false, "conntrackd answers again", losses, Optional.of(down),
                        Clock.systemUTC().instant()), SmtpAlertPolicy.forConnectionSync());
            }
        };
    }

    private static boolean usesKernelEngine(NodeConfig c) {
        return c.virtualServers().stream().anyMatch(vs -> EngineChoice.of(c, vs).engine() == Engine.KERNEL);
    }

    private static List<InetAddress> vips(NodeConfig c) {
        List<InetAddress> out = new ArrayList<>();
        c.vrrpInstances().forEach(i -> {
            i.virtualIps().forEach(v -> out.add(v.address()));
            i.excludedVirtualIps().forEach(v -> out.add(v.address()));
        });
        c.virtualServers().forEach(vs -> {
            if (vs.key() instanceof VirtualServer.ByAddress(var address, int port)) out.add(address);
        });
        return out;
    }

    private static Optional<String> instanceOf(NodeConfig c, InetAddress vip) {
        return c.vrrpInstances().stream().filter(i -> Stream.concat(i.virtualIps().stream(), i.excludedVirtualIps().stream())
                .map(VirtualIp::address).anyMatch(vip::equals)).map(i -> i.name()).findFirst();
    }

    private Vrrp started(Vrrp opened) throws IOException {
        opened.node().start();
        return opened.withTrackScripts(new TrackScripts(opened.node().trackedScripts(), scripts, opened.node()));
    }

    /** The article's {@code lvs_sync_daemon_interface} without a kernel engine: say plainly what the proxy cannot do. */
    private static void warnAboutConnectionSync(NodeConfig c) {
        if (SyncSettings.of(c).isPresent() && !usesKernelEngine(c)) {
            LOG.warn("lvs_sync_daemon: the proxy engine cannot carry open connections to another node; "
                    + "connections open through this node are lost if it fails, and clients reconnect");
        }
    }

    InetSocketAddress adminAddress() {
        return Objects.requireNonNull(reporting).admin().address();
    }

    StatusSnapshot status() {
        Vrrp v = vrrp;
        VirtualServers vs = virtualServers;
        ConnectionSync s = sync;
        return NodeStatus.of(routerId(), Duration.ofNanos(System.nanoTime() - startedNanos),
                v == null ? List.of() : v.node().status(), vs == null ? List.of() : vs.view(),
                engine.counters(), s == null ? Optional.empty() : Optional.of(s.status()));
    }

    @Override
    public List<ConnectionEntry> connections() {
        return engine.connections().stream().map(c -> new ConnectionEntry(c.protocol().name(),
                ConnectionEntry.endpoint(c.client()), ConnectionEntry.endpoint(c.virtual()),
                c.realServer().map(ConnectionEntry::endpoint), c.state().name(), c.idle())).toList();
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
        boolean matched = Objects.requireNonNull(virtualServers).setDrained(
                virtualServer.map(a -> new InetSocketAddress(a.address(), a.port())),
                new InetSocketAddress(realServer.address(), realServer.port()), drained);
        if (matched) LOG.info("real server {} {} by the admin API", realServer, drained ? "drained" : "enabled");
        return matched;
    }

    /**
     * Re-reads the configuration file and applies it whole, or not at all: if it has errors, or its VRRP
     * part cannot start (no root, a missing interface), the running configuration stays in force, all of
     * it, and the next reload tries again. Never throws: it runs on the thread that handles signals and on
     * admin request threads.
     */
    @Override
    public synchronized ReloadResult reload() {
        LOG.info("reloading {}", configFile);
        try {
            return reloadFile();
        } catch (Throwable t) {
            LOG.error("reload failed: {}; still running the previous configuration", t.toString(), t);
            return new ReloadResult(false, "reload failed (" + t + "); still running the previous configuration",
                    List.of());
        }
    }

    private ReloadResult reloadFile() {
        ParseResult parsed = ConfigParser.parse(configFile, parseOptions);
        parsed.diagnostics().forEach(d -> log(d));
        if (parsed.hasErrors() || parsed.config().isEmpty()) {
            LOG.error("reload refused: {} error(s); still running the previous configuration", parsed.errors().size());
            return new ReloadResult(false, "configuration has errors; still running the previous one",
                    parsed.errors().stream().map(Diagnostic::toString).toList());
        }
        NodeConfig next = parsed.config().get();
        NodeConfig before = config;
        VrrpChange vrrpChange;
        try {
            vrrpChange = prepareVrrp(next);
        } catch (StartupException e) {
            String message = e.getMessage() + "; still running the previous configuration";
            LOG.error("reload refused: {}", message);
            return new ReloadResult(false, message, List.of());
        }
        List<String> done = new ArrayList<>();
        try {
            done.addAll(Objects.requireNonNull(virtualServers).apply(next));
        } catch (RuntimeException | Error e) {
            vrrpChange.abandon();
            rollBackVirtualServers(before, e);
            throw e;
        }
        try {
            done.addAll(vrrpChange.apply());
        } catch (RuntimeException | Error e) {
            rollBackVirtualServers(before, e);
            LOG.error("reload failed while VRRP changed: {}; virtual servers are back on the previous configuration,"
                    + " VRRP may be partly changed (see vigil status)", e.toString(), e);
            return new ReloadResult(false, "VRRP failed to change (" + e + "); virtual servers are back on the previous"
                    + " configuration, VRRP may be partly changed (see vigil status)", List.of());
        }
        config = next;
        if (!SourceErasure.erase(before).global().equals(SourceErasure.erase(next).global())) {
            done.add("global_defs changed: mail, admin and script settings take effect at the next restart");
        }
        String summary = done.isEmpty() ? "nothing changed" : String.join("; ", done);
        LOG.info("reload applied: {}", summary);
        return new ReloadResult(true, summary, List.of());
    }

    private void rollBackVirtualServers(NodeConfig before, Throwable cause) {
        try {
            Objects.requireNonNull(virtualServers).apply(before);
        } catch (RuntimeException | Error e) {
            cause.addSuppressed(e);
        }
    }

    /** Gets the VRRP part of a reload ready; throws, with nothing changed, when it cannot be applied. */
    private VrrpChange prepareVrrp(NodeConfig next) throws StartupException {
        Vrrp running = vrrp;
        if (sameVrrp(config, next)) return VrrpChange.NONE;
        if (running == null) {
            if (next.vrrpInstances().isEmpty()) return VrrpChange.NONE;
            Vrrp opened = openVrrp(next);
            return new VrrpChange() {
                @Override
                public List<String> apply() {
                    try {
                        vrrpConfig = next;
                        vrrp = started(opened);
                    } catch (IOException e) {
                        opened.close();
                        throw new UncheckedIOException(e);
                    }
                    return next.vrrpInstances().stream().map(i -> i.name() + ": added").toList();
                }

                @Override
                public void abandon() {
                    opened.close();
                }
            };
        }
        if (next.vrrpInstances().isEmpty()) {
            return new VrrpChange() {
                @Override
                public List<String> apply() {
                    List<String> done = running.node().status().stream().map(s -> s.name() + ": removed").toList();
                    vrrp = null;
                    running.close();
                    return done;
                }

                @Override
                public void abandon() {
                }
            };
        }
        VrrpNode.Reconfiguration change;
        try {
            change = running.node().prepare(next.vrrpInstances(), next.syncGroups(), next.vrrpScripts());
        } catch (IOException | RuntimeException e) {
            throw new StartupException("VRRP cannot start: " + e.getMessage());
        }
        return new VrrpChange() {
            @Override
            public List<String> apply() {
                boolean newScripts = change.scriptsChange();
                running.notifier().use(next);
                vrrpConfig = next;
                List<String> done = change.apply();
                if (newScripts) {
                    TrackScripts old = running.trackScripts();
                    if (old != null) old.close();
                    vrrp = running.withTrackScripts(new TrackScripts(running.node().trackedScripts(), scripts,
                            running.node()));
                }
                return done;
            }

            @Override
            public void abandon() {
                change.abandon();
            }
        };
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
        closeSync();
        if (virtualServers != null) virtualServers.close();
        engine.close(drain);
        close();
    }

    /** After VRRP released the VIPs (its -t -n are sent first): conntrackd stops and its files go. */
    private void closeSync() {
        ConnectionSync s = sync;
        sync = null;
        if (s != null) s.close();
    }

    @Override
    public void close() {
        Vrrp v = vrrp;
        vrrp = null;
        if (v != null) v.close();
        closeSync();
        if (virtualServers != null) virtualServers.close();
        engine.close();
        if (reporting != null) reporting.close();
        scripts.close();
    }
}
