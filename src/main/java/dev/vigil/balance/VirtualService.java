package dev.vigil.balance;

import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

/**
 * One configured virtual server as the data path balances it: its real servers with their health,
 * drain flags and counters, its scheduler, persistence templates, quorum and sorry server.
 *
 * <p>Readers ({@link #pick}, {@link #snapshot}) never lock: they read an immutable {@link ServerTable}
 * that writers ({@link #setHealth}, {@link #setDrained}, {@link #reconfigure}) replace under this
 * object's monitor. Pure: time comes in as an argument, nothing here starts a thread or opens a socket.
 */
public final class VirtualService {
    private static final InetAddress ANY;

    static {
        try {
            ANY = InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String name;
    private final List<ServerTableListener> tableListeners = new CopyOnWriteArrayList<>();
    private volatile VirtualServer config;
    private volatile ServerTable table;
    private volatile InetAddress destination;

    /** A virtual service with every real server alive at its configured weight (no checker means up). */
    public VirtualService(VirtualServer config) {
        this.name = config.key().toString();
        List<RealServerState> servers = new ArrayList<>();
        for (RealServer rs : config.realServers()) servers.add(fresh(rs));
        this.config = config;
        this.destination = destinationOf(config);
        ConnectionScheduler scheduler = ConnectionScheduler.of(config.scheduler(), config.schedulerFlags());
        boolean up = ServerTable.aliveWeight(servers) >= config.quorum();
        this.table = new ServerTable(servers, scheduler, persistenceOf(config), up, sorryOf(config, null));
    }

    /** {@code IP:PORT}, {@code fwmark N} or {@code group NAME}, as the configuration names it. */
    public String name() {
        return name;
    }

    public VirtualServer config() {
        return config;
    }

    public boolean quorumUp() {
        return table.quorumUp;
    }

    /** {@code listener} hears of every table this service publishes from now on. */
    public void addTableListener(ServerTableListener listener) {
        tableListeners.add(Objects.requireNonNull(listener));
    }

    public void removeTableListener(ServerTableListener listener) {
        tableListeners.remove(listener);
    }

    /** The table as it is now, in the form listeners are told of it (quorumChanged false). */
    public ServerTableChange table() {
        return changeOf(table, false);
    }

    /** {@link #pick(InetAddress, int, long, Set)} with nothing excluded. */
    public Optional<ConnectionAccount> pick(InetAddress client, int clientPort, long nowNanos) {
        return pick(client, clientPort, nowNanos, Set.of());
    }

    /**
     * Chooses where a new client connection goes and opens its books: the persistent real server of
     * the client's network if it has one, else the scheduler's choice, else the sorry server; empty
     * when nothing can take it. {@code excluded} lists real servers this connection already failed to
     * reach. The caller must {@link ConnectionAccount#closed close} the account it gets.
     */
    public Optional<ConnectionAccount> pick(InetAddress client, int clientPort, long nowNanos,
                                            Set<InetSocketAddress> excluded) {
        ServerTable t = table;
        for (RealServerState s : t.servers) s.counters().expireClosed(nowNanos);
        if (t.quorumUp) {
            PersistenceTable persistence = t.persistence;
            if (persistence == null) {
                RealServerState s = t.scheduler.select(t, new SchedulingRequest(client, clientPort, destination,
                        nowNanos, excluded));
                if (s != null) return Optional.of(new ConnectionAccount(s, false, null, null));
            } else {
                PersistenceTable.ClientNetwork network = persistence.network(client);
                PersistenceTable.Template template = persistence.find(network, nowNanos);
                RealServerState s = template == null ? null : t.byAddress.get(template.server);
                // IPVS keeps sending a persistent client to a quiesced (weight 0) server; Vigil's admin
                // drain is meant to empty a server, so it ends persistence like a failed check does.
                if (s == null || !s.alive() || s.drained() || excluded.contains(s.address())) {
                    s = t.scheduler.select(t, new SchedulingRequest(client, clientPort, destination, nowNanos,
                            excluded));
                }
                if (s != null) {
                    return Optional.of(new ConnectionAccount(s, false, persistence,
                            persistence.bind(network, s.address(), nowNanos)));
                }
            }
        }
        RealServerState sorry = t.sorryServer;
        if (sorry != null && !excluded.contains(sorry.address())) {
            return Optional.of(new ConnectionAccount(sorry, true, null, null));
        }
        return Optional.empty();
    }

    /**
     * The health part's verdict on a real server: alive or not, and its weight (the configured one,
     * or a dynamic checker's). Returns false when no such real server is configured.
     */
    public synchronized boolean setHealth(InetSocketAddress realServer, boolean alive, int weight) {
        return replace(realServer, s -> s.withHealth(alive, Math.max(0, weight)));
    }

    /** An administrator's drain: no new connections, established ones continue. */
    public synchronized boolean setDrained(InetSocketAddress realServer, boolean drained) {
        return replace(realServer, s -> s.withDrained(drained));
    }

    /**
     * Takes a reloaded configuration. Real servers that remain keep their counters, live connections,
     * health and drain flag (and their health weight unless the configured weight changed); new ones
     * start alive at their configured weight; removed ones leave the table while their established
     * connections run on.
     */
    public synchronized void reconfigure(VirtualServer newConfig) {
        ServerTable old = table;
        List<RealServerState> servers = new ArrayList<>();
        for (RealServer rs : newConfig.realServers()) {
            RealServerState prior = old.byAddress.get(addressOf(rs));
            if (prior == null) {
                servers.add(fresh(rs));
            } else {
                prior.counters().thresholds(rs.upperThreshold(), rs.lowerThreshold());
                int healthWeight = prior.configuredWeight() == rs.weight() ? prior.healthWeight() : rs.weight();
                servers.add(new RealServerState(prior.address(), rs.weight(), healthWeight, prior.alive(),
                        prior.drained(), prior.counters(), healthWeight > 0 ? healthWeight : prior.lastWeight()));
            }
        }
        VirtualServer oldConfig = config;
        ConnectionScheduler scheduler = oldConfig.scheduler() == newConfig.scheduler()
                && oldConfig.schedulerFlags().equals(newConfig.schedulerFlags())
                ? old.scheduler : ConnectionScheduler.of(newConfig.scheduler(), newConfig.schedulerFlags());
        PersistenceTable persistence = samePersistence(oldConfig, newConfig) ? old.persistence
                : persistenceOf(newConfig);
        config = newConfig;
        destination = destinationOf(newConfig);
        publish(servers, scheduler, persistence, sorryOf(newConfig, old.sorryServer));
    }

    /**
     * The counters and state of every real server, with the virtual service's sums; connections that
     * closed more than IPVS's TIME_WAIT window before {@code nowNanos} no longer count as inactive
     * (otherwise they would age out only when the next connection is scheduled).
     */
    public VirtualServiceSnapshot snapshot(long nowNanos) {
        for (RealServerState s : table.servers) s.counters().expireClosed(nowNanos);
        return snapshot();
    }

    /** The counters and state of every real server now, with the virtual service's sums. */
    public VirtualServiceSnapshot snapshot() {
        ServerTable t = table;
        List<RealServerSnapshot> servers = new ArrayList<>(t.servers.length);
        for (RealServerState s : t.servers) servers.add(RealServerSnapshot.of(s));
        Optional<RealServerSnapshot> sorry = Optional.ofNullable(t.sorryServer).map(RealServerSnapshot::of);
        long active = 0, inactive = 0, total = 0, failed = 0, in = 0, out = 0;
        List<RealServerSnapshot> all = new ArrayList<>(servers);
        sorry.ifPresent(all::add);
        for (RealServerSnapshot s : all) {
            active += s.activeConnections();
            inactive += s.inactiveConnections();
            total += s.totalConnections();
            failed += s.failedConnections();
            in += s.bytesIn();
            out += s.bytesOut();
        }
        return new VirtualServiceSnapshot(name, config.scheduler().keyword(), t.quorumUp, servers, sorry, active,
                inactive, total, failed, in, out);
    }

    private boolean replace(InetSocketAddress address, UnaryOperator<RealServerState> change) {
        ServerTable old = table;
        RealServerState before = old.byAddress.get(address);
        if (before == null) return false;
        RealServerState after = change.apply(before);
        // A verdict repeated (a checker confirming what is known) publishes nothing: engines that
        // push the table elsewhere would rewrite it for nothing.
        if (after.equals(before)) return true;
        List<RealServerState> servers = new ArrayList<>(old.servers.length);
        for (RealServerState s : old.servers) servers.add(s.address().equals(address) ? after : s);
        publish(servers, old.scheduler, old.persistence, old.sorryServer);
        return true;
    }

    private void publish(List<RealServerState> servers, ConnectionScheduler scheduler,
                         @Nullable PersistenceTable persistence, @Nullable RealServerState sorry) {
        boolean wasUp = table.quorumUp;
        long weight = ServerTable.aliveWeight(servers);
        VirtualServer c = config;
        // keepalived: lost below quorum - hysteresis, regained at quorum + hysteresis.
        boolean up = wasUp ? weight >= (long) c.quorum() - c.hysteresis() : weight >= (long) c.quorum() + c.hysteresis();
        ServerTable published = new ServerTable(servers, scheduler, persistence, up, sorry);
        table = published;
        if (tableListeners.isEmpty()) return;
        ServerTableChange change = changeOf(published, up != wasUp);
        for (ServerTableListener l : tableListeners) l.serverTableChanged(this, change);
    }

    private static ServerTableChange changeOf(ServerTable t, boolean quorumChanged) {
        return new ServerTableChange(List.of(t.servers), Optional.ofNullable(t.sorryServer), t.quorumUp, quorumChanged);
    }

    private static RealServerState fresh(RealServer rs) {
        return new RealServerState(addressOf(rs), rs.weight(), rs.weight(), true, false,
                new RealServerCounters(rs.upperThreshold(), rs.lowerThreshold()));
    }

    private static InetSocketAddress addressOf(RealServer rs) {
        return new InetSocketAddress(rs.address(), rs.port());
    }

    private static @Nullable RealServerState sorryOf(VirtualServer config, @Nullable RealServerState prior) {
        if (config.sorryServer().isEmpty()) return null;
        InetSocketAddress a = config.sorryServer().get();
        if (prior != null && prior.address().equals(a)) return prior;
        return new RealServerState(a, 1, 1, true, false, new RealServerCounters(0, 0));
    }

    private static @Nullable PersistenceTable persistenceOf(VirtualServer config) {
        return config.persistenceTimeout()
                .filter(d -> !d.isZero() && !d.isNegative())
                .map(d -> new PersistenceTable(d.toNanos(), config.persistenceGranularity().orElse(null)))
                .orElse(null);
    }

    private static boolean samePersistence(VirtualServer a, VirtualServer b) {
        return a.persistenceTimeout().equals(b.persistenceTimeout())
                && a.persistenceGranularity().equals(b.persistenceGranularity());
    }

    private static InetAddress destinationOf(VirtualServer config) {
        return config.key() instanceof VirtualServer.ByAddress(InetAddress address, int port) ? address : ANY;
    }
}
