package dev.vigil.health;

import dev.vigil.exchange.SelfSignedCertificate;

import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/** Small loopback servers for checker tests: they record what they were sent. */
final class TinyServers {

    private TinyServers() {}

    /**
     * Answers each connection by {@code answer(requestHead)}; with {@code tls} it speaks TLS with a fresh
     * certificate and records the SNI names asked for. A null answer means: say nothing and hold the line.
     */
    static final class Http implements AutoCloseable {
        final ServerSocket listener;
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> sniNames = new CopyOnWriteArrayList<>();
        final SelfSignedCertificate cert = SelfSignedCertificate.create("tiny.test", List.of(InetAddress.getLoopbackAddress()));

        Http(boolean tls, Function<String, String> answer) throws IOException {
            listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket c = listener.accept();
                        Thread.ofVirtual().start(() -> serve(c, tls, answer));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket raw, boolean tls, Function<String, String> answer) {
            try (raw) {
                Socket s = raw;
                if (tls) {
                    SSLSocket t = (SSLSocket) cert.serverContext().getSocketFactory().createSocket(raw, null, raw.getPort(), true);
                    t.setUseClientMode(false);
                    t.startHandshake();
                    ((ExtendedSSLSession) t.getSession()).getRequestedServerNames()
                            .forEach(n -> sniNames.add(((SNIHostName) n).getAsciiName()));
                    s = t;
                }
                String head = readHead(s.getInputStream());
                requests.add(head);
                String a = answer.apply(head);
                if (a == null) {
                    Thread.sleep(60_000);
                    return;
                }
                OutputStream out = s.getOutputStream();
                out.write(a.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                s.close();
            } catch (IOException | InterruptedException e) {
                // test client went away
            }
        }

        InetSocketAddress address() {
            return new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            b.write(c);
            String s = b.toString(StandardCharsets.ISO_8859_1);
            if (s.endsWith("\r\n\r\n") || s.endsWith("\n\n")) break;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    static String response(int status, String body) {
        return "HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** Established client-side TCP connections from this host to {@code port} (via ss). */
    static int establishedTo(int port) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-Htn", "state", "established", "dport", "= :" + port)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }
}
