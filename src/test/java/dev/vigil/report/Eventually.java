package dev.vigil.report;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition with a generous deadline (the build box is small and shared). */
final class Eventually {
    private Eventually() {}

    static void within(Duration deadline, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within " + deadline + ": " + what);
            Thread.sleep(20);
        }
    }
}
