package dev.vigil.forward;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;

/**
 * What the daemon asks of a forwarding engine, and all it knows of one. The proxy engine
 * ({@link ProxyEngine}) moves bytes in user space; a kernel engine would program NAT rules and never
 * touch a byte. Either way {@link dev.vigil.balance.VirtualService} stays the one meaning of every
 * scheduler, weight, drain and quorum: an engine picks through it, or mirrors its table by listening
 * to it ({@link dev.vigil.balance.VirtualService#addTableListener}), which tells of every change the
 * moment it is published.
 *
 * <p>Methods may be called from any thread except the engine's own; {@link #apply} calls are serialised
 * by the caller.
 */
public interface ForwardingEngine extends AutoCloseable {

    /** {@code proxy} or {@code kernel}: for logs, status and metrics. */
    String name();

    /**
     * Moves the engine to exactly {@code services}: starts the new ones, follows the kept ones (the same
     * {@link dev.vigil.balance.VirtualService} object; its configuration may have changed, and so may its
     * addresses) and stops the rest. Stopping a virtual server stops new connections; established ones
     * carry on until they end. A virtual server that cannot be served as asked (an address in use, a
     * protocol or key this engine cannot forward) is left out and reported; the others are served.
     *
     * @return one line per problem, naming the virtual server; empty when everything is served
     */
    List<String> apply(List<ForwardedService> services);

    /**
     * The most client connections the engine may hold at once over all its virtual servers
     * ({@code proxy_maxconn} of {@code global_defs}); 0 for no limit. Clients over it are refused at once.
     * It applies to new connections: those already open count against it, and none is closed for it.
     */
    void limitConnections(int max);

    /** The engine's own event and error counters (per-real-server counters live in the virtual services). */
    ForwardCounters.Snapshot counters();

    /** The connections the engine holds now, like {@code ipvsadm -Lnc}. */
    List<ForwardedConnection> connections();

    /**
     * VRRP gave {@code addresses} to another node: their clients' packets now go there. The engine lets
     * go of what it held for them (the proxy closes those connections, which would otherwise hold
     * resources on both sides until the idle timeout).
     *
     * @return how many connections it let go
     */
    int addressesReleased(Collection<InetAddress> addresses);

    /**
     * Stops forwarding: no new connections; established ones may finish until {@code drain}, then what
     * is left is closed and every resource the engine holds (threads, sockets, kernel state) is released.
     */
    void close(Duration drain);

    /** {@link #close(Duration)} without waiting for connections. */
    @Override
    default void close() {
        close(Duration.ZERO);
    }
}
