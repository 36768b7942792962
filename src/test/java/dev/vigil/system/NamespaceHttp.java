package dev.vigil.system;

import dev.vigil.linux.NetworkNamespace;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Plain HTTP GETs from inside a network namespace, for the admin endpoints that exist only there.
 * The socket is opened on a thread that joined the namespace and stays there; the test JVM itself
 * never moves.
 */
final class NamespaceHttp {

    private NamespaceHttp() {}

    /** A TCP connection opened from inside {@code namespace}. */
    static Socket connect(String namespace, InetSocketAddress to, Duration timeout) throws IOException {
        try {
            return NetworkNamespace.call(namespace, () -> {
                Socket s = new Socket();
                try {
                    s.connect(to, (int) timeout.toMillis());
                    return s;
                } catch (IOException e) {
                    s.close();
                    throw e;
                }
            });
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    /** The body of a 200 answer to {@code GET path}; any other status is an IOException naming it. */
    static String get(String namespace, InetSocketAddress to, String path, Duration timeout) throws IOException {
        try (Socket s = connect(namespace, to, timeout)) {
            s.setSoTimeout((int) timeout.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.0\r\nHost: " + to.getAddress().getHostAddress() + "\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String response = readAll(s.getInputStream());
            int end = response.indexOf("\r\n\r\n");
            if (end < 0) throw new IOException("no HTTP answer from " + to + path);
            String statusLine = response.substring(0, response.indexOf("\r\n"));
            if (!statusLine.matches("HTTP/1\\.[01] 200.*")) throw new IOException(to + path + " answered " + statusLine);
            return response.substring(end + 4);
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        in.transferTo(b);
        return b.toString(StandardCharsets.UTF_8);
    }
}
