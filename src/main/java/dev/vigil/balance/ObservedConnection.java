package dev.vigil.balance;

/**
 * The books of a connection an engine observes rather than holds (the kernel engine's conntrack entries):
 * the same counters {@link ConnectionAccount} keeps for a proxied one, so status, metrics and the dashboard
 * show both alike. IPVS's meaning: counted inactive until established, active while established, inactive
 * again once closing, and gone when the entry goes (a closed TCP entry stays in conntrack through TIME_WAIT,
 * where IPVS also lists it as inactive, so nothing is added to {@link RealServerCounters#recentlyClosed}).
 * Bytes come as the entry's totals so far; only what they grew by is added. Not thread-safe: one owner.
 */
public final class ObservedConnection {
    private final RealServerCounters counters;
    private boolean active;
    private boolean closed;
    private long bytesIn;
    private long bytesOut;

    /** Counts a new connection to {@code server}, {@code active} if it is established already. */
    public ObservedConnection(RealServerState server, boolean active) {
        this.counters = server.counters();
        counters.bound();
        active(active);
    }

    /** The connection is established ({@code true}) or being set up or closing ({@code false}). */
    public void active(boolean nowActive) {
        if (closed || nowActive == active) return;
        active = nowActive;
        if (nowActive) counters.inactiveToActive();
        else counters.activeToInactive();
    }

    /** Bytes from the client and to the client so far (IPVS's InBytes, OutBytes); a total that shrank adds nothing. */
    public void bytes(long in, long out) {
        if (in > bytesIn) {
            counters.addBytesIn(in - bytesIn);
            bytesIn = in;
        }
        if (out > bytesOut) {
            counters.addBytesOut(out - bytesOut);
            bytesOut = out;
        }
    }

    /** The connection is gone. */
    public void closed() {
        if (closed) return;
        closed = true;
        counters.unbound(active, false);
    }
}
