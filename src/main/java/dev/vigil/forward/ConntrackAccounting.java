package dev.vigil.forward;

import dev.vigil.balance.ObservedConnection;
import dev.vigil.balance.RealServerCounters;
import dev.vigil.balance.RealServerState;
import dev.vigil.balance.ServerTableChange;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.Protocol;
import dev.vigil.linux.ConntrackEntry;
import dev.vigil.linux.ConntrackEvents;
import dev.vigil.linux.NamespaceThread;
import dev.vigil.linux.NativeException;
import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The kernel engine's books, kept from conntrack's events ({@link ConntrackEvents}): every entry whose
 * original destination is a served VIP:port and whose reply comes from one of that virtual service's real
 * servers (or its sorry server) is that real server's connection, counted in the service's own
 * {@link dev.vigil.balance.RealServerCounters} through an {@link ObservedConnection}, as IPVS counts it:
 * active while TCP is ESTABLISHED, inactive in every other TCP state and for UDP (IPVS never moves a UDP
 * connection to its active count), gone when conntrack destroys the entry (after TIME_WAIT, as IPVS's own
 * entry). New connections add to the real server's total; bytes come from conntrack's accounting
 * ({@code nf_conntrack_acct}): a live entry's when a dump reads it (every few seconds), a closed one's
 * exactly, from its DESTROY event.
 *
 * <p>After a reload, an entry of a VIP:port no longer served (or served by another virtual service) ends its
 * books at its next event or dump line, and is counted for its new service if it has one.
 *
 * <p>A dump's end also forgets what the dump did not show and no event told of since it began (a DESTROY
 * lost in an overrun), and then the counts go to the listeners ({@link KernelConnectionCounts.Listener}).
 * {@link #entry}, {@link #resyncStarted} and {@link #resyncDone} run on the events thread only; the readers
 * run anywhere.
 */
final class ConntrackAccounting implements ConntrackEvents.Listener, AutoCloseable {

    /** A served VIP:port: the protocol number and the address conntrack's original tuple goes to. */
    record Key(int protocol, InetSocketAddress vip) {
        static Key of(Protocol protocol, InetSocketAddress vip) {
            return new Key(protocol == Protocol.UDP ? ConntrackEntry.UDP : ConntrackEntry.TCP, vip);
        }
    }

    /** One entry being counted, with what its books were told last. */
    private static final class Tracked {
        final long id;
        final Key key;
        final VirtualService service;
        final InetSocketAddress realServer;
        final InetSocketAddress client;
        final InetSocketAddress vip;
        final int protocol;
        final ObservedConnection books;
        final RealServerCounters counters;
        volatile int state = ConntrackEntry.NO_STATE;
        boolean countedOpen;
        long epoch;

        Tracked(ConntrackEntry e, VirtualService service, RealServerState server) {
            this.id = e.id();
            this.key = new Key(e.protocol(), e.originalDestination());
            this.service = service;
            this.realServer = server.address();
            this.client = e.originalSource();
            this.vip = e.originalDestination();
            this.protocol = e.protocol();
            this.counters = server.counters();
            this.books = new ObservedConnection(server, false);
        }

        boolean same(ConntrackEntry e) {
            return e.protocol() == protocol && e.originalSource().equals(client) && e.originalDestination().equals(vip);
        }
    }

    private final Map<Long, Tracked> tracked = new ConcurrentHashMap<>();
    private final AtomicLong open = new AtomicLong();
    private final List<KernelConnectionCounts.Listener> listeners = new CopyOnWriteArrayList<>();
    private volatile Map<Key, VirtualService> services = Map.of();
    /** Hears of a real server whose overload flag (uthreshold/lthreshold) a connection set or cleared. */
    private volatile Consumer<VirtualService> overloads = service -> {};
    private volatile @Nullable ConntrackEvents events;
    private long epoch;

    /** Counts for nothing yet; {@link #start} gives it its events. */
    ConntrackAccounting() {
    }

    /** Starts the events of {@code namespace}'s conntrack table, beginning with a dump. */
    static ConntrackAccounting start(NamespaceThread namespace, ConntrackEvents.Options options) throws NativeException {
        ConntrackAccounting accounting = new ConntrackAccounting();
        accounting.events = ConntrackEvents.start(namespace, options, accounting);
        return accounting;
    }

    /** What is served now; a VIP:port not served before is looked for in the table at once (a resync). */
    void serve(Map<Key, VirtualService> served) {
        Map<Key, VirtualService> before = services;
        services = Map.copyOf(served);
        ConntrackEvents e = events;
        if (e != null && !before.keySet().containsAll(served.keySet())) e.resync();
    }

    /**
     * {@code listener} hears, on the events thread, of each virtual service one of whose real servers became
     * overloaded or stopped being so: the books set IPVS's flag as each connection is counted or goes
     * ({@link RealServerCounters#overloaded}), and the kernel's table must follow.
     */
    void onOverload(Consumer<VirtualService> listener) {
        overloads = listener;
    }

    void addListener(KernelConnectionCounts.Listener listener) {
        listeners.add(listener);
    }

    /** Connections not closing: being set up, established, or UDP flows. */
    long openConnections() {
        return open.get();
    }

    /** Times the kernel dropped events for want of buffer, each followed by a resync. */
    long overruns() {
        ConntrackEvents e = events;
        return e == null ? 0 : e.overruns();
    }

    /** Whether IPVS counts a connection in this state active: TCP ESTABLISHED only (UDP never). */
    static boolean active(int protocol, int tcpState) {
        return protocol == ConntrackEntry.TCP && tcpState == ConntrackEntry.TCP_ESTABLISHED;
    }

    /** Whether the connection is not on its way out: UDP, or TCP not past ESTABLISHED. */
    static boolean open(int protocol, int tcpState) {
        if (protocol != ConntrackEntry.TCP) return true;
        return switch (tcpState) {
            case ConntrackEntry.TCP_FIN_WAIT, ConntrackEntry.TCP_CLOSE_WAIT, ConntrackEntry.TCP_LAST_ACK,
                 ConntrackEntry.TCP_TIME_WAIT, ConntrackEntry.TCP_CLOSE -> false;
            default -> true;
        };
    }

    @Override
    public void entry(ConntrackEvents.Kind kind, ConntrackEntry e) {
        Tracked t = tracked.get(e.id());
        // The id of an entry that died unheard of, given to another; or a VIP:port no longer served, or now
        // served by another virtual service (a reload): its books end, and it is counted again if it is ours.
        if (t != null && (!t.same(e) || services.get(t.key) != t.service)) {
            forget(t);
            t = null;
        }
        if (t == null) {
            t = track(e);
            if (t == null) return;
        }
        t.epoch = epoch;
        if (e.tcpState() != ConntrackEntry.NO_STATE) t.state = e.tcpState();
        t.books.active(active(t.protocol, t.state));
        boolean nowOpen = open(t.protocol, t.state);
        if (nowOpen != t.countedOpen) {
            open.addAndGet(nowOpen ? 1 : -1);
            t.countedOpen = nowOpen;
        }
        if (e.original().isPresent() || e.reply().isPresent()) {
            t.books.bytes(e.original().map(ConntrackEntry.Counters::bytes).orElse(0L),
                    e.reply().map(ConntrackEntry.Counters::bytes).orElse(0L));
        }
        if (kind == ConntrackEvents.Kind.DESTROY) forget(t);
    }

    /** Starts counting {@code e} if it is a served virtual service's connection to one of its servers. */
    private @Nullable Tracked track(ConntrackEntry e) {
        VirtualService service = services.get(new Key(e.protocol(), e.originalDestination()));
        if (service == null) return null;
        RealServerState server = server(service.table(), e.replySource());
        if (server == null) return null; // not NATed (no server could take it), or to a server since removed
        boolean wasOverloaded = server.counters().overloaded();
        Tracked t = new Tracked(e, service, server);
        tracked.put(t.id, t);
        if (t.counters.overloaded() != wasOverloaded) overloads.accept(service);
        return t;
    }

    private static @Nullable RealServerState server(ServerTableChange table, InetSocketAddress address) {
        for (RealServerState s : table.realServers()) if (s.address().equals(address)) return s;
        return table.sorryServer().filter(s -> s.address().equals(address)).orElse(null);
    }

    private void forget(Tracked t) {
        if (!tracked.remove(t.id, t)) return;
        boolean wasOverloaded = t.counters.overloaded();
        t.books.closed();
        if (t.counters.overloaded() != wasOverloaded) overloads.accept(t.service);
        if (t.countedOpen) open.decrementAndGet();
    }

    @Override
    public void resyncStarted() {
        epoch++;
    }

    @Override
    public void resyncDone() {
        for (Tracked t : tracked.values()) if (t.epoch < epoch) forget(t);
        if (listeners.isEmpty()) return;
        KernelConnectionCounts counts = counts();
        for (KernelConnectionCounts.Listener l : listeners) l.reconciled(counts);
    }

    /** The connections counted now, per virtual service and real server. */
    KernelConnectionCounts counts() {
        Map<VirtualService, Map<InetSocketAddress, int[]>> sums = new HashMap<>();
        for (Tracked t : tracked.values()) {
            int[] c = sums.computeIfAbsent(t.service, s -> new HashMap<>()).computeIfAbsent(t.realServer, a -> new int[2]);
            c[active(t.protocol, t.state) ? 0 : 1]++;
        }
        Map<VirtualService, Map<InetSocketAddress, KernelConnectionCounts.Counts>> out = new HashMap<>();
        sums.forEach((service, servers) -> {
            Map<InetSocketAddress, KernelConnectionCounts.Counts> m = new HashMap<>();
            servers.forEach((a, c) -> m.put(a, new KernelConnectionCounts.Counts(c[0], c[1])));
            out.put(service, m);
        });
        return new KernelConnectionCounts(out);
    }

    /** Stops the events; the books keep what they counted. */
    @Override
    public void close() {
        ConntrackEvents e = events;
        if (e != null) e.close();
    }
}
