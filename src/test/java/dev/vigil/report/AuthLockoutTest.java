package dev.vigil.report;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class AuthLockoutTest {
    private final AtomicLong now = new AtomicLong(-5_000_000_000L); // nanoTime may be negative
    private final AuthLockout lockout = new AuthLockout(now::get);
    private static final InetAddress A = InetAddress.ofLiteral("192.0.2.1");
    private static final InetAddress B = InetAddress.ofLiteral("192.0.2.2");

    private void advanceSeconds(double s) {
        now.addAndGet((long) (s * 1e9));
    }

    @Test
    void theFifthFailureWithinAMinuteLocksTheSourceOutForAMinute() {
        for (int i = 1; i < AuthLockout.MAX_FAILURES; i++) {
            lockout.failed(A);
            assertThat(lockout.retryAfterSeconds(A)).isZero();
        }
        lockout.failed(A);
        assertThat(lockout.retryAfterSeconds(A)).isEqualTo(60);
        assertThat(lockout.retryAfterSeconds(B)).isZero();
        advanceSeconds(59.5);
        assertThat(lockout.retryAfterSeconds(A)).isEqualTo(1);
        advanceSeconds(0.5);
        assertThat(lockout.retryAfterSeconds(A)).isZero();
        lockout.failed(A);
        assertThat(lockout.retryAfterSeconds(A)).as("a new window starts after the lockout").isZero();
    }

    @Test
    void failuresSpreadOverMoreThanTheWindowDoNotAddUpAndTheRightTokenForgivesThem() {
        for (int i = 0; i < 20; i++) {
            lockout.failed(A);
            advanceSeconds(16); // four fit in a minute, the fifth starts a new one
        }
        assertThat(lockout.retryAfterSeconds(A)).isZero();
        for (int i = 1; i < AuthLockout.MAX_FAILURES; i++) lockout.failed(B);
        lockout.succeeded(B);
        lockout.failed(B);
        assertThat(lockout.retryAfterSeconds(B)).isZero();
    }

    @Test
    void aFullTableLocksOutNewSourcesUntilOldFailuresAreOver() {
        for (int i = 0; i < AuthLockout.MAX_SOURCES; i++) {
            lockout.failed(InetAddress.ofLiteral("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255)));
        }
        assertThat(lockout.retryAfterSeconds(A)).isEqualTo(AuthLockout.LOCKOUT.toSeconds());
        lockout.failed(A);
        assertThat(lockout.retryAfterSeconds(InetAddress.ofLiteral("10.0.0.1"))).isZero();
        advanceSeconds(61);
        assertThat(lockout.retryAfterSeconds(A)).isZero();
    }
}
