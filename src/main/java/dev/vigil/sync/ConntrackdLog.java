package dev.vigil.sync;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads conntrackd 1.4.7's console lines for what Vigil must know: a commit has finished. {@code conntrackd -c}
 * returns as soon as the daemon has started the commit, so the daemon's own "Committed N new entries" and
 * "commit has taken S seconds" lines are the proof that the synced entries are in the kernel.
 */
public final class ConntrackdLog {
    private static final Pattern COMMITTED = Pattern.compile("\\[notice] Committed (\\d+) new entr(?:y|ies)");
    private static final Pattern TAKEN = Pattern.compile("\\[notice] commit has taken ([0-9.]+) seconds");

    private long pendingEntries = -1;

    private ConntrackdLog() {}

    public static ConntrackdLog create() {
        return new ConntrackdLog();
    }

    /** A finished commit as conntrackd reported it. */
    public record Commit(long entries, Duration took) {}

    /** Feeds one line; returns the commit it completes, if it does. */
    public Optional<Commit> line(String line) {
        Matcher m = COMMITTED.matcher(line);
        if (m.find()) {
            pendingEntries = Long.parseLong(m.group(1));
            return Optional.empty();
        }
        m = TAKEN.matcher(line);
        if (!m.find()) return Optional.empty();
        long entries = Math.max(0, pendingEntries);
        pendingEntries = -1;
        long micros = Math.round(Double.parseDouble(m.group(1)) * 1e6);
        return Optional.of(new Commit(entries, Duration.ofNanos(micros * 1000)));
    }

    /** The daemon's answer to {@code -f}: flushed (true), or ignored because a commit is still in progress (false). */
    public static Optional<Boolean> flushAnswer(String line) {
        if (line.contains("[notice] flushing caches")) return Optional.of(true);
        if (line.contains("ignoring flush command")) return Optional.of(false);
        return Optional.empty();
    }

    /** Lines worth a warning in Vigil's log (conntrackd's errors), the rest are logged at debug. */
    public static boolean isError(String line) {
        return (line.contains("[ERROR]") || line.contains("[WARNING]")) && flushAnswer(line).isEmpty();
    }
}
