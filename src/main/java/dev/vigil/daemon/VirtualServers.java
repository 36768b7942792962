package dev.vigil.daemon;

import dev.vigil.balance.VirtualService;
import dev.vigil.balance.VirtualServiceSnapshot;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.RealServer;
import dev.vigil.config.Script;
import dev.vigil.config.SourceErasure;
import dev.vigil.config.VirtualServer;
import dev.vigil.config.VirtualServerGroup;
import dev.vigil.forward.ForwardedService;
import dev.vigil.forward.ForwardingEngine;
import dev.vigil.health.CheckLatencyObserver;
import dev.vigil.health.HealthMonitor;
import dev.vigil.health.RealServerHealth;
import dev.vigil.report.RealServerState;
import dev.vigil.report.RealServerTransition;
import dev.vigil.report.Reporting;
import dev.vigil.report.SmtpAlertPolicy;
import dev.vigil.report.VirtualServerTransition;
import dev.vigil.script.ScriptRunner;
import org.jspecify.annotations.Nullable;
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
 * The running virtual servers: for each, its balancing table, where it is forwarded and one health
 * monitor per real server. {@link #apply} moves them to a new configuration, touching only what
 * changed, so a reload keeps established connections, counters and the health of untouched real
 * servers; the forwarding engine is handed the whole new set at once.
 */
final class VirtualServers implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualServers.class);
    private static final Duration QUORUM_SCRIPT_TIMEOUT = Duration.ofSeconds(30);

    private final ForwardingEngine engine;
    private final ScriptRunner scripts;
    private final Reporting reporting;
    private final GlobalDefs globals;
    private final CheckLatencyObserver latency;
    private final Map<VirtualServer.Key, Served> served = new LinkedHashMap<>();
    /** The last health of every real server, for status pages and to alert on changes only. */
    private final Map<HealthKey, RealServerHealth> health = new ConcurrentHashMap<>();
    /** {@code proxy_maxconn} of global_defs as the engine has it. */
    private int nodeLimit;

    private record HealthKey(VirtualServer.Key virtualServer, InetSocketAddress realServer) {}

    /** One virtual server at run time. */
    private static final class Served {
        final VirtualService service;
        final Map<InetSocketAddress, HealthMonitor> monitors = new LinkedHashMap<>();
        VirtualServer config;
        ForwardedService forwarding;

        Served(VirtualServer config, NodeConfig node) {
            this.config = config;
            this.service = new VirtualService(config);
            this.forwarding = forwarding(service, config, node);
        }
    }

    VirtualServers(ForwardingEngine engine, ScriptRunner scripts, Reporting reporting, GlobalDefs globals) {
        this.engine = engine;
        this.scripts = scripts;
        this.reporting = reporting;
        this.globals = globals;
        this.latency = (vs, rs, kind, latency, ok) -> reporting.observeCheck(kind, latency, ok);
    }

    /** Starts the virtual servers of a first configuration. Returns the problems met (bind failures). */
    synchronized List<String> start(NodeConfig config) {
        for (VirtualServer vs : config.virtualServers()) add(vs, config);
        nodeLimit = config.global().proxyMaxconn();
        engine.limitConnections(nodeLimit);
        return engine.apply(forwarding());
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
                add(vs, config);
                done.add("added virtual server " + vs.key());
            } else {
                // A group's members may change without the virtual server's own block changing.
                s.forwarding = forwarding(s.service, vs, config);
                if (!sameMeaning(s.config, vs)) {
                    reconfigure(s, vs);
                    done.add("changed virtual server " + vs.key());
                }
            }
        }
        int limit = config.global().proxyMaxconn();
        if (limit != nodeLimit) {
            nodeLimit = limit;
            engine.limitConnections(limit);
            done.add("proxy_maxconn of the node is now " + (limit == 0 ? "unlimited" : limit));
        }
        done.addAll(engine.apply(forwarding()));
        return done;
    }

    private void add(VirtualServer vs, NodeConfig config) {
        Served s = new Served(vs, config);
        s.service.addTableListener((service, change) -> {
            if (change.quorumChanged()) quorumChanged(s, change.quorumUp());
        });
        served.put(vs.key(), s);
        for (RealServer rs : vs.realServers()) startMonitor(s, rs, Optional.empty());
    }

    private List<ForwardedService> forwarding() {
        return served.values().stream().map(s -> s.forwarding).toList();
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
                event -> healthChanged(s, event), RandomGenerator.getDefault(), latency, Clock.systemUTC(),
                System::nanoTime);
        s.monitors.put(endpoint(rs), m);
        m.start(previous.stream().toList());
    }

    private void healthChanged(Served s, RealServerHealth event) {
        InetSocketAddress at = endpoint(event.realServer());
        s.service.setHealth(at, event.alive(), event.weight());
        RealServerHealth before = health.put(new HealthKey(event.virtualServer(), at), event);
        if (before == null || before.state() == event.state()) return;
        var t = new RealServerTransition(event.virtualServer(), s.config.protocol(), at.getAddress(), at.getPort(),
                ReportedState.of(event.state()), event.reason(), event.at());
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
        return s.forwarding.addresses().contains(address);
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
            out.add(new ServedView(s.config, s.service.snapshot(System.nanoTime()), rs, s.forwarding.engine()));
        }
        return out;
    }

    /** A virtual server's configuration, balancing snapshot, the health of its real servers and its engine. */
    record ServedView(VirtualServer config, VirtualServiceSnapshot balance,
                      Map<InetSocketAddress, RealServerHealth> health, EngineChoice engine) {
        static RealServerState state(boolean drained, @Nullable RealServerHealth h) {
            if (drained) return RealServerState.DRAINED;
            return h == null ? RealServerState.UP : ReportedState.of(h.state());
        }
    }

    /** Stops accepting and checking; established connections carry on until the engine closes. */
    @Override
    public synchronized void close() {
        for (Served s : served.values()) stop(s);
        served.clear();
        engine.apply(List.of());
    }

    private static void stop(Served s) {
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

    /** Where a virtual server's clients arrive: its own address or mark, or every member of its group. */
    private static ForwardedService forwarding(VirtualService service, VirtualServer vs, NodeConfig config) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        List<Integer> marks = new ArrayList<>();
        switch (vs.key()) {
            case VirtualServer.ByAddress(var address, int port) -> addresses.add(new InetSocketAddress(address, port));
            case VirtualServer.ByFwmark(int mark) -> marks.add(mark);
            case VirtualServer.ByGroup(String name) -> {
                Optional<VirtualServerGroup> group = config.virtualServerGroup(name);
                for (var member : group.map(VirtualServerGroup::members).orElse(List.of())) {
                    switch (member) {
                        case VirtualServerGroup.AddressRange r -> addresses.addAll(expand(r));
                        case VirtualServerGroup.Fwmark m -> marks.add(m.mark());
                    }
                }
            }
        }
        return new ForwardedService(service, addresses, marks, EngineChoice.of(config, vs));
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
