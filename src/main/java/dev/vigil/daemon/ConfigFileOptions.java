package dev.vigil.daemon;

import dev.vigil.config.ParseOptions;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code -f FILE} and {@code -i ID}, as keepalived spells them, for every command that reads the configuration. */
final class ConfigFileOptions {
    @Option(names = {"-f", "--use-file"}, paramLabel = "FILE",
            description = "Configuration file (default: ${DEFAULT-VALUE}).")
    Path file = Path.of("/etc/keepalived/keepalived.conf");

    @Option(names = {"-i", "--config-id"}, paramLabel = "ID",
            description = "Config id that @ID conditional lines are compared with (default: short host name).")
    @Nullable String configId;

    /** Parse options with the config id applied. */
    ParseOptions apply(ParseOptions options) {
        return configId == null ? options : options.withConfigId(configId);
    }
}
