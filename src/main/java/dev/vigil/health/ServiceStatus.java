package dev.vigil.health;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.text.ControlCharacters;

/**
 * One Exchange service's result in the last round: {@code up} if any of {@code tries} answered 200;
 * {@code lastStatus} is the last HTTP status seen (0 when none: refused, timeout, TLS failure); {@code detail}
 * may quote the server, so its control characters are escaped.
 */
public record ServiceStatus(ExchangeService service, boolean up, int passedTries, int tries, int lastStatus,
                            String detail) {
    public ServiceStatus {
        detail = ControlCharacters.escape(detail);
    }

    /** Failed with a 503 answer: the protocol is inactive (failed or set to maintenance), not unreachable. */
    public boolean unavailable() {
        return !up && lastStatus == 503;
    }
}
