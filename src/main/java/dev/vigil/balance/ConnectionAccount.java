package dev.vigil.balance;

import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;

/**
 * The books of one proxied connection, kept by the forward engine on the connection's event loop:
 * IPVS counts a connection inactive while it is being set up or is closing, active while established.
 * Every transition is idempotent, so a racing close cannot count twice.
 */
public final class ConnectionAccount {
    private enum Phase { CONNECTING, ESTABLISHED, CLOSING, CLOSED }

    private final RealServerState server;
    private final boolean sorryServer;
    private final @Nullable PersistenceTable persistence;
    private final PersistenceTable.@Nullable Template template;
    private Phase phase = Phase.CONNECTING;

    ConnectionAccount(RealServerState server, boolean sorryServer, @Nullable PersistenceTable persistence,
                      PersistenceTable.@Nullable Template template) {
        this.server = server;
        this.sorryServer = sorryServer;
        this.persistence = persistence;
        this.template = template;
        server.counters().bound();
    }

    /** Where to connect. */
    public InetSocketAddress address() {
        return server.address();
    }

    public RealServerState realServer() {
        return server;
    }

    public boolean isSorryServer() {
        return sorryServer;
    }

    /** The upstream handshake completed. */
    public void established() {
        if (phase != Phase.CONNECTING) return;
        phase = Phase.ESTABLISHED;
        server.counters().inactiveToActive();
    }

    /** One side half-closed (FIN): the connection is on its way out. */
    public void closing() {
        if (phase != Phase.ESTABLISHED) return;
        phase = Phase.CLOSING;
        server.counters().activeToInactive();
    }

    /** The connection is gone; {@code connectFailed} when the real server could not be reached. */
    public void closed(boolean connectFailed, long nowNanos) {
        if (phase == Phase.CLOSED) return;
        boolean wasActive = phase == Phase.ESTABLISHED;
        phase = Phase.CLOSED;
        server.counters().unbound(wasActive, connectFailed);
        if (!connectFailed) server.counters().closedNormally(nowNanos);
        if (persistence != null && template != null) persistence.release(template, nowNanos);
    }

    /** Bytes from the client to the real server (IPVS's InBytes). */
    public void bytesIn(long n) {
        server.counters().addBytesIn(n);
    }

    /** Bytes from the real server to the client (IPVS's OutBytes). */
    public void bytesOut(long n) {
        server.counters().addBytesOut(n);
    }
}
