package dev.vigil.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands of a transition and the bounded wait for the commit, against a fake conntrackd and clock. */
class TakeoverTest {

    /** Records commands; its commit finishes after {@code commitNanos} of the fake clock, or never. */
    static final class FakeConntrackd implements Conntrackd {
        final List<String> commands = new ArrayList<>();
        long now;
        long finished;
        long commitNanos = 5_000_000;
        boolean commitNeverEnds;
        boolean refuse;
        int flushRefusals;

        @Override
        public boolean flush(Duration timeout) {
            commands.add("-f");
            now += 1_000_000;
            return flushRefusals-- <= 0;
        }

        @Override
        public boolean control(String option, Duration timeout) {
            commands.add(option);
            return !refuse;
        }

        @Override
        public Optional<ConntrackdStats> stats() {
            commands.add("-s");
            return Optional.empty();
        }

        @Override
        public long commitsFinished() {
            return finished;
        }

        @Override
        public Optional<ConntrackdLog.Commit> awaitCommit(long after, long deadlineNanos) {
            if (commitNeverEnds || now + commitNanos > deadlineNanos) {
                now = Math.max(now, deadlineNanos);
                return Optional.empty();
            }
            now += commitNanos;
            finished = after + 1;
            return Optional.of(new ConntrackdLog.Commit(42, Duration.ofNanos(commitNanos)));
        }
    }

    private static Takeover takeover(FakeConntrackd c) {
        return new Takeover(c, () -> c.now);
    }

    @Test
    void aRefusedFlushDoesNotStopTheResync() throws Exception {
        FakeConntrackd c = new FakeConntrackd();
        c.flushRefusals = 1;
        takeover(c).becameMaster();
        assertThat(c.commands).containsExactly("-f", "-R", "-B");
    }

    @Test
    void masterCommitsAndWaitsForTheDaemonsReport() throws Exception {
        FakeConntrackd c = new FakeConntrackd();
        Takeover t = takeover(c);
        Takeover.Commit commit = t.commit(0);
        assertThat(commit).isEqualTo(new Takeover.Commit(true, 42, Duration.ofMillis(5)));
        t.becameMaster();
        t.leftMaster();
        assertThat(c.commands).containsExactly("-c", "-f", "-R", "-B", "-t", "-n");
    }

    @Test
    void aCommitThatNeverEndsDelaysByTheBoundOnly() throws Exception {
        FakeConntrackd c = new FakeConntrackd();
        c.commitNeverEnds = true;
        Takeover.Commit commit = takeover(c).commit(0);
        assertThat(commit.finished()).isFalse();
        assertThat(commit.took()).isEqualTo(Takeover.COMMIT_BOUND);
        c.commitNeverEnds = false;
        c.commitNanos = Takeover.COMMIT_BOUND.toNanos() + 1;
        c.now = 0;
        assertThat(takeover(c).commit(0).finished()).isFalse();
    }

    @Test
    void aLargerTableIsWaitedForLongerButNeverPastTheMaximum() throws Exception {
        assertThat(Takeover.commitBound(0)).isEqualTo(Takeover.COMMIT_BOUND);
        assertThat(Takeover.commitBound(100_000)).isEqualTo(Duration.ofSeconds(2));
        assertThat(Takeover.commitBound(262_144)).isLessThanOrEqualTo(Takeover.MAX_COMMIT_BOUND);
        assertThat(Takeover.commitBound(10_000_000)).isEqualTo(Takeover.MAX_COMMIT_BOUND);
        FakeConntrackd c = new FakeConntrackd();
        c.commitNanos = Duration.ofMillis(1500).toNanos(); // past the plain bound, within a 100,000-entry one
        assertThat(takeover(c).commit(100_000).finished()).isTrue();
    }

    @Test
    void aRefusedCommitDoesNotWait() throws Exception {
        FakeConntrackd c = new FakeConntrackd();
        c.refuse = true;
        Takeover.Commit commit = takeover(c).commit(0);
        assertThat(commit).isEqualTo(new Takeover.Commit(false, 0, Duration.ZERO));
    }
}
