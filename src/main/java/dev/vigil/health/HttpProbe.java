package dev.vigil.health;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * A minimal HTTP GET over a {@link CheckConnection}, sending keepalived's request
 * ({@code GET path HTTP/1.0}, {@code User-Agent}, {@code Host}; {@code Connection: close} for 1.0C and 1.1)
 * and reading the status, then the body (by Content-Length, chunked, or to the close) into an MD5 digest
 * and a bounded head kept for regex matching.
 */
final class HttpProbe {

    static final int HEAD_LIMIT = 64 * 1024;
    static final long BODY_LIMIT = 64L * 1024 * 1024;

    /** A response: status, lower-case hex MD5 of the decoded body, and its first bytes as text. */
    record Answer(int status, String md5, String bodyHead) {}

    private HttpProbe() {}

    static String request(String path, String host, String protocol, String userAgent) {
        String version = protocol.startsWith("1.1") ? "HTTP/1.1" : "HTTP/1.0";
        boolean close = !protocol.equals("1.0");
        return "GET " + path + " " + version + "\r\n"
                + "User-Agent: " + userAgent + "\r\n"
                + "Host: " + host + "\r\n"
                + (close ? "Connection: close\r\n" : "")
                + "\r\n";
    }

    static Answer get(CheckConnection c, String request) throws IOException {
        c.write(request);
        String statusLine = c.readLine(8192);
        if (statusLine == null) throw new IOException("connection closed without an answer");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP answer: " + abbreviate(statusLine));
        }
        // three digits (RFC 9110): Integer.parseInt alone took "+200" and "0200" for 200, and "2013" as is
        if (!threeDigits(parts[1])) throw new IOException("bad HTTP status line: " + abbreviate(statusLine));
        int status = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        for (String h; (h = c.readLine(8192)) != null && !h.isEmpty(); ) {
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                try {
                    length = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + abbreviate(value));
                }
            } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                chunked = true;
            }
        }
        Body body = new Body();
        if (chunked) {
            while (true) {
                String sizeLine = c.readLine(1024);
                if (sizeLine == null) throw new IOException("chunked body cut short");
                int semi = sizeLine.indexOf(';');
                long size;
                try {
                    size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + abbreviate(sizeLine));
                }
                if (size == 0) break;
                body.copy(c, size);
                c.readLine(16);
            }
        } else if (length >= 0) {
            body.copy(c, length);
        } else {
            body.copy(c, -1);
        }
        return new Answer(status, HexFormat.of().formatHex(body.md5.digest()),
                new String(body.head, 0, body.headLength, StandardCharsets.ISO_8859_1));
    }

    /** Whether {@code s} is three ASCII digits, as HTTP status codes and SMTP reply codes are written. */
    static boolean threeDigits(String s) {
        return s.length() == 3 && s.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    static String abbreviate(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    private static final class Body {
        final MessageDigest md5;
        final byte[] head = new byte[HEAD_LIMIT];
        int headLength;
        long total;

        Body() {
            try {
                md5 = MessageDigest.getInstance("MD5");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        /** Copies {@code n} bytes, or to the end of stream when {@code n < 0}. */
        void copy(CheckConnection c, long n) throws IOException {
            byte[] buf = new byte[8192];
            long left = n;
            while (n < 0 || left > 0) {
                int want = n < 0 ? buf.length : (int) Math.min(buf.length, left);
                int got = c.read(buf, 0, want);
                if (got < 0) {
                    if (n < 0) return;
                    throw new IOException("body cut short");
                }
                md5.update(buf, 0, got);
                int keep = Math.min(got, HEAD_LIMIT - headLength);
                if (keep > 0) {
                    System.arraycopy(buf, 0, head, headLength, keep);
                    headLength += keep;
                }
                total += got;
                if (total > BODY_LIMIT) throw new IOException("body larger than " + BODY_LIMIT + " bytes");
                left -= got;
            }
        }
    }
}
