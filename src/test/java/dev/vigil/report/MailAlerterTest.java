package dev.vigil.report;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class MailAlerterTest {

    private static MailAlerter.Settings settings(int port, Duration timeout) {
        return new MailAlerter.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), timeout,
                "vigil@lb1.example", List.of("ops@example.com", "oncall@example.com"), Optional.of("lb1.example"));
    }

    @Test
    void alertArrivesWithKeepalivedHeadersForEveryRecipient() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        smtp.start();
        try (MailAlerter alerter = MailAlerter.start(settings(smtp.getSmtp().getPort(), Duration.ofSeconds(5)), "lb1")) {
            alerter.vrrpTransition(Fixtures.toMaster("VI_1"));
            alerter.realServerTransition(Fixtures.realServerDown("TCP connect to 10.0.0.11:443 refused"));
            Eventually.within(Duration.ofSeconds(10), "4 messages delivered",
                    () -> smtp.getReceivedMessages().length >= 4 || alerter.failed() > 0);
            assertThat(alerter.failed()).isZero();
            MimeMessage[] got = smtp.getReceivedMessages();
            assertThat(got).hasSize(4); // two alerts, two recipients each
            List<String> subjects = new ArrayList<>();
            for (MimeMessage m : got) subjects.add(m.getSubject());
            assertThat(subjects).containsOnly("[lb1] VRRP Instance VI_1 - Entering MASTER state",
                    "[lb1] Realserver [10.0.0.11]:443 of virtual server [10.0.0.1]:443 - DOWN");
            MimeMessage down = got[0].getSubject().contains("Realserver") ? got[0] : got[got.length - 1];
            assertThat(down.getFrom()[0].toString()).isEqualTo("vigil@lb1.example");
            assertThat(down.getRecipients(Message.RecipientType.TO)).extracting(Object::toString)
                    .containsExactly("ops@example.com", "oncall@example.com");
            assertThat(down.getSentDate().toInstant()).isEqualTo(Fixtures.T0);
            assertThat(((String) down.getContent())).contains("TCP connect to 10.0.0.11:443 refused");
            // The server has the message before the alerter has its answer: the count follows a moment later.
            Eventually.within(Duration.ofSeconds(10), "both alerts counted as sent", () -> alerter.sent() >= 2);
            assertThat(alerter.sent()).isEqualTo(2);
            assertThat(alerter.failed()).isZero();
        } finally {
            smtp.stop();
        }
    }

    @Test
    void controlCharactersInNamesAndReasonsArriveEscaped() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        smtp.start();
        try (MailAlerter alerter = MailAlerter.start(settings(smtp.getSmtp().getPort(), Duration.ofSeconds(5)), "lb1")) {
            // What a hostile real server or script could put in a reason: terminal escapes and a forged line.
            alerter.realServerTransition(Fixtures.realServerDown("misc_path: exit 1: \u001b[2J\nNode: lb2\r"));
            alerter.vrrpTransition(Fixtures.toMaster("VI_\u001b]0;x\u0007"));
            Eventually.within(Duration.ofSeconds(10), "4 messages delivered",
                    () -> smtp.getReceivedMessages().length >= 4 || alerter.failed() > 0);
            MimeMessage[] got = smtp.getReceivedMessages();
            assertThat(got).hasSize(4);
            MimeMessage down = got[0].getSubject().contains("Realserver") ? got[0] : got[got.length - 1];
            MimeMessage master = down == got[0] ? got[got.length - 1] : got[0];
            String body = (String) down.getContent();
            assertThat(body).contains("Reason: misc_path: exit 1: \\x1b[2J\\nNode: lb2\\r")
                    .doesNotContain("\u001b").doesNotContain("\nNode: lb2");
            assertThat(master.getSubject()).isEqualTo("[lb1] VRRP Instance VI_\\x1b]0;x\\x07 - Entering MASTER state");
            assertThat((String) master.getContent()).contains("VI_\\x1b]0;x\\x07").doesNotContain("\u001b");
        } finally {
            smtp.stop();
        }
    }

    @Test
    void unreachableServerNeitherDelaysTheCallerNorGoesUncounted() throws Exception {
        try (HeldPort refusing = HeldPort.refusing();
             MailAlerter alerter = MailAlerter.start(settings(refusing.port(), Duration.ofSeconds(2)), "lb1")) {
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) alerter.vrrpTransition(Fixtures.toMaster("VI_" + i));
            long callerMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(callerMillis).as("caller time for 5 alerts").isLessThan(500);
            Eventually.within(Duration.ofSeconds(20), "5 failures counted", () -> alerter.failed() == 5);
            assertThat(alerter.sent()).isZero();
        }
    }

    /**
     * A tar pit answers one byte every 300 ms, forever (a greeting of continuation lines that never ends), so
     * no read ever waits the 1 s timeout: each mail must still fail within its deadline, counted, and the next
     * one be tried.
     */
    @Test
    @SuppressWarnings("try") // the tar pit is closed early, inside the try, to end its acceptor
    void aTarpitServerCostsEachMailItsDeadlineAndIsCounted() throws Exception {
        try (ServerSocket tarpit = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket s = tarpit.accept();
                        accepted.add(s);
                        Thread.ofVirtual().start(() -> dribble(s));
                    }
                } catch (Exception ignored) {
                    // closed at the end of the test
                }
            });
            Duration timeout = Duration.ofSeconds(1);
            try (MailAlerter alerter = MailAlerter.start(settings(tarpit.getLocalPort(), timeout), "lb1")) {
                long start = System.nanoTime();
                alerter.vrrpTransition(Fixtures.toMaster("VI_1"));
                alerter.realServerTransition(Fixtures.realServerDown("timeout"));
                assertThat((System.nanoTime() - start) / 1_000_000).as("caller time for 2 alerts, ms").isLessThan(500);
                assertThat(alerter.queued()).isBetween(1, 2);
                Eventually.within(MailAlerter.conversationDeadline(timeout).multipliedBy(2).plusSeconds(6),
                        "both mails failed", () -> alerter.failed() == 2);
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                System.out.println("tar pit: 2 mails failed after " + took.toMillis() + " ms (deadline "
                        + MailAlerter.conversationDeadline(timeout).toMillis() + " ms each)");
                assertThat(took).isGreaterThanOrEqualTo(MailAlerter.conversationDeadline(timeout).multipliedBy(2));
                assertThat(alerter.sent()).isZero();
                assertThat(alerter.dropped()).isZero();
                assertThat(alerter.queued()).isZero();
            } finally {
                tarpit.close();
                acceptor.join(2000);
                for (Socket s : accepted) s.close();
            }
        }
    }

    private static void dribble(Socket s) {
        byte[] line = "220-tarpit.example.com slowly\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try (s) {
            for (int i = 0; ; i++) {
                s.getOutputStream().write(line[i % line.length]);
                s.getOutputStream().flush();
                Thread.sleep(300);
            }
        } catch (Exception ignored) {
            // the client gave up, or the test ended
        }
    }

    @Test
    @SuppressWarnings("try") // closed early with a short deadline, inside the try
    void fullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        // A server that accepts and never speaks: the sender hangs on the greeting until its timeout.
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new ArrayList<>();
            Thread acceptor = Thread.ofVirtual().start(() -> {
                try {
                    while (true) accepted.add(silent.accept());
                } catch (Exception ignored) {
                    // closed at the end of the test
                }
            });
            try (MailAlerter alerter = MailAlerter.start(settings(silent.getLocalPort(), Duration.ofSeconds(3)), "lb1", 2)) {
                long start = System.nanoTime();
                for (int i = 0; i < 10; i++) alerter.realServerTransition(Fixtures.realServerDown("timeout"));
                assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(500);
                // one in flight, two queued, the rest dropped (the sender may not have taken the first yet)
                assertThat(alerter.dropped()).isBetween(7L, 8L);
                alerter.close(Duration.ofMillis(100));
            } finally {
                silent.close();
                acceptor.join(2000);
                for (Socket s : accepted) s.close();
            }
        }
    }
}
