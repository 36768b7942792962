package dev.vigil.health;

import dev.vigil.config.Checker;
import dev.vigil.config.Script;
import dev.vigil.script.ScriptResult;
import dev.vigil.script.ScriptRunner;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;

/**
 * {@code MISC_CHECK}: runs {@code misc_path} through the {@link ScriptRunner}, killed after
 * {@code misc_timeout} (default: delay_loop). Exit 0 passes, 1 fails; 2..255 fail, or with
 * {@code misc_dynamic} pass with weight code - 2. A timeout is a failure.
 */
final class MiscChecker implements HealthCheck {

    private final Checker.MiscCheck config;
    private final Script script;
    private final ScriptRunner runner;
    private final Duration timeout;

    MiscChecker(Checker.MiscCheck config, ScriptRunner runner, Duration timeout) {
        this.config = config;
        // A checker's own user wins over the script's and over script_user.
        Script s = config.script();
        this.script = config.user().isPresent() ? new Script(s.commandLine(), s.argv(), config.user(), s.source()) : s;
        this.runner = runner;
        this.timeout = timeout;
    }

    @Override
    public CheckResult check() throws InterruptedException {
        ScriptResult r;
        try {
            r = runner.run(script, timeout).get();
        } catch (ExecutionException e) {
            return CheckResult.fail("misc_path: " + e.getCause(), Duration.ZERO);
        }
        if (r.problem().isPresent()) return CheckResult.fail("misc_path: " + r.problem().get(), r.duration());
        if (r.timedOut()) return CheckResult.fail("misc_path: timed out after " + timeout.toMillis() + " ms, killed",
                r.duration());
        int code = r.exitCode();
        if (code == 0) return CheckResult.pass(r.duration());
        if (config.dynamic() && code >= 2 && code <= 255) {
            return new CheckResult(true, "exit " + code, OptionalInt.of(code - 2), false, Map.of(), r.duration());
        }
        // CheckResult escapes the output's control characters: a newline shows as \n, ESC as \x1b.
        String out = r.output().isBlank() ? "" : ": " + HttpProbe.abbreviate(r.output().strip());
        return CheckResult.fail("misc_path: exit " + code + out, r.duration());
    }

    @Override
    public Duration hardTimeout() {
        return timeout.plusSeconds(5);
    }

    @Override
    public String kind() {
        return "MISC_CHECK";
    }
}
