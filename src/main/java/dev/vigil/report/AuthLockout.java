package dev.vigil.report;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Slows token guessing to a few tries a minute per source address: after {@link #MAX_FAILURES} wrong
 * tokens within {@link #WINDOW}, every state-changing call from that address is refused for
 * {@link #LOCKOUT}, the right token too (else each refusal would still tell a guess apart). Nothing waits:
 * a locked-out request is answered 429 at once, and other sources are not affected. The table is
 * bounded: when {@link #MAX_SOURCES} addresses have failed recently, new ones are locked out at once.
 */
final class AuthLockout {
    static final int MAX_FAILURES = 5;
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final Duration LOCKOUT = Duration.ofMinutes(1);
    static final int MAX_SOURCES = 4096;

    /** Failures since {@code sinceNanos}; locked until {@code lockedUntilNanos} once there were too many. */
    private record Failures(int count, long sinceNanos, long lockedUntilNanos) {}

    private final ConcurrentHashMap<InetAddress, Failures> sources = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;

    AuthLockout(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** Seconds until {@code source} may try again (at least 1), or 0 if it may now. */
    long retryAfterSeconds(InetAddress source) {
        long now = nanoTime.getAsLong();
        Failures f = sources.get(source);
        if (f == null) return full(now) ? LOCKOUT.toSeconds() : 0;
        long left = f.lockedUntilNanos - now;
        return f.count < MAX_FAILURES || left <= 0 ? 0 : (left + 999_999_999L) / 1_000_000_000L;
    }

    /** A wrong or missing token from {@code source}. */
    void failed(InetAddress source) {
        long now = nanoTime.getAsLong();
        if (!sources.containsKey(source) && full(now)) return;
        sources.compute(source, (a, f) -> {
            if (f == null || over(f, now)) return new Failures(1, now, now);
            int count = f.count + 1;
            return new Failures(count, f.sinceNanos, count >= MAX_FAILURES ? now + LOCKOUT.toNanos() : now);
        });
    }

    /** The right token from {@code source}: its earlier failures are forgiven. */
    void succeeded(InetAddress source) {
        sources.remove(source);
    }

    /** Whether the table has no room for another source, after forgetting those whose failures are over. */
    private boolean full(long now) {
        if (sources.size() < MAX_SOURCES) return false;
        sources.values().removeIf(f -> over(f, now));
        return sources.size() >= MAX_SOURCES;
    }

    /** Past its window and, if it was locked out, past the lockout. */
    private static boolean over(Failures f, long now) {
        boolean locked = f.count >= MAX_FAILURES;
        return locked ? now - f.lockedUntilNanos >= 0 : now - f.sinceNanos > WINDOW.toNanos();
    }
}
