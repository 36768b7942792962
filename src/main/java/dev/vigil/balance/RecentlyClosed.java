package dev.vigil.balance;

/**
 * Connections of one real server that closed within the last {@link #WINDOW_SECONDS} seconds: what
 * IPVS still holds in TIME_WAIT/FIN_WAIT and counts as inactive. Without them, {@code wlc} and
 * {@code lc} would send every non-overlapping short connection to the first real server.
 *
 * <p>One bucket per second in a ring; {@link #count()} is a plain read for the schedulers, updates
 * and expiry take the lock once per close or once per second.
 */
final class RecentlyClosed {
    /** IPVS's default TCP TIME_WAIT timeout. */
    static final int WINDOW_SECONDS = 120;
    private static final int SLOTS = 128;

    private final long[] second = new long[SLOTS];
    private final int[] closed = new int[SLOTS];
    private volatile int count;
    private volatile long expiredUpTo = Long.MIN_VALUE;

    RecentlyClosed() {
        java.util.Arrays.fill(second, Long.MIN_VALUE);
    }

    int count() {
        return count;
    }

    synchronized void add(long nowNanos) {
        long s = seconds(nowNanos);
        expireLocked(s);
        int i = Math.floorMod(s, SLOTS);
        if (second[i] != s) {
            count -= closed[i];
            closed[i] = 0;
            second[i] = s;
        }
        closed[i]++;
        count++;
    }

    /** Forgets what closed more than the window ago; cheap when called again within the same second. */
    void expire(long nowNanos) {
        long s = seconds(nowNanos);
        if (s - WINDOW_SECONDS <= expiredUpTo) return;
        synchronized (this) {
            expireLocked(s);
        }
    }

    private synchronized void expireLocked(long s) { // callers hold the lock already
        long upTo = s - WINDOW_SECONDS;
        if (upTo <= expiredUpTo) return;
        for (int i = 0; i < SLOTS; i++) {
            if (second[i] != Long.MIN_VALUE && second[i] <= upTo) {
                count -= closed[i];
                closed[i] = 0;
                second[i] = Long.MIN_VALUE;
            }
        }
        expiredUpTo = upTo;
    }

    private static long seconds(long nanos) {
        return Math.floorDiv(nanos, 1_000_000_000L);
    }
}
