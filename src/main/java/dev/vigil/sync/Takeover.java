package dev.vigil.sync;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The conntrackd commands of a VRRP transition, in the research's order (kernel-path.md §2): on MASTER commit the
 * external cache into the kernel and wait for the daemon to report it finished (bounded by {@link #commitBound}),
 * then, with the VIPs up, flush the caches, resync the internal cache from the kernel and send a bulk update to
 * the peer ({@code -f -R -B}); on leaving MASTER shorten the kernel's timers of what this node no longer owns and
 * ask the peer for a resync ({@code -t -n}). Runs on one thread at a time (the sync's own).
 */
public final class Takeover {
    private static final Logger LOG = LoggerFactory.getLogger(Takeover.class);
    /** The most a takeover waits for the commit: a broken conntrackd delays the VIPs by this, never more. */
    public static final Duration COMMIT_BOUND = Duration.ofSeconds(1);
    /**
     * What each entry the external cache held at the last reading adds to the bound: conntrackd 1.4.7 commits
     * about 9 µs an entry here (100,000 in 0.8-1.0 s, bench/sync-commit.sh), so a large table is waited for.
     */
    static final Duration PER_ENTRY = Duration.ofNanos(10_000);
    /** The bound never passes this: 1 s plus 10 µs for each of conntrackd's 262,144 entries at most. */
    public static final Duration MAX_COMMIT_BOUND = Duration.ofMillis(3_700);
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(2);

    private final Conntrackd conntrackd;
    private final LongSupplier nanoTime;
    /** {@code -n} (resync asked of the peer) and {@code -B} (bulk sent to it) that conntrackd took. */
    private final AtomicLong resyncsRequested = new AtomicLong(), bulkSends = new AtomicLong();
    /** A commit as the takeover saw it: {@code finished} false when the bound was hit or conntrackd refused. */
    public record Commit(boolean finished, long entries, Duration took) {}

    public Takeover(Conntrackd conntrackd, LongSupplier nanoTime) {
        this.conntrackd = conntrackd;
        this.nanoTime = nanoTime;
    }

    /** How long a commit of a cache of {@code entries} is waited for: {@link #COMMIT_BOUND} and more for a large one. */
    public static Duration commitBound(long entries) {
        Duration d = COMMIT_BOUND.plus(PER_ENTRY.multipliedBy(Math.max(0, entries)));
        return d.compareTo(MAX_COMMIT_BOUND) > 0 ? MAX_COMMIT_BOUND : d;
    }

    /**
     * {@code conntrackd -c}, then waits (at most {@link #commitBound} of {@code entries}, the external cache's size
     * as last read) until the daemon reports it done.
     */
    public Commit commit(long entries) throws InterruptedException {
        Duration bound = commitBound(entries);
        long start = nanoTime.getAsLong();
        long deadline = start + bound.toNanos();
        long before = conntrackd.commitsFinished();
        if (!conntrackd.control("-c", bound)) {
            Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
            LOG.error("sync: conntrackd -c failed after {} ms; the VIPs go up without the synced connections",
                    took.toMillis());
            return new Commit(false, 0, took);
        }
        Optional<ConntrackdLog.Commit> done = conntrackd.awaitCommit(before, deadline);
        Duration took = Duration.ofNanos(nanoTime.getAsLong() - start);
        if (done.isEmpty()) {
            LOG.warn("sync: the commit of the synced connections did not finish within {} ms; the VIPs go up now "
                    + "(connections not yet committed are dropped by the guard until they are)", bound.toMillis());
            return new Commit(false, 0, took);
        }
        LOG.info("sync: committed {} synced connection(s) into the kernel in {} ms (conntrackd: {} ms), before the VIPs",
                done.get().entries(), took.toMillis(), done.get().took().toMillis());
        return new Commit(true, done.get().entries(), took);
    }

    /**
     * With the VIPs up: the caches start again from the kernel's table, and the peer gets all of it. conntrackd
     * 1.4.7 refuses {@code -f} after a commit ("commit still in progress", asked again every 50 ms for 10 s here:
     * refused every time), so a refusal is noted and {@code -R -B} go on; they do not need the flush.
     */
    public void becameMaster() throws InterruptedException {
        if (!conntrackd.flush(CONTROL_TIMEOUT)) {
            LOG.info("sync: conntrackd did not flush its caches (1.4.7 refuses it after a commit); resyncing anyway");
        }
        run("-R");
        if (run("-B")) bulkSends.incrementAndGet();
    }

    /** Left MASTER (or starting): what the kernel holds expires soon unless traffic renews it; ask for the master's table. */
    public void leftMaster() {
        run("-t");
        if (run("-n")) resyncsRequested.incrementAndGet();
    }

    /**
     * A restarted conntrackd answers: its caches are as new (its internal one dumped from the kernel, its external
     * one empty), so it asks the peer for its table and sends the peer this node's ({@code -n -B}).
     */
    public void afterRestart() {
        if (run("-n")) resyncsRequested.incrementAndGet();
        if (run("-B")) bulkSends.incrementAndGet();
    }

    /** Resyncs this node asked of its peer on leaving MASTER ({@code -n} that conntrackd took). */
    public long resyncsRequested() {
        return resyncsRequested.get();
    }

    /** Bulk updates this node sent its peer on becoming MASTER ({@code -B} that conntrackd took). */
    public long bulkSends() {
        return bulkSends.get();
    }

    private boolean run(String option) {
        if (conntrackd.control(option, CONTROL_TIMEOUT)) return true;
        LOG.warn("sync: conntrackd {} failed", option);
        return false;
    }
}
