package dev.vigil.testing;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

import java.util.ArrayList;
import java.util.List;

/**
 * With {@code vigil.requireAll=true} (a system property or JUnit configuration parameter; .ci/run sets
 * it) every test that did not run fails the run, with its reason: skipped by any condition
 * ({@link RequiresRoot}, a missing browser, {@code @Disabled}, {@code @EnabledIf...}) or aborted by an
 * assumption, in any test engine. Without the switch a skip stays a skip, so a run without root is
 * still green and names what it left out.
 *
 * <p>A session listener, registered in META-INF/services, because the launcher only logs an exception
 * from a test execution listener; one from closing the session ends the run (the surefire fork) with
 * this message, after every test has been reported.
 */
public final class RequireAllTests implements LauncherSessionListener {

    public static final String SWITCH = "vigil.requireAll";

    private final NotRun notRun = new NotRun();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        session.getLauncher().registerTestExecutionListeners(notRun);
    }

    @Override
    public void launcherSessionClosed(LauncherSession session) {
        List<String> tests = notRun.tests();
        if (notRun.required && !tests.isEmpty()) {
            throw new AssertionError(tests.size() + (tests.size() == 1 ? " test" : " tests")
                    + " did not run, and " + SWITCH + "=true allows none to be skipped:\n  "
                    + String.join("\n  ", tests));
        }
    }

    /** Skipped and aborted tests and containers, and whether any test plan asked for all to run. */
    private static final class NotRun implements TestExecutionListener {
        private final List<String> tests = new ArrayList<>();
        private volatile boolean required;

        @Override
        public void testPlanExecutionStarted(TestPlan plan) {
            if (plan.getConfigurationParameters().getBoolean(SWITCH).orElse(false)) required = true;
        }

        @Override
        public void executionSkipped(TestIdentifier test, String reason) {
            record(test, "skipped: " + reason);
        }

        @Override
        public void executionFinished(TestIdentifier test, TestExecutionResult result) {
            if (result.getStatus() == TestExecutionResult.Status.ABORTED) {
                record(test, "aborted: " + result.getThrowable().map(Throwable::getMessage).orElse("no reason given"));
            }
        }

        private synchronized void record(TestIdentifier test, String why) {
            tests.add(name(test) + " " + why);
        }

        synchronized List<String> tests() {
            return List.copyOf(tests);
        }

        private static String name(TestIdentifier test) {
            TestSource source = test.getSource().orElse(null);
            if (source instanceof MethodSource m) return m.getClassName() + "#" + test.getDisplayName();
            if (source instanceof ClassSource c) return c.getClassName();
            return test.getDisplayName();
        }
    }
}
