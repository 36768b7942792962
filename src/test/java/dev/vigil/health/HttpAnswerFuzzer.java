package dev.vigil.health;

import java.io.IOException;
import java.util.regex.Pattern;

/**
 * Jazzer target (scripts/fuzz http): the bytes are what a real server answers to the HTTP_GET, SSL_GET or
 * EXCHANGE_CHECK request. The probe must come back with an answer (status, MD5, bounded body head) or
 * refuse the answer ({@link ProbeRefusal}); a status is three digits, 000 to 999 (RFC 9110). The body is
 * then read as EXCHANGE_CHECK reads it.
 */
public final class HttpAnswerFuzzer {
    private static final String REQUEST = HttpProbe.request("/owa/healthcheck.htm", "ex1.example", "1.1", "fuzz");
    private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");
    private static final Pattern HEALTHY_BODY = Pattern.compile("200 OK<br/>(\\S+)");

    private HttpAnswerFuzzer() {}

    public static void fuzzerTestOneInput(byte[] data) {
        HttpProbe.Answer a;
        try (CheckConnection c = ReplayedSocket.answering(data)) {
            a = HttpProbe.get(c, REQUEST);
        } catch (IOException e) {
            ProbeRefusal.check(e);
            return;
        }
        if (!MD5.matcher(a.md5()).matches()) throw new AssertionError("not an MD5: " + a.md5());
        if (a.status() < 0 || a.status() > 999) throw new AssertionError("status " + a.status() + " is not 000-999");
        if (a.bodyHead().length() > HttpProbe.HEAD_LIMIT || a.bodyHead().length() > data.length) {
            throw new AssertionError("a body head of " + a.bodyHead().length() + " chars from " + data.length + " bytes");
        }
        HEALTHY_BODY.matcher(a.bodyHead()).find();
    }
}
