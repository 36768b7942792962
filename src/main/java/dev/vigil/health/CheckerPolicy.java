package dev.vigil.health;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * keepalived's life of one checker, pure: it starts up (or down with {@code alpha}); a failure while up
 * is retried {@code retry} times, {@code delay_before_retry} apart, before the checker goes down; a
 * failure while down just waits {@code delay_loop}; one success brings it up and resets the retries.
 * The first check waits a random time up to {@code warmup}. Time is in nanoseconds on any monotonic clock
 * (only differences count), so a step of the wall clock cannot move a check.
 */
public final class CheckerPolicy {

    private final CheckerTiming timing;
    private boolean up;
    private int retriesUsed;

    public CheckerPolicy(CheckerTiming timing) {
        this.timing = timing;
        this.up = !timing.alpha();
    }

    public boolean up() {
        return up;
    }

    /** Starts from a known state instead of the configured one (a reload keeps what was learnt). */
    public void seed(boolean up) {
        this.up = up;
        this.retriesUsed = 0;
    }

    public CheckerTiming timing() {
        return timing;
    }

    /** When the first check is due: a uniform random delay in [0, warmup]. */
    public long firstCheck(long start, RandomGenerator random) {
        long max = timing.warmup().toMillis();
        return max <= 0 ? start : start + TimeUnit.MILLISECONDS.toNanos(random.nextLong(max + 1));
    }

    /** Takes a check's outcome at {@code now}; returns when the next check is due. */
    public long record(long now, boolean ok) {
        if (ok) {
            up = true;
            retriesUsed = 0;
            return now + timing.delayLoop().toNanos();
        }
        if (up && retriesUsed < timing.retry()) {
            retriesUsed++;
            return now + timing.delayBeforeRetry().toNanos();
        }
        up = false;
        retriesUsed = 0;
        return now + timing.delayLoop().toNanos();
    }

    /** The worst time from a server's failure to this checker declaring it down, given a check timeout. */
    public Duration worstDetection(Duration checkTimeout) {
        Duration d = timing.delayLoop().plus(checkTimeout);
        for (int i = 0; i < timing.retry(); i++) d = d.plus(timing.delayBeforeRetry()).plus(checkTimeout);
        return d;
    }
}
