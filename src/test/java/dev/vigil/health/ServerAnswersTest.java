package dev.vigil.health;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * How the HTTP probe and the SMTP checker read a server's answer, from canned bytes: the inputs Jazzer
 * found (scripts/fuzz http, smtp) among them. Component tier only because {@link CheckConnection} names
 * java.net.Socket; no socket is opened.
 */
@ComponentTest
class ServerAnswersTest {

    static HttpProbe.Answer http(String answer) throws IOException {
        try (CheckConnection c = ReplayedSocket.answering(answer.getBytes(StandardCharsets.ISO_8859_1))) {
            return HttpProbe.get(c, "GET / HTTP/1.1\r\n\r\n");
        }
    }

    static int smtp(String replies) throws IOException {
        try (CheckConnection c = ReplayedSocket.answering(replies.getBytes(StandardCharsets.ISO_8859_1))) {
            return SmtpChecker.reply(c);
        }
    }

    @Test
    void readsAStatusAndABody() throws IOException {
        HttpProbe.Answer a = http("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.bodyHead()).isEqualTo("hello");
        assertThat(a.md5()).isEqualTo("5d41402abc4b2a76b9719d911017c592");
        assertThat(http("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x\r\nlo\r\n0\r\n\r\n").bodyHead())
                .isEqualTo("hello");
    }

    /** Jazzer's first HTTP finding: "HTTP/1. 2013 Found" gave status 2013; "+200" and "0200" passed as 200. */
    @Test
    void aStatusIsThreeDigits() {
        for (String status : new String[] {"2013", "+200", "0200", "-1", "20"}) {
            assertThatThrownBy(() -> http("HTTP/1.1 " + status + " OK\r\nContent-Length: 0\r\n\r\n"))
                    .as(status).isExactlyInstanceOf(IOException.class).hasMessageStartingWith("bad HTTP status line");
        }
    }

    @Test
    void readsTheCodeOfAMultiLineReply() throws IOException {
        assertThat(smtp("220-mail.example.org ESMTP\r\n220 ready\r\n")).isEqualTo(220);
        assertThat(smtp("250\r\n")).isEqualTo(250);
    }

    /** Jazzer's SMTP finding: "-54" was read as reply code -54 (and "+22 x" as 22). */
    @Test
    void aReplyCodeIsThreeDigits() {
        for (String reply : new String[] {"-54", "+22 ok", " 22 ok", "2x0 ok", "22"}) {
            assertThatThrownBy(() -> smtp(reply + "\r\n")).as(reply)
                    .isExactlyInstanceOf(IOException.class).hasMessageStartingWith("not an SMTP reply");
        }
    }
}
