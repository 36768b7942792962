package dev.vigil.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.report.Json;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code vigil reload}: asks the running node to re-read its configuration (as {@code kill -HUP} does),
 * through the admin API, and prints what it applied or the positioned errors that made it refuse.
 * The admin address and token come from the configuration file unless given.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Make the running Vigil re-read its configuration (exit 0 = applied, 1 = refused).")
final class ReloadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigFileOptions configFile;

    @Option(names = "--admin", paramLabel = "HOST:PORT", description = "Admin endpoint (default: vigil_admin, else 127.0.0.1:9180).")
    @Nullable String admin;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Read the bearer token from this file "
            + "instead of vigil_admin_token.")
    @Nullable Path tokenFile;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GlobalDefs globals = GlobalDefs.defaults();
        if (Files.isReadable(configFile.file)) {
            ParseResult parsed = ConfigParser.parse(configFile.file, configFile.apply(ParseOptions.defaults().withUnknownKeywordsAreErrors(false)));
            globals = parsed.config().map(c -> c.global()).orElse(globals);
        }
        Optional<String> token = globals.adminToken();
        try {
            if (tokenFile != null) token = Optional.of(Files.readString(tokenFile).strip());
        } catch (IOException e) {
            return fail(err, "cannot read " + tokenFile + ": " + e.getMessage());
        }
        String address = admin != null ? admin : globals.adminAddress()
                .map(a -> a.getAddress().getHostAddress() + ":" + a.getPort())
                .orElse("127.0.0.1:" + GlobalDefs.DEFAULT_ADMIN_PORT);
        HttpResponse<String> response;
        try {
            response = new AdminClient(address, Duration.ofSeconds(60)).post("/api/v1/reload", token, "{}");
        } catch (IllegalArgumentException e) {
            return fail(err, "--admin: " + e.getMessage());
        } catch (AdminClient.Unreachable e) {
            return fail(err, e.getMessage() + " (or send SIGHUP to the vigil process)");
        }
        JsonNode body;
        try {
            body = Json.mapper().readTree(response.body());
        } catch (IOException e) {
            return fail(err, "HTTP " + response.statusCode() + ": " + response.body().strip());
        }
        if (response.statusCode() == 200) {
            out.println("vigil reload: applied: " + body.path("message").asText());
            out.flush();
            return 0;
        }
        body.path("errors").forEach(e -> err.println(e.asText()));
        return fail(err, "refused (HTTP " + response.statusCode() + "): "
                + body.path("message").asText(body.path("error").asText(response.body().strip())));
    }

    private static int fail(PrintWriter err, String message) {
        err.println("vigil reload: " + message);
        err.flush();
        return 1;
    }
}
