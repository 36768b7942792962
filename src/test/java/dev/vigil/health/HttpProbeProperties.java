package dev.vigil.health;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

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

/** Whatever a server sends, the HTTP probe returns an answer or an IOException, never anything else. */
class HttpProbeProperties {

    private static ServerSocket listener;
    private static final BlockingQueue<byte[]> NEXT = new LinkedBlockingQueue<>();

    @BeforeContainer
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

    @AfterContainer
    static void stop() throws IOException {
        listener.close();
    }

    @Provide
    Arbitrary<byte[]> answers() {
        Arbitrary<String> status = Arbitraries.of("HTTP/1.1 200 OK", "HTTP/1.0 503 x", "HTTP/1.1 abc", "HTTP/", "SSH-2.0",
                "", "HTTP/1.1 200");
        Arbitrary<String> header = Arbitraries.of("Content-Length: 5", "Content-Length: -3", "Content-Length: x",
                "Transfer-Encoding: chunked", "X: y", ":", "Content-Length: 99999999999999999999");
        Arbitrary<String> body = Arbitraries.strings().ofMaxLength(40);
        Arbitrary<String> text = net.jqwik.api.Combinators.combine(status, header.list().ofMaxSize(3), body)
                .as((s, h, b) -> s + "\r\n" + String.join("\r\n", h) + "\r\n\r\n" + b);
        return Arbitraries.oneOf(text.map(t -> t.getBytes(StandardCharsets.ISO_8859_1)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
    }

    @Property(tries = 150)
    void anyAnswerIsParsedOrRefusedWithAnIoException(@ForAll("answers") byte[] answer) throws Exception {
        NEXT.put(answer);
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
