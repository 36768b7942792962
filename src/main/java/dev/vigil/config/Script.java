package dev.vigil.config;

import java.util.List;
import java.util.Optional;

/**
 * A script to run: the command as written and its argument vector, split the way keepalived
 * splits it (whitespace separates, quotes group, no shell involved). {@code user} is the
 * optional {@code username [:][groupname]} that follows the command.
 */
public record Script(String commandLine, List<String> argv, Optional<GlobalDefs.ScriptUser> user, Source source) {
    public Script {
        argv = List.copyOf(argv);
        if (argv.isEmpty()) throw new IllegalArgumentException("empty script");
    }

    public String path() {
        return argv.getFirst();
    }
}
