package dev.vigil.forward;

import dev.vigil.balance.RealServerState;
import dev.vigil.balance.SchedulerSlots;
import dev.vigil.balance.ServerTableChange;
import dev.vigil.balance.ServerTableListener;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.Protocol;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.linux.ConntrackEvents;
import dev.vigil.linux.ConntrackTable;
import dev.vigil.linux.NamespaceThread;
import dev.vigil.linux.NativeException;
import dev.vigil.linux.Nftables;
import dev.vigil.linux.Sysctl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The kernel engine: nftables NAT, as IPVS's {@code lb_kind NAT} does it. Vigil never touches a byte: it
 * keeps one table ({@link KernelRuleset}) in its network namespace, the same on every node whatever its VRRP
 * state, and the kernel DNATs each new connection to the real server the service's map names. Each
 * virtual service's table ({@link dev.vigil.balance.VirtualService#addTableListener}) is pushed into its
 * map the moment it changes, as one transaction; connections already open keep their conntrack entries,
 * so a server that goes down, is drained or loses its weight gets no new connections while its running
 * ones complete.
 *
 * <p>Each real server's connections and bytes are counted from conntrack's events into the service's own
 * counters, as IPVS counts them ({@link ConntrackAccounting}); {@link #connectionCounts} is the narrow view.
 *
 * <p>In this part of the kernel engine: TCP and UDP {@code IP PORT} services (port 0: every port), firewall
 * marks, IPv4 and IPv6, rr, wrr, sh, dh and mh ({@link SchedulerSlots}), lc, wlc, sed, nq, fo, ovf, twos, lblc and
 * lblcr (an eBPF selector that counts, and keeps lblc's and lblcr's state per VIP, {@link KernelSelectors}, for
 * VIP:port services), weights, health, drain, quorum, sorry
 * server, persistence, {@code vigil_snat}, the guard, uthreshold/lthreshold (the overload flag the accounting
 * sets pushes the table again). What needs more (DR/TUN, a counted scheduler on a fwmark or port-0 service) is refused by {@link #apply} with a line that says so, never approximated.
 */
public final class KernelEngine implements ForwardingEngine {
    private static final Logger LOG = LoggerFactory.getLogger(KernelEngine.class);
    private static final Duration DRAIN_POLL = Duration.ofMillis(100);
    /** How often the eBPF selectors are reconciled from conntrack and attached to new interfaces. */
    private static final Duration SELECTOR_PERIOD = Duration.ofSeconds(1);

    private final NamespaceThread thread;
    private final Nftables nft;
    private final ConntrackAccounting accounting;
    private final KernelSelectors selectors;
    private final Map<VirtualService, KernelService> served = new LinkedHashMap<>();
    /** Pushes the tables of services whose servers' overload flags changed, off the conntrack thread. */
    private final ExecutorService overloadPushes = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("vigil-kernel-overload").factory());
    /** Services whose push is queued: a burst of connections is one push. */
    private final Set<VirtualService> overloadPending = ConcurrentHashMap.newKeySet();
    /** Registered on every served virtual service: pushes each table it publishes into its map. */
    private final ServerTableListener listener = this::tableChanged;
    private int nextId = 1;
    private boolean ipv6Forwarding;
    private boolean warnedAboutLimit;
    private boolean closed;

    /**
     * Where the engine runs: a named network namespace (tests), or the process's own (a node); how it reads
     * conntrack's events for its accounting.
     */
    public record Options(Optional<String> namespace, ConntrackEvents.Options conntrack) {
        public static final Options HERE = new Options(Optional.empty());

        public Options(Optional<String> namespace) {
            this(namespace, ConntrackEvents.Options.DEFAULT);
        }
    }

    private KernelEngine(NamespaceThread thread, Nftables nft, ConntrackAccounting accounting) {
        this.thread = thread;
        this.nft = nft;
        this.accounting = accounting;
        this.selectors = new KernelSelectors(thread, SELECTOR_PERIOD);
        accounting.onOverload(this::overloadChanged);
    }

    /**
     * Loads the table (replacing one a crashed Vigil left), turns on IPv4 forwarding and conntrack's byte
     * accounting in the namespace, and starts counting connections from conntrack's events.
     *
     * @throws NativeException saying what is missing: Linux, root, nf_tables in the kernel, libnftables
     */
    public static KernelEngine start(Options options) throws NativeException {
        NamespaceThread thread = NamespaceThread.start(options.namespace(), "vigil-kernel-engine");
        Nftables nft;
        try {
            nft = Nftables.open(thread);
        } catch (NativeException | RuntimeException e) {
            thread.close();
            throw e;
        }
        try {
            try {
                nft.run(KernelRuleset.replaceTable());
            } catch (NativeException e) {
                throw new NativeException(startMessage(String.valueOf(e.getMessage())));
            }
            if (onThread(thread, () -> Sysctl.set("net.ipv4.ip_forward", "1"))) {
                LOG.info("kernel engine: turned on net.ipv4.ip_forward in {} (the kernel forwards what it NATs)",
                        thread.description());
            }
            if (onThread(thread, () -> Sysctl.set("net.netfilter.nf_conntrack_acct", "1"))) {
                LOG.info("kernel engine: turned on net.netfilter.nf_conntrack_acct in {} (bytes per real server "
                        + "come from conntrack's accounting)", thread.description());
            }
            ConntrackAccounting accounting = ConntrackAccounting.start(thread, options.conntrack());
            LOG.info("kernel engine: table {} loaded in {}", KernelRuleset.TABLE, thread.description());
            return new KernelEngine(thread, nft, accounting);
        } catch (NativeException | RuntimeException e) {
            nft.close();
            thread.close();
            throw e;
        }
    }

    /** nft's refusal of the first table, with what usually causes it. */
    static String startMessage(String nftMessage) {
        String m = nftMessage.toLowerCase(Locale.ROOT);
        String hint = m.contains("operation not permitted")
                ? "the kernel engine needs root (CAP_NET_ADMIN) to load its nftables table"
                : m.contains("not supported") || m.contains("no such file or directory")
                ? "the kernel lacks nf_tables or its NAT (CONFIG_NF_TABLES, CONFIG_NFT_NAT, CONFIG_NF_TABLES_INET)"
                : "the kernel engine cannot load its nftables table";
        return hint + ": " + nftMessage;
    }

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public synchronized List<String> apply(List<ForwardedService> services) {
        // A node's stop applies the empty set again after close: nothing left to remove.
        if (closed) {
            return services.stream().map(f -> "virtual server " + f.service().name() + ": the kernel engine is "
                    + "closed; not served").toList();
        }
        List<String> problems = new ArrayList<>();
        Map<VirtualService, ForwardedService> wanted = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>();
        for (ForwardedService f : services) {
            Optional<String> refused = refusal(f);
            List<String> own = dispatchKeys(f);
            Optional<String> clash = own.stream().filter(keys::contains).findFirst();
            if (refused.isEmpty() && clash.isPresent()) refused = Optional.of(clash.get() + " is already served");
            if (refused.isPresent()) {
                problems.add("virtual server " + f.service().name() + ": " + refused.get() + "; not served");
                continue;
            }
            keys.addAll(own);
            wanted.put(f.service(), f);
        }
        // One transaction: the dispatch maps are emptied first (a chain must lose its jumps before it goes),
        // then services are removed, added and changed, then the dispatch maps are filled again.
        StringBuilder removals = new StringBuilder();
        StringBuilder changes = new StringBuilder();
        Map<VirtualService, KernelService> next = new LinkedHashMap<>();
        Set<VirtualService> removed = new HashSet<>();
        for (var e : served.entrySet()) {
            ForwardedService f = wanted.get(e.getKey());
            if (f == null || !sameObjects(e.getValue().rules, f)) {
                removals.append(remove(e.getValue()));
                removed.add(e.getKey());
            }
        }
        int id = nextId;
        for (ForwardedService f : wanted.values()) {
            VirtualService service = f.service();
            KernelService old = removed.contains(service) ? null : served.get(service);
            KernelService replaced = removed.contains(service) ? served.get(service) : null;
            KernelService s;
            StringBuilder tx = new StringBuilder();
            if (old == null) {
                KernelRuleset.Service fresh = rules(id++, f);
                s = replaced == null ? new KernelService(fresh) : KernelService.replacing(fresh, replaced);
                tx.append(KernelRuleset.addService(s.rules));
            } else {
                s = new KernelService(rules(old.rules.id(), f), old);
            }
            Optional<String> problem = s.update(service.config(), service.table(), tx);
            if (problem.isEmpty() && s.rules.counted()) problem = select(service, s, f);
            if (problem.isPresent()) {
                problems.add("virtual server " + service.name() + ": " + problem.get() + "; not served");
                if (old != null) {
                    removals.append(remove(old));
                    removed.add(service);
                }
                continue;
            }
            changes.append(tx);
            next.put(service, s);
        }
        List<KernelRuleset.Service> rules = next.values().stream().map(s -> s.rules).toList();
        if (rules.stream().anyMatch(r -> r.family() == KernelRuleset.Family.IPV6)) ipv6Forwarding();
        try {
            nft.run(KernelRuleset.clearDispatch() + removals + changes + KernelRuleset.fillDispatch(rules));
        } catch (NativeException e) {
            problems.add("kernel engine: " + e.getMessage() + "; its table stays as it was");
            return problems;
        }
        nextId = id;
        selectors.retain(next.entrySet().stream().filter(e -> e.getValue().rules.counted()).map(Map.Entry::getKey)
                .collect(java.util.stream.Collectors.toSet()));
        for (VirtualService service : Set.copyOf(served.keySet())) {
            if (next.containsKey(service)) continue;
            service.removeTableListener(listener);
            served.remove(service);
        }
        for (var e : next.entrySet()) {
            e.getValue().commit();
            if (served.put(e.getKey(), e.getValue()) == null) e.getKey().addTableListener(listener);
        }
        // A table published between our read and the listener's registration is caught up here.
        for (VirtualService service : next.keySet()) tableChanged(service, service.table());
        Map<ConntrackAccounting.Key, VirtualService> counted = new HashMap<>();
        served.forEach((service, s) -> s.rules.addresses().forEach(a ->
                counted.put(ConntrackAccounting.Key.of(s.rules.protocol(), a), service)));
        accounting.serve(counted);
        return problems;
    }

    /** What a service's clients are told apart by: protocol and VIP:port, or family and mark. */
    private static List<String> dispatchKeys(ForwardedService f) {
        List<String> keys = new ArrayList<>();
        f.addresses().forEach(a -> keys.add(f.service().config().protocol() + " " + a));
        f.firewallMarks().forEach(m -> keys.add("fwmark " + m + " (" + family(f).nfproto + ")"));
        return keys;
    }

    private static String remove(KernelService s) {
        return KernelRuleset.removeService(s.rules, s.serverIndexes());
    }

    /**
     * Whether the table's objects for {@code rules} can carry {@code f}: the same protocol, family and
     * persistence, and marks or none (a server chain NATs TCP and UDP for a fwmark service).
     */
    private static boolean sameObjects(KernelRuleset.Service rules, ForwardedService f) {
        KernelRuleset.Service wanted = rules(rules.id(), f);
        return rules.protocol() == wanted.protocol() && rules.family() == wanted.family()
                && rules.persistence().equals(wanted.persistence())
                && rules.marks().isEmpty() == wanted.marks().isEmpty() && rules.counted() == wanted.counted();
    }

    /** Loads (or keeps) the eBPF selector of a service whose scheduler counts connections; or says why it cannot. */
    private Optional<String> select(VirtualService service, KernelService s, ForwardedService f) {
        KernelRuleset.Service rules = s.rules;
        List<InetSocketAddress> servers = service.table().realServers().stream().map(RealServerState::address).toList();
        var layout = new KernelSelector.Layout(rules.protocol(), rules.family() == KernelRuleset.Family.IPV6,
                f.addresses(), servers, s.marks(servers), KernelSelector.rule(service.config().scheduler()));
        try {
            selectors.serve(service, rules.name(), layout, service.table());
            return Optional.empty();
        } catch (NativeException e) {
            return Optional.of("its eBPF selector cannot start: " + e.getMessage());
        }
    }

    private static KernelRuleset.Service rules(int id, ForwardedService f) {
        VirtualServer config = f.service().config();
        Optional<KernelRuleset.Persistence> persistence = config.persistenceTimeout()
                .filter(d -> !d.isZero() && !d.isNegative())
                .map(d -> new KernelRuleset.Persistence(d, config.persistenceGranularity()));
        return new KernelRuleset.Service(id, config.protocol(), family(f), f.addresses(), f.firewallMarks(),
                config.engine().snat(), persistence, SchedulerSlots.counted(config.scheduler()));
    }

    /** The family of a service's addresses; of its real servers (then sorry server) when it has marks only. */
    private static KernelRuleset.Family family(ForwardedService f) {
        VirtualServer vs = f.service().config();
        Optional<InetAddress> first = f.addresses().stream().map(InetSocketAddress::getAddress).findFirst()
                .or(() -> vs.realServers().stream().map(RealServer::address).findFirst())
                .or(() -> vs.sorryServer().map(InetSocketAddress::getAddress));
        return first.map(KernelRuleset.Family::of).orElse(KernelRuleset.Family.IPV4);
    }

    /** Why this engine does not serve {@code f} as asked; empty when it does. */
    static Optional<String> refusal(ForwardedService f) {
        VirtualServer vs = f.service().config();
        if (f.addresses().isEmpty() && f.firewallMarks().isEmpty()) return Optional.of("no address or mark to serve");
        Optional<String> unsupported = KernelSupport.unsupported(vs);
        if (unsupported.isPresent()) return unsupported;
        if (SchedulerSlots.counted(vs.scheduler())
                && (!f.firewallMarks().isEmpty() || f.addresses().stream().anyMatch(a -> a.getPort() == 0))) {
            return Optional.of(KernelSupport.countedNeedsAPort(vs));
        }
        KernelRuleset.Family family = family(f);
        List<InetAddress> all = new ArrayList<>();
        f.addresses().forEach(a -> all.add(a.getAddress()));
        vs.realServers().stream().map(RealServer::address).forEach(all::add);
        vs.sorryServer().ifPresent(s -> all.add(s.getAddress()));
        vs.engine().snat().ifPresent(all::add);
        if (all.stream().anyMatch(a -> KernelRuleset.Family.of(a) != family)) {
            return Optional.of("the kernel engine NATs within one address family; this virtual server mixes IPv4 "
                    + "and IPv6 (addresses, real servers, sorry server or vigil_snat)");
        }
        return Optional.empty();
    }

    private void tableChanged(VirtualService service, ServerTableChange change) {
        synchronized (this) {
            if (closed) return;
            KernelService s = served.get(service);
            if (s == null) return;
            StringBuilder tx = new StringBuilder();
            Optional<String> problem = s.update(service.config(), change, tx);
            if (problem.isPresent()) {
                LOG.error("kernel engine: virtual server {}: {}; its map keeps the previous table", service.name(),
                        problem.get());
                return;
            }
            selectors.table(service, change);
            if (tx.isEmpty()) return;
            try {
                nft.run(tx.toString());
                s.commit();
            } catch (NativeException e) {
                LOG.error("kernel engine: virtual server {}: {}; its map keeps the previous table", service.name(),
                        e.getMessage());
            }
        }
    }

    /**
     * A real server of {@code service} crossed its uthreshold (or came back under lthreshold): its table is
     * pushed again, read now, so its slots (or its selector's weight) follow the overload flag as IPVS's
     * scheduler does. The flag is set as the connection that crosses the threshold is counted, from its NEW event.
     */
    private void overloadChanged(VirtualService service) {
        if (!overloadPending.add(service)) return;
        try {
            overloadPushes.execute(() -> {
                overloadPending.remove(service);
                tableChanged(service, service.table());
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            overloadPending.remove(service); // closed
        }
    }

    /**
     * Reconciles the eBPF selectors from conntrack now rather than at the next period (tests), their weights from
     * each service's table as it is now: an overload flag a test has seen change may still have its push queued.
     */
    void reconcileSelectors() {
        synchronized (this) {
            served.keySet().forEach(service -> selectors.table(service, service.table()));
        }
        selectors.tick();
    }

    private void ipv6Forwarding() {
        if (ipv6Forwarding) return;
        ipv6Forwarding = true;
        try {
            if (onThread(thread, () -> Sysctl.set("net.ipv6.conf.all.forwarding", "1"))) {
                LOG.info("kernel engine: turned on net.ipv6.conf.all.forwarding in {} for IPv6 virtual servers",
                        thread.description());
            }
        } catch (NativeException e) {
            LOG.error("kernel engine: {}; IPv6 virtual servers are not forwarded", e.getMessage());
        }
    }

    @Override
    public void limitConnections(int max) {
        synchronized (this) {
            if (max == 0 || warnedAboutLimit) return;
            warnedAboutLimit = true;
        }
        LOG.warn("proxy_maxconn {} of global_defs limits the proxy engine; the kernel engine does not limit "
                + "connections yet", max);
    }

    @Override
    public synchronized ForwardCounters.Snapshot counters() {
        if (closed) return ForwardCounters.Snapshot.ZERO;
        Map<String, Long> c;
        try {
            c = KernelRuleset.counters(nft.run("list counters table inet vigil"));
        } catch (NativeException e) {
            LOG.warn("kernel engine: cannot read its counters: {}", e.getMessage());
            return ForwardCounters.Snapshot.ZERO;
        }
        long accepted = 0, none = 0;
        for (KernelService s : served.values()) {
            accepted += c.getOrDefault(s.rules.name() + "_new", 0L);
            none += c.getOrDefault(s.rules.name() + "_none", 0L);
        }
        return new ForwardCounters.Snapshot(accepted, accounting.openConnections(), none, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                c.getOrDefault("guard_drops", 0L));
    }

    /**
     * The connections of every served virtual service, per real server, active and inactive as IPVS counts
     * them (from conntrack's events; reconciled with its table every few seconds).
     */
    public KernelConnectionCounts connectionCounts() {
        return accounting.counts();
    }

    /** Times the kernel dropped conntrack events for want of buffer (each followed by a resync). */
    public long conntrackOverruns() {
        return accounting.overruns();
    }

    /** {@code listener} hears of the counts after each reconciliation with conntrack's table. */
    public void addCountsListener(KernelConnectionCounts.Listener listener) {
        accounting.addListener(listener);
    }

    /**
     * The conntrack entries of connections to the served VIP:ports, read in the engine's namespace: an
     * operator's listing ({@code vigil status -c}), read whole only when asked, with each entry's remaining
     * timeout (which the events do not carry) for its idle time.
     */
    @Override
    public synchronized List<ForwardedConnection> connections() {
        if (closed || served.isEmpty()) return List.of();
        Map<String, Protocol> vips = new HashMap<>();
        // A marked connection is known by where it was sent: a real server of a fwmark service.
        Set<String> marked = new HashSet<>();
        for (KernelService s : served.values()) {
            for (InetSocketAddress a : s.rules.addresses()) vips.put(key(s.rules.l4(), a), s.rules.protocol());
            if (!s.rules.marks().isEmpty()) s.servers().forEach(a -> marked.add(key("", a)));
        }
        try {
            return onThread(thread, () -> {
                Timeouts timeouts = Timeouts.read();
                List<ForwardedConnection> out = new ArrayList<>();
                for (ConntrackTable.Entry e : ConntrackTable.read()) {
                    Protocol p = vips.get(key(e.protocol(), e.originalDestination()));
                    if (p == null) p = vips.get(key(e.protocol(), anyPort(e.originalDestination())));
                    if (p == null && marked(marked, e)) p = Protocol.valueOf(e.protocol().toUpperCase(Locale.ROOT));
                    if (p == null) continue;
                    out.add(connection(p, e, timeouts));
                }
                return out;
            });
        } catch (NativeException e) {
            LOG.warn("kernel engine: cannot read the connections: {}", e.getMessage());
            return List.of();
        }
    }

    /** A DNATed TCP or UDP entry whose reply comes from a fwmark service's real server (any port for port 0). */
    private static boolean marked(Set<String> marked, ConntrackTable.Entry e) {
        if (!e.protocol().equals("tcp") && !e.protocol().equals("udp")) return false;
        if (e.replySource().equals(e.originalDestination())) return false;
        return marked.contains(key("", e.replySource())) || marked.contains(key("", anyPort(e.replySource())));
    }

    private static InetSocketAddress anyPort(InetSocketAddress a) {
        return new InetSocketAddress(a.getAddress(), 0);
    }

    private static String key(String protocol, InetSocketAddress a) {
        return protocol + " " + KernelRuleset.literal(a.getAddress()) + " " + a.getPort();
    }

    static ForwardedConnection connection(Protocol p, ConntrackTable.Entry e, Timeouts timeouts) {
        // The reply comes from where the DNAT sent the connection; without a DNAT it comes from the VIP.
        Optional<InetSocketAddress> real = e.replySource().equals(e.originalDestination())
                ? Optional.empty() : Optional.of(e.replySource());
        ForwardedConnection.State state = switch (e.state().orElse(e.unreplied() ? "SYN_SENT" : "ESTABLISHED")) {
            case "SYN_SENT", "SYN_RECV", "SYN_SENT2", "NONE" -> ForwardedConnection.State.CONNECTING;
            case "ESTABLISHED" -> ForwardedConnection.State.ESTABLISHED;
            default -> ForwardedConnection.State.CLOSING;
        };
        long full = timeouts.of(e);
        Duration idle = Duration.ofSeconds(Math.max(0, full - e.remainingSeconds()));
        return new ForwardedConnection(p, e.originalSource(), e.originalDestination(), real, state, idle);
    }

    /**
     * conntrack's timeouts: a packet resets an entry's timer to its state's timeout, so the time since the
     * last packet is that timeout less what remains (to the second).
     */
    record Timeouts(Map<String, Long> tcp, long udp, long udpStream) {
        static Timeouts read() throws NativeException {
            Map<String, Long> tcp = new HashMap<>();
            for (String state : List.of("syn_sent", "syn_recv", "established", "fin_wait", "close_wait", "last_ack",
                    "time_wait", "close")) {
                tcp.put(state.toUpperCase(Locale.ROOT),
                        Long.parseLong(Sysctl.get("net.netfilter.nf_conntrack_tcp_timeout_" + state)));
            }
            return new Timeouts(tcp, Long.parseLong(Sysctl.get("net.netfilter.nf_conntrack_udp_timeout")),
                    Long.parseLong(Sysctl.get("net.netfilter.nf_conntrack_udp_timeout_stream")));
        }

        long of(ConntrackTable.Entry e) {
            if (e.state().isPresent()) return tcp.getOrDefault(e.state().get(), e.remainingSeconds());
            return e.assured() ? udpStream : udp;
        }
    }

    @Override
    public int addressesReleased(Collection<InetAddress> addresses) {
        // The conntrack entries stay: the table is the same on every node, and a synced peer needs them.
        return 0;
    }

    /**
     * Stops new connections at once, waits up to {@code drain} for the served ones to end, then deletes the
     * table: nothing of Vigil's is left in the namespace (IP forwarding stays on, as the operator may need it).
     */
    @Override
    public void close(Duration drain) {
        synchronized (this) {
            if (closed) return;
            try {
                nft.run(KernelRuleset.stopNew());
            } catch (NativeException e) {
                LOG.warn("kernel engine: cannot stop new connections: {}", e.getMessage());
            }
        }
        long deadline = System.nanoTime() + drain.toNanos();
        // The table itself, not the accounting: an event may still be on its way for a connection just opened.
        while (System.nanoTime() < deadline
                && connections().stream().anyMatch(c -> c.state() != ForwardedConnection.State.CLOSING)) {
            try {
                Thread.sleep(DRAIN_POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (this) {
            if (closed) return;
            closed = true;
            for (VirtualService service : served.keySet()) service.removeTableListener(listener);
            served.clear();
            selectors.close();
            try {
                nft.run(KernelRuleset.deleteTable());
                LOG.info("kernel engine: table {} removed from {}", KernelRuleset.TABLE, thread.description());
            } catch (NativeException e) {
                LOG.error("kernel engine: cannot remove its table: {}", e.getMessage());
            }
            accounting.close();
            overloadPushes.shutdown();
            nft.close();
            thread.close();
        }
    }

    @FunctionalInterface
    private interface NamespaceCall<T> {
        T call() throws NativeException;
    }

    private static <T> T onThread(NamespaceThread thread, NamespaceCall<T> action) throws NativeException {
        try {
            return thread.call(action::call);
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
