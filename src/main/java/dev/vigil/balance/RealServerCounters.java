package dev.vigil.balance;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live load of one real server: connection counts, byte counts and IPVS's overload flag. One
 * instance lives as long as the real server stays configured, across health changes and reloads, so
 * counters and connection counts survive a {@link VirtualService#reconfigure reconfigure}.
 *
 * <p>Active and inactive counts are exact atomics because schedulers compare them; totals and bytes
 * are {@link LongAdder}s because only readers of snapshots sum them.
 */
public final class RealServerCounters {
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger inactive = new AtomicInteger();
    private final RecentlyClosed recentlyClosed = new RecentlyClosed();
    private final LongAdder total = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();
    private volatile int upperThreshold;
    private volatile int lowerThreshold;
    private volatile boolean overloaded;

    RealServerCounters(int upperThreshold, int lowerThreshold) {
        thresholds(upperThreshold, lowerThreshold);
    }

    void thresholds(int upper, int lower) {
        this.upperThreshold = Math.max(0, upper);
        this.lowerThreshold = Math.max(0, lower);
        if (upperThreshold == 0) overloaded = false;
    }

    public int active() {
        return active.get();
    }

    public int inactive() {
        return inactive.get();
    }

    /** Connections closed within IPVS's TIME_WAIT window, which IPVS still lists as inactive. */
    public int recentlyClosed() {
        return recentlyClosed.count();
    }

    void expireClosed(long nowNanos) {
        recentlyClosed.expire(nowNanos);
    }

    void closedNormally(long nowNanos) {
        recentlyClosed.add(nowNanos);
    }

    /** IPVS's total for thresholds: active plus inactive. */
    public int connections() {
        return active.get() + inactive.get();
    }

    public long total() {
        return total.sum();
    }

    public long failed() {
        return failed.sum();
    }

    public long bytesIn() {
        return bytesIn.sum();
    }

    public long bytesOut() {
        return bytesOut.sum();
    }

    /** IPVS marks a real server overloaded above {@code uthreshold}; it gets no new connections until it cools down. */
    public boolean overloaded() {
        return overloaded;
    }

    /** IPVS's {@code ip_vs_dest_conn_overhead}: an active connection costs 256 inactive ones. */
    long overhead() {
        return ((long) active.get() << 8) + inactive.get() + recentlyClosed.count();
    }

    // IPVS binds a connection in an inactive (SYN) state and sets the overload flag at bind time.
    void bound() {
        inactive.incrementAndGet();
        total.increment();
        int upper = upperThreshold;
        if (upper != 0 && connections() >= upper) overloaded = true;
    }

    void inactiveToActive() {
        inactive.decrementAndGet();
        active.incrementAndGet();
    }

    void activeToInactive() {
        active.decrementAndGet();
        inactive.incrementAndGet();
    }

    void unbound(boolean wasActive, boolean failedToConnect) {
        if (wasActive) active.decrementAndGet(); else inactive.decrementAndGet();
        if (failedToConnect) failed.increment();
        if (!overloaded) return;
        int upper = upperThreshold, lower = lowerThreshold, now = connections();
        // IPVS: below lthreshold, or below 3/4 of uthreshold when no lthreshold is set.
        if (lower != 0 ? now < lower : upper == 0 || now * 4 < upper * 3) overloaded = false;
    }

    void addBytesIn(long n) {
        bytesIn.add(n);
    }

    void addBytesOut(long n) {
        bytesOut.add(n);
    }
}
