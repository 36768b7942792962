package dev.vigil.config;

import java.time.Duration;
import java.util.Optional;

/**
 * Checker timing options that may be written on a virtual server, a real server or a checker;
 * the nearest one wins ({@link #over}). Empty means "inherit".
 */
public record CheckTiming(Optional<Duration> connectTimeout, Optional<Integer> retry,
                          Optional<Duration> delayBeforeRetry, Optional<Duration> warmup,
                          Optional<Duration> delayLoop, Optional<Boolean> alpha) {

    public static final CheckTiming INHERIT = new CheckTiming(Optional.empty(), Optional.empty(),
            Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_DELAY_LOOP = Duration.ofSeconds(60);

    /** This timing, with anything it leaves empty taken from {@code outer}. */
    public CheckTiming over(CheckTiming outer) {
        return new CheckTiming(connectTimeout.or(outer::connectTimeout), retry.or(outer::retry),
                delayBeforeRetry.or(outer::delayBeforeRetry), warmup.or(outer::warmup),
                delayLoop.or(outer::delayLoop), alpha.or(outer::alpha));
    }
}
