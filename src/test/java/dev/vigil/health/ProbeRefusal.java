package dev.vigil.health;

import java.io.IOException;

/**
 * What the HTTP and SMTP fuzz targets accept as a refusal of a server's answer: an {@link IOException}
 * of exactly that class thrown by the checker's own code (the checker turns it into a failed check).
 * An IOException subclass or one from deeper down is a finding; so is any other throwable, which the
 * targets let through.
 */
final class ProbeRefusal {
    private ProbeRefusal() {}

    static void check(IOException e) {
        StackTraceElement[] at = e.getStackTrace();
        boolean ours = e.getClass() == IOException.class && at.length > 0
                && at[0].getClassName().startsWith("dev.vigil.health.");
        if (!ours) throw new AssertionError("not one of the checker's refusals: " + e, e);
    }
}
