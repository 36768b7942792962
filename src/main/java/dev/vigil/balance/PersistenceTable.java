package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * IPVS's persistence templates: a client network (the client address under the
 * {@code persistence_granularity} mask) is tied to a real server. Like IPVS, a template never expires
 * while it still controls connections, and lives {@code persistence_timeout} after its last use.
 */
final class PersistenceTable {
    private static final int SWEEP_EVERY = 4096;

    /** A client network; IPv4 uses {@code low} only. */
    record ClientNetwork(boolean v6, long high, long low) {}

    static final class Template {
        final InetSocketAddress server;
        final AtomicInteger controlled = new AtomicInteger();
        volatile long expiresAtNanos;

        Template(InetSocketAddress server, long expiresAtNanos) {
            this.server = server;
            this.expiresAtNanos = expiresAtNanos;
        }

        boolean live(long now) {
            return controlled.get() > 0 || now - expiresAtNanos < 0;
        }
    }

    private final ConcurrentHashMap<ClientNetwork, Template> templates = new ConcurrentHashMap<>();
    private final long timeoutNanos;
    private final byte @Nullable [] mask4;
    private final byte @Nullable [] mask6;
    private final AtomicInteger insertsSinceSweep = new AtomicInteger();

    PersistenceTable(long timeoutNanos, @Nullable InetAddress granularity) {
        this.timeoutNanos = timeoutNanos;
        byte[] m = granularity == null ? null : granularity.getAddress();
        this.mask4 = m != null && m.length == 4 ? m : null;
        this.mask6 = m != null && m.length == 16 ? m : null;
    }

    long timeoutNanos() {
        return timeoutNanos;
    }

    ClientNetwork network(InetAddress client) {
        byte[] a = client.getAddress();
        byte[] mask = a.length == 4 ? mask4 : mask6;
        if (mask != null) for (int i = 0; i < a.length; i++) a[i] &= mask[i];
        long high = 0, low = 0;
        for (int i = 0; i < a.length; i++) {
            if (a.length == 16 && i < 8) high = (high << 8) | (a[i] & 0xff);
            else low = (low << 8) | (a[i] & 0xff);
        }
        return new ClientNetwork(a.length == 16, high, low);
    }

    /** The live template of this network, or null. */
    @Nullable Template find(ClientNetwork network, long now) {
        Template t = templates.get(network);
        if (t == null) return null;
        if (t.live(now)) return t;
        templates.remove(network, t);
        return null;
    }

    /** Ties the network to {@code server} (replacing a template that pointed elsewhere) and binds one connection. */
    Template bind(ClientNetwork network, InetSocketAddress server, long now) {
        Template fresh = new Template(server, now + timeoutNanos);
        while (true) {
            Template t = templates.putIfAbsent(network, fresh);
            if (t == null) {
                t = fresh;
                if (insertsSinceSweep.incrementAndGet() >= SWEEP_EVERY) {
                    insertsSinceSweep.set(0);
                    templates.values().removeIf(old -> !old.live(now));
                }
            } else if (!t.server.equals(server) || !t.live(now)) {
                if (!templates.replace(network, t, fresh)) continue;
                t = fresh;
            }
            t.controlled.incrementAndGet();
            t.expiresAtNanos = now + timeoutNanos;
            return t;
        }
    }

    void release(Template t, long now) {
        t.expiresAtNanos = now + timeoutNanos;
        t.controlled.decrementAndGet();
    }

    int size() {
        return templates.size();
    }
}
