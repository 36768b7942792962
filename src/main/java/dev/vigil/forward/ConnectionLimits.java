package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.VirtualServer.ProxySettings;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's connection limits, as HAProxy's {@code maxconn}: {@code proxy_maxconn} of the node
 * ({@link ProxyEngine#limitConnections}) and of each virtual server, and {@code proxy_maxconn_per_source}
 * for one client address within a virtual server. Both data paths ask {@link #admit} when they accept a
 * client and call {@link #release} once when an admitted connection ends. Every open connection is
 * counted whatever the limits, and the limits are read at each accept: a reload that sets or changes one
 * applies it at once to new clients, with the connections already open counted; none is closed for it.
 */
final class ConnectionLimits {

    private final AtomicInteger open = new AtomicInteger();
    private final ConcurrentHashMap<VirtualService, PerService> services = new ConcurrentHashMap<>();
    private volatile int nodeLimit;

    /** What one virtual server holds: its open connections, and how many of them each client address has. */
    static final class PerService {
        private final AtomicInteger open = new AtomicInteger();
        private final ConcurrentHashMap<InetAddress, Integer> perSource = new ConcurrentHashMap<>();
    }

    void nodeLimit(int max) {
        nodeLimit = max;
    }

    /** The counts of {@code service}, shared by all its listeners (a group has one per address). */
    PerService of(VirtualService service) {
        return services.computeIfAbsent(service, s -> new PerService());
    }

    /** {@code service} is served no more; its connections still open give their places back to their own counts. */
    void forget(VirtualService service) {
        services.remove(service);
    }

    /**
     * Takes a place for a client of {@code listener} from {@code client} (null if unknown: then only the
     * totals count it); false, counted and warned about (rate-limited), when a limit is reached, and the
     * client must be reset at once.
     */
    boolean admit(VirtualServerListener listener, InetSocketAddress client) {
        ProxySettings settings = listener.service().config().proxy();
        PerService service = listener.limits();
        if (!increment(open, nodeLimit)) {
            refused(listener, client, "proxy_maxconn " + nodeLimit + " of the node");
            return false;
        }
        if (!increment(service.open, settings.maxconn())) {
            open.decrementAndGet();
            refused(listener, client, "its proxy_maxconn " + settings.maxconn());
            return false;
        }
        if (client != null && !addSource(service, client.getAddress(), settings.maxconnPerSource())) {
            service.open.decrementAndGet();
            open.decrementAndGet();
            listener.counters().refusedPerSource.increment();
            listener.warnRateLimited("per-source", "virtual server {}: proxy_maxconn_per_source {} reached; "
                    + "resetting client {}", listener.service().name(), settings.maxconnPerSource(), client);
            return false;
        }
        return true;
    }

    /** Gives back the place {@link #admit} took; call once per admitted connection, with the same arguments. */
    void release(VirtualServerListener listener, InetSocketAddress client) {
        PerService service = listener.limits();
        if (client != null) service.perSource.computeIfPresent(client.getAddress(), (a, n) -> n <= 1 ? null : n - 1);
        service.open.decrementAndGet();
        open.decrementAndGet();
    }

    private static void refused(VirtualServerListener listener, InetSocketAddress client, String limit) {
        listener.counters().refusedMaxconn.increment();
        listener.warnRateLimited("maxconn", "virtual server {}: {} reached; resetting client {}",
                listener.service().name(), limit, client);
    }

    /** Adds one to {@code count} unless that would pass {@code max} (0: no limit). */
    private static boolean increment(AtomicInteger count, int max) {
        while (true) {
            int n = count.get();
            if (max > 0 && n >= max) return false;
            if (count.compareAndSet(n, n + 1)) return true;
        }
    }

    private static boolean addSource(PerService service, InetAddress source, int max) {
        boolean[] added = {false};
        service.perSource.compute(source, (a, n) -> {
            int have = n == null ? 0 : n;
            if (max > 0 && have >= max) return n;
            added[0] = true;
            return have + 1;
        });
        return added[0];
    }
}
