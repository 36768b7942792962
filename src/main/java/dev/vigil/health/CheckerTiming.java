package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;

import java.time.Duration;

/**
 * A checker's timing with inheritance (checker, then real server, then virtual server) and keepalived's
 * defaults applied: connect_timeout 5 s; retry 1, but 0 for MISC_CHECK and for EXCHANGE_CHECK (whose
 * {@code attempts} already retry within a round); delay_before_retry 3 s for HTTP_GET/SSL_GET, 1 s
 * otherwise; delay_loop 60 s; warmup = delay_loop; alpha off.
 */
public record CheckerTiming(Duration connectTimeout, int retry, Duration delayBeforeRetry, Duration warmup,
                            Duration delayLoop, boolean alpha) {

    public static CheckerTiming resolve(Checker checker, RealServer realServer, VirtualServer virtualServer) {
        return resolve(checker, checker.timing().over(realServer.checkTiming()).over(virtualServer.checkTiming()));
    }

    static CheckerTiming resolve(Checker checker, CheckTiming t) {
        int defaultRetry = switch (checker) {
            case Checker.MiscCheck m -> 0;
            case Checker.ExchangeCheck e -> 0;
            default -> 1;
        };
        Duration defaultRetryDelay = checker instanceof Checker.HttpCheck ? Duration.ofSeconds(3) : Duration.ofSeconds(1);
        Duration delayLoop = t.delayLoop().orElse(CheckTiming.DEFAULT_DELAY_LOOP);
        return new CheckerTiming(t.connectTimeout().orElse(CheckTiming.DEFAULT_CONNECT_TIMEOUT),
                t.retry().orElse(defaultRetry), t.delayBeforeRetry().orElse(defaultRetryDelay),
                t.warmup().orElse(delayLoop), delayLoop, t.alpha().orElse(false));
    }
}
