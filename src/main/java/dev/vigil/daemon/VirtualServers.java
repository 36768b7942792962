package dev.vigil.daemon;

import dev.vigil.balance.VirtualService;
import dev.vigil.balance.VirtualServiceSnapshot;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.RealServer;
import dev.vigil.config.Script;
import dev.vigil.config.SourceErasure;
import dev.vigil.config.VirtualServer;
import dev.vigil.config.VirtualServerGroup;
import dev.vigil.forward.ProxyEngine;
import dev.vigil.forward.VirtualServerListener;
import dev.vigil.health.CheckLatencyObserver;
import dev.vigil.health.HealthMonitor;
import dev.vigil.health.HealthState;
import dev.vigil.health.RealServerHealth;
import dev.vigil.report.RealServerState;
import dev.vigil.report.RealServerTransition;
import dev.vigil.report.Reporting;
import dev.vigil.report.SmtpAlertPolicy;
import dev.vigil.report.VirtualServerTransition;
import dev.vigil.script.ScriptRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * The running virtual servers: for each, its balancing table, its listeners and one health monitor
 * per real server. {@link #apply} moves them to a new configuration, touching only what changed, so
 * a reload keeps established connections, counters and the health of untouched real servers.
 */
final class VirtualServers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualServers.class);
    private static final Duration QUORUM_SCRIPT_TIMEOUT = Duration.ofSeconds(30);

    private final ProxyEngine engine;
    private final ScriptRunner scripts;
    private final Reporting reporting;
    private final GlobalDefs globals;
    private final CheckLatencyObserver latency;
    private final Map<VirtualServer.Key, Served> served = new LinkedHashMap<>();
    /** The last health of every real server, for status pages and to alert on changes only. */
    private final Map<HealthKey, RealServerHealth> health = new ConcurrentHashMap<>();

    private record HealthKey(VirtualServer.Key virtualServer, InetSocketAddress realServer) {}

    /** One virtual server at run time. */
    private static final class Served {
        final VirtualService service;
        final List<VirtualServerListener> listeners = new ArrayList<>();
        final Map<InetSocketAddress, HealthMonitor> monitors = new LinkedHashMap<>();
        VirtualServer config;

        Served(VirtualServer config) {
            this.config = config;
            this.service = new VirtualService(config);
        }
    }

    VirtualServers(ProxyEngine engine, ScriptRunner scripts, Reporting reporting, GlobalDefs globals) {
        this.engine = engine;
        this.scripts = scripts;
        this.reporting = reporting;
        this.globals = globals;
        this.latency = (vs, rs, kind, latency, ok) -> reporting.observeCheck(kind, latency, ok);
    }

    /** Starts the virtual servers of a first configuration. Returns the problems met (bind failures). */
    synchronized List<String> start(NodeConfig config) {
        List<String> problems = new ArrayList<>();
        for (VirtualServer vs : config.virtualServers()) problems.addAll(add(vs, config));
        return problems;
    }

    /** Moves to {@code config}: removes, adds and changes virtual and real servers; returns what it did. */
    synchronized List<String> apply(NodeConfig config) {
        List<String> done = new ArrayList<>();
        Map<VirtualServer.Key, VirtualServer> wanted = new LinkedHashMap<>();
        for (VirtualServer vs : config.virtualServers()) wanted.put(vs.key(), vs);
        for (var it = served.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (wanted.containsKey(e.getKey())) continue;
            stop(e.getValue());
            health.keySet().removeIf(k -> k.virtualServer().equals(e.getKey()));
            it.remove();
            done.add("removed virtual server " + e.getKey());
        }
        for (VirtualServer vs : wanted.values()) {
            Served s = served.get(vs.key());
            if (s == null) {
                done.addAll(add(vs, config));
                done.add("added virtual server " + vs.key());
            } else if (!sameMeaning(s.config, vs)) {
                reconfigure(s, vs);
                done.add("changed virtual server " + vs.key());
            }
        }
        return done;
    }

    private List<String> add(VirtualServer vs, NodeConfig config) {
        Served s = new Served(vs);
        s.service.addQuorumListener((service, up) -> quorumChanged(s, up));
        List<String> problems = new ArrayList<>();
        for (InetSocketAddress address : listenAddresses(vs, config, problems)) {
            VirtualServerListener l = engine.open(s.service, address);
            l.failure().ifPresent(f -> problems.add("virtual server " + vs.key() + ": cannot listen on " + address
                    + ": " + f.getMessage()));
            s.listeners.add(l);
        }
        served.put(vs.key(), s);
        for (RealServer rs : vs.realServers()) startMonitor(s, rs, Optional.empty());
        return problems;
    }

    private void reconfigure(Served s, VirtualServer vs) {
        VirtualServer old = s.config;
        s.config = vs;
        s.service.reconfigure(vs);
        // Unchanged real servers keep their monitor; changed ones get a new one that starts from their health.
        Map<InetSocketAddress, RealServer> before = new LinkedHashMap<>();
        for (RealServer rs : old.realServers()) before.put(endpoint(rs), rs);
        boolean sameDefaults = old.checkTiming().equals(vs.checkTiming()) && old.virtualhost().equals(vs.virtualhost())
                && old.inhibitOnFailure() == vs.inhibitOnFailure();
        Map<InetSocketAddress, HealthMonitor> previous = new LinkedHashMap<>(s.monitors);
        s.monitors.clear();
        for (RealServer rs : vs.realServers()) {
            InetSocketAddress at = endpoint(rs);
            RealServer was = before.get(at);
            HealthMonitor monitor = previous.remove(at);
            if (monitor != null && sameDefaults && was != null && sameMeaning(was, rs)) {
                s.monitors.put(at, monitor);
                RealServerHealth h = health.get(new HealthKey(vs.key(), at));
                if (h != null) s.service.setHealth(at, h.alive(), h.weight());
            } else {
                if (monitor != null) monitor.close();
                startMonitor(s, rs, Optional.ofNullable(health.get(new HealthKey(vs.key(), at))));
            }
        }
        previous.values().forEach(HealthMonitor::close);
        for (InetSocketAddress at : previous.keySet()) health.remove(new HealthKey(vs.key(), at));
    }

    /** Starts checking a real server, from its {@code previous} health when a reload changed its checks. */
    private void startMonitor(Served s, RealServer rs, Optional<RealServerHealth> previous) {
        HealthMonitor m = new HealthMonitor(List.of(s.config.withRealServers(List.of(rs))), scripts,
                event -> healthChanged(s, event), RandomGenerator.getDefault(), latency, Clock.systemUTC());
        s.monitors.put(endpoint(rs), m);
        m.start(previous.stream().toList());
    }

    private void healthChanged(Served s, RealServerHealth event) {
        InetSocketAddress at = endpoint(event.realServer());
        s.service.setHealth(at, event.alive(), event.weight());
        RealServerHealth before = health.put(new HealthKey(event.virtualServer(), at), event);
        if (before == null || before.state() == event.state()) return;
        var t = new RealServerTransition(event.virtualServer(), s.config.protocol(), at.getAddress(), at.getPort(),
                switch (event.state()) {
                    case UP -> RealServerState.UP;
                    case DOWN -> RealServerState.DOWN;
                    case MAINTENANCE -> RealServerState.MAINTENANCE;
                }, event.reason(), event.at());
        reporting.realServerTransition(t, SmtpAlertPolicy.forRealServer(globals, s.config, event.realServer()));
    }

    private void quorumChanged(Served s, boolean up) {
        VirtualServer vs = s.config;
        LOG.warn("virtual server {}: quorum {}", vs.key(), up ? "gained" : "lost");
        Optional<Script> script = up ? vs.quorumUp() : vs.quorumDown();
        script.ifPresent(sc -> scripts.run(sc, QUORUM_SCRIPT_TIMEOUT));
        reporting.virtualServerTransition(new VirtualServerTransition(vs.key(), vs.protocol(), up,
                Clock.systemUTC().instant()), SmtpAlertPolicy.forVirtualServer(globals, vs));
    }

    /** Admin drain/enable of a real server in one virtual server or in all; true if any matched. */
    synchronized boolean setDrained(Optional<InetSocketAddress> virtualServer, InetSocketAddress realServer,
                                    boolean drained) {
        boolean matched = false;
        for (Served s : served.values()) {
            if (virtualServer.isPresent() && !servesAt(s, virtualServer.get())) continue;
            matched |= s.service.setDrained(realServer, drained);
        }
        return matched;
    }

    private static boolean servesAt(Served s, InetSocketAddress address) {
        if (s.config.key() instanceof VirtualServer.ByAddress(var a, int p)) {
            return a.equals(address.getAddress()) && p == address.getPort();
        }
        return s.listeners.stream().anyMatch(l -> l.localAddress().equals(address));
    }

    /** What each virtual server looks like now, in configuration order. */
    synchronized List<ServedView> view() {
        List<ServedView> out = new ArrayList<>();
        for (Served s : served.values()) {
            Map<InetSocketAddress, RealServerHealth> rs = new LinkedHashMap<>();
            for (RealServer r : s.config.realServers()) {
                RealServerHealth h = health.get(new HealthKey(s.config.key(), endpoint(r)));
                if (h != null) rs.put(endpoint(r), h);
            }
            out.add(new ServedView(s.config, s.service.snapshot(System.nanoTime()), rs));
        }
        return out;
    }

    /** A virtual server's configuration, balancing snapshot and the health of its real servers. */
    record ServedView(VirtualServer config, VirtualServiceSnapshot balance,
                      Map<InetSocketAddress, RealServerHealth> health) {
        static RealServerState state(boolean drained, RealServerHealth h) {
            if (drained) return RealServerState.DRAINED;
            if (h == null || h.state() == HealthState.UP) return RealServerState.UP;
            return h.state() == HealthState.MAINTENANCE ? RealServerState.MAINTENANCE : RealServerState.DOWN;
        }
    }

    /** Stops accepting and checking; established connections carry on until the engine closes. */
    @Override
    public synchronized void close() {
        for (Served s : served.values()) stop(s);
        served.clear();
    }

    private static void stop(Served s) {
        s.listeners.forEach(VirtualServerListener::close);
        s.monitors.values().forEach(HealthMonitor::close);
    }

    private static InetSocketAddress endpoint(RealServer rs) {
        return new InetSocketAddress(rs.address(), rs.port());
    }

    private static boolean sameMeaning(VirtualServer a, VirtualServer b) {
        return SourceErasure.server(a).equals(SourceErasure.server(b));
    }

    private static boolean sameMeaning(RealServer a, RealServer b) {
        return SourceErasure.real(a).equals(SourceErasure.real(b));
    }

    /** Where a virtual server listens: its own address, or every address of its group. */
    private static List<InetSocketAddress> listenAddresses(VirtualServer vs, NodeConfig config, List<String> problems) {
        return switch (vs.key()) {
            case VirtualServer.ByAddress(var address, int port) -> List.of(new InetSocketAddress(address, port));
            case VirtualServer.ByFwmark(int mark) -> {
                problems.add("virtual server fwmark " + mark + ": firewall marks need the kernel engine; not served");
                yield List.of();
            }
            case VirtualServer.ByGroup(String name) -> {
                List<InetSocketAddress> out = new ArrayList<>();
                Optional<VirtualServerGroup> group = config.virtualServerGroup(name);
                for (var member : group.map(VirtualServerGroup::members).orElse(List.of())) {
                    if (member instanceof VirtualServerGroup.AddressRange r) out.addAll(expand(r));
                    else problems.add("virtual server group " + name + ": fwmark members need the kernel engine");
                }
                yield out;
            }
        };
    }

    /** {@code 10.0.0.1-5 443}: the last byte runs from the first address's up to {@code last}'s. */
    private static List<InetSocketAddress> expand(VirtualServerGroup.AddressRange r) {
        if (r.last().isEmpty()) return List.of(new InetSocketAddress(r.first(), r.port()));
        byte[] first = r.first().getAddress();
        byte[] last = r.last().get().getAddress();
        int from = first[first.length - 1] & 0xff;
        int to = last[last.length - 1] & 0xff;
        List<InetSocketAddress> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            byte[] a = first.clone();
            a[a.length - 1] = (byte) i;
            try {
                out.add(new InetSocketAddress(InetAddress.getByAddress(a), r.port()));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen: a 4- or 16-byte array
            }
        }
        return out;
    }
}
