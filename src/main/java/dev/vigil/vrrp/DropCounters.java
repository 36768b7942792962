package dev.vigil.vrrp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Per-reason counts of dropped packets for one instance, with at most one log line per reason per
 * {@link #LOG_INTERVAL_NANOS} so a flood of bad packets cannot flood the log. A VIP set mismatch is
 * logged as a warning: it means both nodes will become master.
 */
public final class DropCounters {

    static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger log = LoggerFactory.getLogger(DropCounters.class);

    private final String instance;
    private final Map<DropReason, AtomicLong> counts = new EnumMap<>(DropReason.class);
    private final Map<DropReason, long[]> lastLogged = new EnumMap<>(DropReason.class);
    private final Map<DropReason, Long> suppressed = new EnumMap<>(DropReason.class);

    public DropCounters(String instance) {
        this.instance = instance;
        for (DropReason r : DropReason.values()) counts.put(r, new AtomicLong());
    }

    /** Counts the drop; returns true if a log line was written for it. */
    public boolean record(DecodeResult.Dropped dropped, long nowNanos) {
        counter(dropped.reason()).incrementAndGet();
        synchronized (lastLogged) {
            long[] last = lastLogged.get(dropped.reason());
            if (last != null && nowNanos - last[0] < LOG_INTERVAL_NANOS) {
                suppressed.merge(dropped.reason(), 1L, Long::sum);
                return false;
            }
            lastLogged.put(dropped.reason(), new long[] {nowNanos});
            long more = suppressed.getOrDefault(dropped.reason(), 0L);
            suppressed.remove(dropped.reason());
            String tail = more > 0 ? " (" + more + " more since the last line)" : "";
            if (dropped.reason() == DropReason.VIP_MISMATCH) {
                log.warn("({}) VIRTUAL IP SET MISMATCH, advert dropped: {}{}", instance, dropped.detail(), tail);
            } else {
                log.info("({}) advert dropped, {}: {}{}", instance, dropped.reason().description(), dropped.detail(), tail);
            }
            return true;
        }
    }

    public long count(DropReason reason) {
        return counter(reason).get();
    }

    private AtomicLong counter(DropReason reason) {
        return Objects.requireNonNull(counts.get(reason)); // the constructor made one for each reason
    }

    /** A copy of all counts, zeros included. */
    public Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> copy = new EnumMap<>(DropReason.class);
        counts.forEach((r, c) -> copy.put(r, c.get()));
        return copy;
    }
}
