package dev.vigil.system;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Client traffic to a plain HTTP virtual server: a {@link ClientLoad} whose request is one {@code GET /}
 * over HTTP/1.0; the answering server is the answer's body, as {@link MisbehavingServer} sends its name.
 */
final class PlainHttpLoad {
    private PlainHttpLoad() {}

    static ClientLoad start(String namespace, InetSocketAddress to, int workers, Duration pause,
                            Duration connectTimeout, Duration readTimeout) {
        return ClientLoad.start(namespace, workers, pause, connectTimeout.plus(readTimeout), () -> {
            try (Socket s = new Socket()) {
                s.connect(to, (int) connectTimeout.toMillis());
                s.setSoTimeout((int) readTimeout.toMillis());
                s.getOutputStream().write("GET / HTTP/1.0\r\nHost: vigil\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                ByteArrayOutputStream answer = new ByteArrayOutputStream();
                s.getInputStream().transferTo(answer);
                String text = answer.toString(StandardCharsets.US_ASCII);
                int body = text.indexOf("\r\n\r\n");
                if (text.startsWith("HTTP/1.0 200") && body > 0) return text.substring(body + 4);
                throw new ClientLoad.Refused(text.isEmpty() ? "closed without an answer"
                        : "answer: " + text.lines().findFirst().orElse(""));
            }
        });
    }
}
