package dev.vigil.testing;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/** Runs the launcher on {@link Skipping} in a session of its own, as surefire does, with the switch on and off. */
class RequireAllTestsTest {

    /**
     * One test of each kind that does not run. Surefire leaves nested classes out of a normal run; a
     * {@code -Dtest} pattern that names it runs it, and it reports its skips.
     */
    static class Skipping {
        @Test
        @RequiresRoot(commands = "no-such-command-xyz")
        void needsAMissingCommand() {
        }

        @Test
        @Disabled("disabled by hand")
        void disabled() {
        }

        @Test
        void assumesWhatIsFalse() {
            Assumptions.assumeTrue(false, "an assumption that does not hold");
        }

        @Test
        void runs() {
        }
    }

    @Test
    void withTheSwitchOnEverySkipAndAbortFailsTheSessionNamingTheTestAndTheReason() {
        LauncherSession session = LauncherFactory.openSession();
        TestExecutionSummary summary = run(session, "true");
        assertThat(summary.getTestsSkippedCount()).isEqualTo(2);
        assertThat(summary.getTestsAbortedCount()).isEqualTo(1);
        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        assertThatThrownBy(session::close)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("3 tests did not run, and vigil.requireAll=true allows none to be skipped:")
                .hasMessageContaining(Skipping.class.getName() + "#needsAMissingCommand() skipped: needs ")
                .hasMessageContaining("#disabled() skipped: disabled by hand")
                .hasMessageContaining("#assumesWhatIsFalse() aborted: Assumption failed: an assumption that does not hold")
                .message().doesNotContain("#runs()");
    }

    @Test
    void withTheSwitchOffSkipsStaySkips() {
        LauncherSession session = LauncherFactory.openSession();
        TestExecutionSummary summary = run(session, "false");
        assertThat(summary.getTestsSkippedCount() + summary.getTestsAbortedCount()).isEqualTo(3);
        session.close();
    }

    /** An explicit parameter, so that the CI run's own -Dvigil.requireAll=true does not decide the "off" case. */
    private static TestExecutionSummary run(LauncherSession session, String requireAll) {
        var summary = new SummaryGeneratingListener();
        session.getLauncher().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(selectClass(Skipping.class))
                .configurationParameter(RequireAllTests.SWITCH, requireAll)
                .build(), summary);
        return summary.getSummary();
    }
}
