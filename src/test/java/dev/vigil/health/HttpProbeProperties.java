package dev.vigil.health;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.strings;

/** Whatever a server sends, the HTTP probe returns an answer or an IOException, never anything else. */
@ComponentTest
class HttpProbeProperties {

    private static ServerSocket listener;
    private static final BlockingQueue<byte[]> NEXT = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!listener.isClosed()) {
                try (Socket c = listener.accept()) {
                    c.getOutputStream().write(NEXT.take());
                    c.shutdownOutput();
                    c.getInputStream().readAllBytes();
                } catch (IOException | InterruptedException e) {
                    // next
                }
            }
        });
    }

    @AfterAll
    static void stop() throws IOException {
        listener.close();
    }

    static final Gen<byte[]> ANSWERS = answers();

    private static Gen<byte[]> answers() {
        Gen<String> status = arbitrary().pick("HTTP/1.1 200 OK", "HTTP/1.0 503 x", "HTTP/1.1 abc", "HTTP/", "SSH-2.0",
                "", "HTTP/1.1 200");
        Gen<String> header = arbitrary().pick("Content-Length: 5", "Content-Length: -3", "Content-Length: x",
                "Transfer-Encoding: chunked", "X: y", ":", "Content-Length: 99999999999999999999");
        Gen<String> body = strings().allPossible().ofLengthBetween(0, 40);
        Gen<String> text = status.zip(lists().of(header).ofSizeBetween(0, 3), body,
                (s, h, b) -> s + "\r\n" + String.join("\r\n", h) + "\r\n\r\n" + b);
        Gen<byte[]> noise = Generate.byteArrays(integers().between(0, 200),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
        return Generate.oneOf(text.map(t -> t.getBytes(StandardCharsets.ISO_8859_1)), noise)
                .describedAs(HttpProbeProperties::quoted);
    }

    /** The answer as a string literal, so a falsifying one reads as what the server sent. */
    private static String quoted(byte[] answer) {
        StringBuilder b = new StringBuilder("\"");
        for (byte x : answer) {
            int c = x & 0xff;
            if (c == '\r') b.append("\\r");
            else if (c == '\n') b.append("\\n");
            else if (c == '"' || c == '\\') b.append('\\').append((char) c);
            else if (c < 0x20 || c >= 0x7f) b.append(String.format("\\x%02x", c));
            else b.append((char) c);
        }
        return b.append('"').toString();
    }

    @Test
    void anyAnswerIsParsedOrRefusedWithAnIoException() {
        qt().withExamples(150).forAll(ANSWERS)
                .checkAssert(HttpProbeProperties::anyAnswerIsParsedOrRefusedWithAnIoException);
    }

    private static void anyAnswerIsParsedOrRefusedWithAnIoException(byte[] answer) {
        NEXT.add(answer);
        try (CheckConnection c = CheckConnection.open(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5))) {
            HttpProbe.Answer a = HttpProbe.get(c, HttpProbe.request("/", "h", "1.0", "t"));
            assertThat(a.md5()).hasSize(32);
        } catch (IOException expected) {
            assertThat(expected.getMessage()).isNotBlank();
        }
    }
}
