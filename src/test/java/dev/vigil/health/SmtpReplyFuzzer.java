package dev.vigil.health;

import java.io.IOException;

/**
 * Jazzer target (scripts/fuzz smtp): the bytes are what an SMTP server sends to SMTP_CHECK. Each reply
 * (one line, or several joined by {@code NNN-}) must be read as a code of three digits, 000 to 999
 * (RFC 5321), or refused ({@link ProbeRefusal}); the target reads replies until the bytes run out, as the
 * banner and the HELO answer are read one after the other.
 */
public final class SmtpReplyFuzzer {
    private SmtpReplyFuzzer() {}

    public static void fuzzerTestOneInput(byte[] data) {
        try (CheckConnection c = ReplayedSocket.answering(data)) {
            // every reply consumes at least one line, so this ends with the bytes
            while (true) {
                int code = SmtpChecker.reply(c);
                if (code < 0 || code > 999) throw new AssertionError("reply code " + code + " is not 000-999");
            }
        } catch (IOException e) {
            ProbeRefusal.check(e);
        }
    }
}
