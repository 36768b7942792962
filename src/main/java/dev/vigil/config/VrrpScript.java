package dev.vigil.config;

import java.time.Duration;

/** {@code vrrp_script NAME { script; interval; timeout; weight [reverse]; rise; fall; user; init_fail }}. */
public record VrrpScript(String name, Script script, Duration interval, Duration timeout, int weight,
                         boolean weightReverse, int rise, int fall, boolean initFail, Source source) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
}
