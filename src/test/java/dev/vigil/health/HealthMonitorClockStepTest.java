package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker.Connection;
import dev.vigil.config.VirtualServer;
import dev.vigil.script.ScriptRunner;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import static dev.vigil.health.ConfigFixtures.http;
import static dev.vigil.health.ConfigFixtures.realServer;
import static dev.vigil.health.ConfigFixtures.timing;
import static dev.vigil.health.ConfigFixtures.url;
import static dev.vigil.health.ConfigFixtures.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * An NTP step of the wall clock, an hour back or forward, must neither stall nor rush a checker: the
 * monitor schedules on the monotonic clock and uses the wall clock only to stamp its events.
 */
@ComponentTest
class HealthMonitorClockStepTest {

    private static final long LOOP_MS = 500;
    private static final long RETRY_DELAY_MS = 300;
    private static final long WARMUP_MS = 300;
    /** What a loaded machine may add to a wake-up, beyond the check's own duration. */
    private static final long SLACK_MS = 1000;

    /** The HTTP status the server gives to each check, in order; retry 2, so three failures take it down. */
    private static final int[] ANSWERS = {200, 200, 500, 500, 500, 500, 200, 200, 500, 200, 500, 500, 200, 200};
    private static final int DOWN_AT = 4;
    private static final int UP_AT = 6;
    /** keepalived's wait after each check but the last: a failure while up and with retries left waits less. */
    private static final long[] WAIT_AFTER_MS = {LOOP_MS, LOOP_MS, RETRY_DELAY_MS, RETRY_DELAY_MS, LOOP_MS, LOOP_MS,
            LOOP_MS, LOOP_MS, RETRY_DELAY_MS, LOOP_MS, RETRY_DELAY_MS, RETRY_DELAY_MS, LOOP_MS};

    /**
     * A wall clock that a test steps, and a monotonic clock that runs with real time from an origin just
     * short of the {@code long} overflow, since only differences of monotonic readings mean anything.
     */
    static final class SteppedClock extends Clock {
        private final long origin = Long.MAX_VALUE - System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        private volatile Duration step = Duration.ZERO;

        void step(Duration by) {
            step = step.plus(by);
        }

        long nanoTime() {
            return System.nanoTime() + origin;
        }

        @Override
        public Instant instant() {
            return Instant.now().plus(step);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    private record Check(long atNanos, Duration latency, boolean ok) {}

    private record Event(int afterChecks, RealServerHealth health, Instant wallBeforeStep) {}

    @Test
    void steppingTheWallClockAnHourEitherWayKeepsEveryCheckOnItsMonotonicCadence() throws Exception {
        AtomicInteger requests = new AtomicInteger();
        Function<String, String> answers = head -> {
            int i = requests.getAndIncrement();
            return TinyServers.response(i < ANSWERS.length ? ANSWERS[i] : 200, "");
        };
        try (var server = new TinyServers.Http(false, answers);
             var scripts = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(200))) {
            SteppedClock clock = new SteppedClock();
            List<Check> checks = new CopyOnWriteArrayList<>();
            List<Event> events = new CopyOnWriteArrayList<>();
            CheckTiming t = timing(Duration.ofSeconds(2), 2, Duration.ofMillis(RETRY_DELAY_MS),
                    Duration.ofMillis(WARMUP_MS), Duration.ofMillis(LOOP_MS), false);
            VirtualServer vs = virtualServer("10.9.0.1", 80, CheckTiming.INHERIT, false, realServer("127.0.0.1",
                    server.address().getPort(), http(false, Connection.DEFAULT, t, List.of(url("/", null)), null,
                            false, null, null)));
            // The listener runs after the monitor has taken a check's time and before it waits for the
            // next: a wall-clock scheduler that read the clock on either side would see the step.
            HealthListener stepOnEachChange = e -> {
                int n = checks.size();
                events.add(new Event(n, e, clock.instant()));
                if (n == 0) clock.step(Duration.ofHours(-1));      // during warmup
                if (n == DOWN_AT + 1) clock.step(Duration.ofHours(1));
                if (n == UP_AT + 1) clock.step(Duration.ofHours(-1));
            };
            long started = clock.nanoTime();
            try (var monitor = new HealthMonitor(List.of(vs), scripts, stepOnEachChange, new Random(1),
                    (v, rs, kind, latency, ok) -> checks.add(new Check(clock.nanoTime(), latency, ok)), clock,
                    clock::nanoTime)) {
                monitor.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (checks.size() < ANSWERS.length && System.nanoTime() < deadline) Thread.sleep(20);
            }

            assertThat(checks).as("checks within 20 s (fewer: a checker stalled)").hasSizeGreaterThanOrEqualTo(ANSWERS.length);
            for (int k = 0; k < ANSWERS.length; k++) {
                assertThat(checks.get(k).ok()).as("check %d passed", k).isEqualTo(ANSWERS[k] == 200);
            }
            assertThat(millis(checks.getFirst().atNanos() - started)).as("first check within warmup")
                    .isLessThanOrEqualTo(WARMUP_MS + checks.getFirst().latency().toMillis() + SLACK_MS);
            List<Long> gaps = new ArrayList<>();
            for (int k = 0; k + 1 < ANSWERS.length; k++) gaps.add(millis(checks.get(k + 1).atNanos() - checks.get(k).atNanos()));
            System.out.printf("wall clock stepped -1 h, +1 h, -1 h: ms between checks %s, waits %s%n", gaps,
                    Arrays.toString(WAIT_AFTER_MS));
            for (int k = 0; k < gaps.size(); k++) {
                long wait = WAIT_AFTER_MS[k];
                assertThat(gaps.get(k)).as("ms from check %d to the next, which should wait %d ms (all: %s)", k, wait, gaps)
                        .isGreaterThanOrEqualTo(wait)
                        .isLessThanOrEqualTo(wait + checks.get(k + 1).latency().toMillis() + SLACK_MS);
            }

            assertThat(events).as("down at the third failure in a row, up at the first success")
                    .extracting(Event::afterChecks, e -> e.health().state())
                    .containsExactly(tuple(0, HealthState.UP), tuple(DOWN_AT + 1, HealthState.DOWN),
                            tuple(UP_AT + 1, HealthState.UP));
            for (Event e : events) {
                assertThat(e.health().at()).as("events are stamped by the wall clock, steps included")
                        .isBetween(e.wallBeforeStep().minusSeconds(5), e.wallBeforeStep());
            }
        }
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
