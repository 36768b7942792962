package dev.vigil.report;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Objects;

/**
 * The admin token ({@code vigil_admin_token}). Compared through SHA-256 digests with
 * {@link MessageDigest#isEqual}, so neither the content nor the length of the secret leaks through timing.
 */
final class BearerToken {

    private final byte[] digest;

    BearerToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) throw new IllegalArgumentException("vigil_admin_token must not be empty");
        this.digest = sha256(token);
    }

    /** Whether an {@code Authorization} header value ({@code Bearer TOKEN}) carries this token. */
    boolean matches(String authorization) {
        String presented = "";
        if (authorization != null) {
            String a = authorization.strip();
            if (a.length() > 7 && a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                presented = a.substring(7).strip();
            }
        }
        // Always digest and compare, even for a missing header, so every refusal costs the same.
        return MessageDigest.isEqual(digest, sha256(presented)) && !presented.isEmpty();
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
