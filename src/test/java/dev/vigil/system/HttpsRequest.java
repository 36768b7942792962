package dev.vigil.system;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;

/**
 * What a client of the virtual server does: a TLS connection to the VIP (the Exchange test servers'
 * certificates are self-signed, so they are not verified) and one HTTP/1.1 GET, whose answer names the
 * server behind the balancer. Must be called on a thread that is inside the client namespace.
 */
final class HttpsRequest {

    /** An answer: the status and which Exchange server sent it (the body is its FQDN). */
    record Answer(int status, String server) {}

    static final SSLContext TRUST_ALL = trustAll();

    private HttpsRequest() {}

    /** Opens a connection, asks once and keeps the connection open (HTTP keep-alive) for the caller. */
    static SSLSocket open(InetSocketAddress to, Duration connectTimeout, Duration readTimeout) throws IOException {
        Socket raw = new Socket();
        try {
            raw.connect(to, (int) connectTimeout.toMillis());
            raw.setSoTimeout((int) readTimeout.toMillis());
            SSLSocket tls = (SSLSocket) TRUST_ALL.getSocketFactory()
                    .createSocket(raw, to.getAddress().getHostAddress(), to.getPort(), true);
            tls.startHandshake();
            return tls;
        } catch (IOException | RuntimeException e) {
            raw.close();
            throw e;
        }
    }

    /** One GET on an open connection; the connection stays usable when {@code keepAlive}. */
    static Answer get(SSLSocket s, String path, boolean keepAlive) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: mail.domain.ru\r\nUser-Agent: vigil-system-test\r\n"
                + "Connection: " + (keepAlive ? "keep-alive" : "close") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        String statusLine = line(in);
        if (statusLine == null) throw new IOException("connection closed before an answer");
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) throw new IOException("not HTTP: " + statusLine);
        int status = Integer.parseInt(parts[1]);
        int length = -1;
        for (String h; (h = line(in)) != null && !h.isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) length = Integer.parseInt(h.substring(15).trim());
        }
        if (length < 0) throw new IOException("answer without Content-Length");
        byte[] body = in.readNBytes(length);
        if (body.length < length) throw new IOException("answer cut short after " + body.length + " of " + length + " bytes");
        return new Answer(status, new String(body, StandardCharsets.UTF_8).trim());
    }

    /** A whole request on a fresh connection, closed afterwards. */
    static Answer once(InetSocketAddress to, String path, Duration connectTimeout, Duration readTimeout) throws IOException {
        try (SSLSocket s = open(to, connectTimeout, readTimeout)) {
            return get(s, path, false);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            if (b.size() > 8192) throw new IOException("header line too long");
            b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static SSLContext trustAll() {
        try {
            SSLContext c = SSLContext.getInstance("TLS");
            c.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return c;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
