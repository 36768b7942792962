package dev.vigil.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** When a fail-back may go: the peer's answer came and the external cache stopped growing, or the bound passed. */
class ResyncWatchTest {
    private static final long MS = 1_000_000L;

    /** Stats with only what the watch reads: the external cache and the packets received. */
    private static ConntrackdStats stats(long external, long received) {
        return new ConntrackdStats(0, external, 0, 0, 0, received, 0, 0, 0, 0);
    }

    @Test
    void readyOnceTheAnswerCameAndTheCacheIsQuiet() {
        ResyncWatch w = new ResyncWatch(0, Optional.of(stats(0, 10)));
        w.sample(100 * MS, stats(0, 10)); // nothing came yet
        assertThat(w.ready(500 * MS)).isFalse();
        w.sample(600 * MS, stats(4000, 30)); // the peer's table arrives
        w.held(600 * MS);
        assertThat(w.ready(700 * MS)).isFalse();
        w.sample(800 * MS, stats(5000, 35));
        assertThat(w.ready(1000 * MS)).isFalse(); // still growing 200 ms ago
        w.sample(1100 * MS, stats(5000, 36));
        assertThat(w.ready(1100 * MS)).as("quiet since 800 ms").isTrue();
        assertThat(w.complete(1100 * MS)).isTrue();
        assertThat(w.entries()).isEqualTo(5000);
        assertThat(w.hold(1100 * MS)).contains(Duration.ofMillis(500));
    }

    @Test
    void aPeerThatNeverAnswersHoldsTheFailBackForTheBoundOnly() {
        ResyncWatch w = new ResyncWatch(0, Optional.of(stats(0, 10)));
        w.sample(100 * MS, stats(0, 10));
        assertThat(w.ready(ResyncWatch.BOUND.toNanos() - 1)).isFalse();
        assertThat(w.ready(ResyncWatch.BOUND.toNanos())).isTrue();
        assertThat(w.complete(ResyncWatch.BOUND.toNanos())).isFalse();
        // unreadable stats before the request: only the bound can end the wait
        ResyncWatch blind = new ResyncWatch(0, Optional.empty());
        blind.sample(100 * MS, stats(7, 99));
        assertThat(blind.ready(2000 * MS)).isFalse();
    }
}
