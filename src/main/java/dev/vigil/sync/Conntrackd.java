package dev.vigil.sync;

import java.time.Duration;

/** The node's conntrackd as the takeover drives it; {@link ConntrackdProcess} is the real one, tests fake it. */
public interface Conntrackd {

    /** Runs {@code conntrackd -C CONF OPTION} ({@code -c}, {@code -f}, ...) for at most {@code timeout}; false if it failed. */
    boolean control(String option, Duration timeout);

    /**
     * Runs {@code conntrackd -f} and waits (at most {@code timeout}) for the daemon's answer: true when it flushed,
     * false when it refused (1.4.7 ignores a flush while a commit is still in progress) or did not answer.
     */
    boolean flush(Duration timeout) throws InterruptedException;

    /** {@code conntrackd -s}, bounded in time; empty if it failed or printed no figures. */
    java.util.Optional<ConntrackdStats> stats();

    /** How many commits the daemon has reported finished since it started (its restarts included). */
    long commitsFinished();

    /**
     * Waits until more than {@code after} commits have finished, or {@code System.nanoTime()} passes
     * {@code deadlineNanos}; returns the commit that did, if one did.
     */
    java.util.Optional<ConntrackdLog.Commit> awaitCommit(long after, long deadlineNanos) throws InterruptedException;
}
