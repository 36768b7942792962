package dev.vigil.config;

import java.time.Duration;

/**
 * Gratuitous ARP / unsolicited NA timing after becoming master: {@code repeat} at once, {@code repeat}
 * more after {@code delay}, then {@code refreshRepeat} every {@code refresh} (zero = no refresh).
 */
public record Garp(Duration delay, int repeat, Duration refresh, int refreshRepeat) {
    public static final Garp DEFAULTS = new Garp(Duration.ofSeconds(5), 5, Duration.ZERO, 1);
}
