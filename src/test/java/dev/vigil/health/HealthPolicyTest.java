package dev.vigil.health;

import dev.vigil.config.Checker.ExchangeService;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

/** The pure policy, driven by a virtual monotonic clock (nanoseconds from an arbitrary origin). */
class HealthPolicyTest {

    private static final long T0 = 1_234_567_890L;

    private static long seconds(long s) {
        return TimeUnit.SECONDS.toNanos(s);
    }

    private static CheckerTiming timing(int retry, long dbrSec, long loopSec, boolean alpha) {
        return new CheckerTiming(Duration.ofSeconds(5), retry, Duration.ofSeconds(dbrSec), Duration.ofSeconds(loopSec),
                Duration.ofSeconds(loopSec), alpha);
    }

    private static CheckResult ok() {
        return CheckResult.pass(Duration.ZERO);
    }

    private static CheckResult fail(String why) {
        return CheckResult.fail(why, Duration.ZERO);
    }

    @Test
    void aFailureIsRetriedRetryTimesBeforeTheCheckerGoesDown() {
        CheckerPolicy p = new CheckerPolicy(timing(2, 1, 10, false));
        assertThat(p.up()).isTrue();
        long next = p.record(T0, false);
        assertThat(next).isEqualTo(T0 + seconds(1));
        assertThat(p.up()).isTrue();
        next = p.record(next, false);
        assertThat(p.up()).isTrue();
        next = p.record(next, false);
        assertThat(p.up()).isFalse();
        assertThat(next).isEqualTo(T0 + seconds(12));
        // while down, a failure waits a whole delay_loop and is not retried
        next = p.record(next, false);
        assertThat(next).isEqualTo(T0 + seconds(22));
        next = p.record(next, true);
        assertThat(p.up()).isTrue();
        assertThat(next).isEqualTo(T0 + seconds(32));
    }

    @Test
    void aSuccessResetsTheRetryCount() {
        CheckerPolicy p = new CheckerPolicy(timing(1, 1, 10, false));
        p.record(T0, false);
        p.record(T0 + seconds(1), true);
        p.record(T0 + seconds(11), false);
        assertThat(p.up()).as("one fresh retry after a success").isTrue();
        p.record(T0 + seconds(12), false);
        assertThat(p.up()).isFalse();
    }

    @Test
    void alphaStartsDownUntilTheFirstSuccess() {
        RealServerPolicy rs = new RealServerPolicy(3, false, List.of(new CheckerPolicy(timing(1, 1, 10, true))));
        assertThat(rs.verdict().alive()).isFalse();
        assertThat(rs.verdict().reason()).contains("alpha");
        rs.record(0, T0, ok());
        assertThat(rs.verdict()).extracting(RealServerPolicy.Verdict::alive, RealServerPolicy.Verdict::weight)
                .containsExactly(true, 3);
    }

    @Test
    void everyCheckerMustPass() {
        RealServerPolicy rs = new RealServerPolicy(1, false, List.of(new CheckerPolicy(timing(0, 1, 10, false)),
                new CheckerPolicy(timing(0, 1, 10, false))));
        rs.record(0, T0, ok());
        rs.record(1, T0, fail("connect refused"));
        var v = rs.verdict();
        assertThat(v.alive()).isFalse();
        assertThat(v.state()).isEqualTo(HealthState.DOWN);
        assertThat(v.reason()).isEqualTo("connect refused");
        rs.record(1, T0 + seconds(10), ok());
        assertThat(rs.verdict().alive()).isTrue();
    }

    @Test
    void inhibitOnFailureKeepsTheServerInTheTableWithWeightZero() {
        RealServerPolicy kept = new RealServerPolicy(5, true, List.of(new CheckerPolicy(timing(0, 1, 10, false))));
        RealServerPolicy removed = new RealServerPolicy(5, false, List.of(new CheckerPolicy(timing(0, 1, 10, false))));
        kept.record(0, T0, fail("x"));
        removed.record(0, T0, fail("x"));
        assertThat(kept.verdict()).extracting(RealServerPolicy.Verdict::weight, RealServerPolicy.Verdict::inTable)
                .containsExactly(0, true);
        assertThat(removed.verdict()).extracting(RealServerPolicy.Verdict::weight, RealServerPolicy.Verdict::inTable)
                .containsExactly(0, false);
    }

    @Test
    void miscDynamicSetsTheWeightAndExitZeroLeavesIt() {
        RealServerPolicy rs = new RealServerPolicy(1, false, List.of(new CheckerPolicy(timing(0, 1, 10, false))));
        rs.record(0, T0, new CheckResult(true, "exit 12", OptionalInt.of(10), false, Map.of(), Duration.ZERO));
        assertThat(rs.verdict().weight()).isEqualTo(10);
        rs.record(0, T0 + seconds(10), ok());
        assertThat(rs.verdict().weight()).isEqualTo(10);
        rs.record(0, T0 + seconds(20), new CheckResult(true, "exit 22", OptionalInt.of(20), false, Map.of(),
                Duration.ZERO));
        assertThat(rs.verdict().weight()).isEqualTo(20);
        rs.record(0, T0 + seconds(30), fail("exit 1"));
        assertThat(rs.verdict()).extracting(RealServerPolicy.Verdict::alive, RealServerPolicy.Verdict::weight)
                .containsExactly(false, 0);
    }

    @Test
    void allServicesUnavailableIsMaintenanceNotACrash() {
        var owa = new ServiceStatus(ExchangeService.OWA, false, 0, 3, 503, "HTTP 503");
        CheckResult drained = new CheckResult(false, "all services HTTP 503", OptionalInt.empty(), true,
                Map.of(ExchangeService.OWA, owa), Duration.ZERO);
        RealServerPolicy rs = new RealServerPolicy(1, false, List.of(new CheckerPolicy(timing(0, 1, 10, false))));
        rs.record(0, T0, drained);
        assertThat(rs.verdict().state()).isEqualTo(HealthState.MAINTENANCE);
        assertThat(rs.verdict().services()).containsEntry(ExchangeService.OWA, owa);
        rs.record(0, T0 + seconds(10), fail("connect refused"));
        assertThat(rs.verdict().state()).isEqualTo(HealthState.DOWN);
    }

    @Test
    void quorumIsLostBelowQuorumMinusHysteresisAndRegainedAtQuorumPlusHysteresis() {
        QuorumPolicy q = new QuorumPolicy(4, 1);
        assertThat(q.update(4)).isFalse();
        assertThat(q.update(3)).as("3 is within the hysteresis").isFalse();
        assertThat(q.update(2)).isTrue();
        assertThat(q.up()).isFalse();
        assertThat(q.update(4)).as("4 is not yet quorum + hysteresis").isFalse();
        assertThat(q.update(5)).isTrue();
        assertThat(q.up()).isTrue();
        QuorumPolicy zero = new QuorumPolicy(0, 0);
        assertThat(zero.update(0)).as("no live weight is never a quorum").isTrue();
    }

    @Test
    void warmupDelaysTheFirstCheckRandomlyAndZeroDisablesIt() {
        CheckerPolicy p = new CheckerPolicy(timing(0, 1, 10, false));
        Random random = new Random(7);
        for (int i = 0; i < 100; i++) {
            long first = p.firstCheck(T0, random);
            assertThat(first).isBetween(T0, T0 + seconds(10));
        }
        CheckerPolicy none = new CheckerPolicy(new CheckerTiming(Duration.ofSeconds(5), 0, Duration.ofSeconds(1),
                Duration.ZERO, Duration.ofSeconds(10), false));
        assertThat(none.firstCheck(T0, random)).isEqualTo(T0);
    }

    /** When a server with these checker settings dies. */
    record Failure(int loopSec, int retry, int dbrSec, int timeoutSec, int failAtMs, int warmupSeed) {}

    static final Gen<Failure> FAILURES = in -> new Failure(integers().between(1, 60).generate(in),
            integers().between(0, 3).generate(in), integers().between(1, 5).generate(in),
            integers().between(1, 10).generate(in), integers().between(0, 600_000).generate(in),
            integers().between(0, 100).generate(in));

    /**
     * Detection law on a virtual clock: a server that dies at any moment is declared down within
     * delay_loop + timeout + retry * (delay_before_retry + timeout), plus one healthy check's duration.
     */
    @Test
    void failureIsDetectedWithinTheDocumentedBound() {
        qt().withExamples(300).forAll(FAILURES).checkAssert(f -> failureIsDetectedWithinTheDocumentedBound(f.loopSec(),
                f.retry(), f.dbrSec(), f.timeoutSec(), f.failAtMs(), f.warmupSeed()));
    }

    private static void failureIsDetectedWithinTheDocumentedBound(int loopSec, int retry, int dbrSec, int timeoutSec,
                                                                  int failAtMs, int warmupSeed) {
        CheckerTiming t = new CheckerTiming(Duration.ofSeconds(timeoutSec), retry, Duration.ofSeconds(dbrSec),
                Duration.ofSeconds(loopSec), Duration.ofSeconds(loopSec), false);
        RealServerPolicy rs = new RealServerPolicy(1, false, List.of(new CheckerPolicy(t)));
        Duration healthyCheck = Duration.ofMillis(20);
        long failAt = T0 + TimeUnit.MILLISECONDS.toNanos(failAtMs);
        long due = rs.checkers().getFirst().firstCheck(T0, new Random(warmupSeed));
        Long detected = null;
        while (detected == null) {
            boolean ok = due - failAt < 0;
            // a failing check hangs until its timeout, the worst case
            long done = due + (ok ? healthyCheck : t.connectTimeout()).toNanos();
            due = rs.record(0, done, ok ? ok() : fail("timeout"));
            if (!rs.verdict().alive()) detected = done;
        }
        Duration bound = rs.checkers().getFirst().worstDetection(t.connectTimeout()).plus(healthyCheck);
        assertThat(Duration.ofNanos(detected - failAt)).isLessThanOrEqualTo(bound);
    }
}
