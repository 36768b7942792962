package dev.vigil.health;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.text.ControlCharacters;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The outcome of one check of one real server by one checker. {@code weight} is set by
 * {@code misc_dynamic} (exit 2..255 gives code - 2); {@code maintenance} marks a failure that means
 * "drained on purpose" (every Exchange service answered 503); {@code services} holds the Exchange
 * services' statuses of the round, empty for other checkers. The reason often quotes what a real server or a
 * script said, so its control characters are escaped here, before it reaches a log, a mail or the status page.
 */
public record CheckResult(boolean ok, String reason, OptionalInt weight, boolean maintenance,
                          Map<ExchangeService, ServiceStatus> services, Duration latency) {

    public CheckResult {
        reason = ControlCharacters.escape(reason);
        services = Map.copyOf(services);
    }

    public static CheckResult pass(Duration latency) {
        return new CheckResult(true, "ok", OptionalInt.empty(), false, Map.of(), latency);
    }

    public static CheckResult fail(String reason, Duration latency) {
        return new CheckResult(false, reason, OptionalInt.empty(), false, Map.of(), latency);
    }
}
