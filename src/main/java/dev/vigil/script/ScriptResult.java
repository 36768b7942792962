package dev.vigil.script;

import java.time.Duration;
import java.util.Optional;

/**
 * How a script run ended. {@code exitCode} is the process's exit status (-1 when it never ran or was
 * killed); {@code problem} says why it could not run (refused by script security, not found).
 */
public record ScriptResult(int exitCode, boolean timedOut, String output, Duration duration,
                           Optional<String> problem) {

    /** Exit 0, in time, and actually run. */
    public boolean succeeded() {
        return exitCode == 0 && !timedOut && problem.isEmpty();
    }

    static ScriptResult notRun(String why) {
        return new ScriptResult(-1, false, "", Duration.ZERO, Optional.of(why));
    }

    /** A short human text: "exit 1", "timed out after 2s", "refused: ...". */
    public String describe() {
        if (problem.isPresent()) return problem.get();
        if (timedOut) return "timed out after " + duration.toMillis() + " ms";
        return "exit " + exitCode;
    }
}
