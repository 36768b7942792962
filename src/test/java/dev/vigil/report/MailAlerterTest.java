package dev.vigil.report;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
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
            assertThat(alerter.sent()).isEqualTo(2);
            assertThat(alerter.failed()).isZero();
        } finally {
            smtp.stop();
        }
    }

    @Test
    void unreachableServerNeitherDelaysTheCallerNorGoesUncounted() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (MailAlerter alerter = MailAlerter.start(settings(closedPort, Duration.ofSeconds(2)), "lb1")) {
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) alerter.vrrpTransition(Fixtures.toMaster("VI_" + i));
            long callerMillis = (System.nanoTime() - start) / 1_000_000;
            assertThat(callerMillis).as("caller time for 5 alerts").isLessThan(500);
            Eventually.within(Duration.ofSeconds(20), "5 failures counted", () -> alerter.failed() == 5);
            assertThat(alerter.sent()).isZero();
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
