package dev.vigil.sync;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** conntrackd 1.4.7's console lines, as it printed them here. */
class ConntrackdLogTest {

    @Test
    void aCommitFinishesWithItsTimeLine() {
        ConntrackdLog log = ConntrackdLog.create();
        assertThat(log.line("[Wed Dec  2 07:23:36 2026] (pid=20911) [notice] committing all external caches")).isEmpty();
        assertThat(log.line("[Wed Dec  2 07:23:36 2026] (pid=20911) [notice] Committed 1234 new entries")).isEmpty();
        assertThat(log.line("[Wed Dec  2 07:23:36 2026] (pid=20911) [notice] commit has taken 0.012500 seconds"))
                .contains(new ConntrackdLog.Commit(1234, Duration.ofNanos(12_500_000)));
        assertThat(log.line("[Wed Dec  2 07:23:37 2026] (pid=20911) [notice] commit has taken 0.000020 seconds"))
                .contains(new ConntrackdLog.Commit(0, Duration.ofNanos(20_000)));
    }

    @Test
    void errorsAreToldButARefusedFlushIsAnAnswer() {
        assertThat(ConntrackdLog.isError("[ERROR] can't open channel socket: No such device")).isTrue();
        assertThat(ConntrackdLog.isError("[notice] initialization completed")).isFalse();
        String refused = "[Wed Dec  2 08:05:58 2026] (pid=7730) [ERROR] ignoring flush command, commit still in progress";
        assertThat(ConntrackdLog.isError(refused)).isFalse();
        assertThat(ConntrackdLog.flushAnswer(refused)).contains(false);
        assertThat(ConntrackdLog.flushAnswer("[Wed Dec  2 08:05:58 2026] (pid=7730) [notice] flushing caches")).contains(true);
    }
}
