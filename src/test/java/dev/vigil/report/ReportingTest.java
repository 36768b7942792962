package dev.vigil.report;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@ComponentTest
class ReportingTest {

    @Test
    void oneStartWiresMetricsFifoMailAndTheAdminEndpoint(@TempDir Path dir) throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        smtp.start();
        Path fifo = dir.resolve("notify.fifo");
        var globals = Fixtures.globals(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), smtp.getSmtp().getPort()),
                fifo.toString(), "tok");
        try (Reporting reporting = Reporting.start(globals, "lb1",
                Optional.of(new InetSocketAddress(InetAddress.ofLiteral("127.0.0.1"), 0)),
                () -> Fixtures.exchange(RealServerState.UP, null), new RecordingActions())) {
            reporting.vrrpTransition(Fixtures.toMaster("VI_1"), true);
            reporting.realServerTransition(Fixtures.realServerDown("refused"), false); // smtp_alert off for it
            reporting.observeCheck("TCP_CHECK", Duration.ofMillis(2), true);

            try (BufferedReader r = Files.newBufferedReader(fifo, StandardCharsets.UTF_8)) {
                assertThat(r.readLine()).isEqualTo("INSTANCE \"VI_1\" MASTER 100");
                assertThat(r.readLine()).isEqualTo("RS [10.0.0.11]:tcp:443 [10.0.0.1]:tcp:443 DOWN");
            }
            MailAlerter mail = reporting.mail().orElseThrow();
            Eventually.within(Duration.ofSeconds(10), "the VRRP mail sent", () -> mail.sent() == 1);
            Thread.sleep(300);
            assertThat(smtp.getReceivedMessages()).extracting(m -> m.getSubject())
                    .containsExactly("[lb1] VRRP Instance VI_1 - Entering MASTER state");

            var out = new ByteArrayOutputStream();
            reporting.metrics().scrape(null, out);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("vigil_mail_sent_total 1.0")
                    .contains("vigil_notify_fifo_lines_written_total 2.0")
                    .contains("vigil_check_duration_seconds_count{checker=\"TCP_CHECK\",result=\"success\"} 1");

            int port = reporting.admin().address().getPort();
            try (HttpClient http = HttpClient.newHttpClient()) {
                var drain = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/real-servers/drain"))
                        .header("Authorization", "Bearer tok")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"real_server\":\"10.0.0.11:443\"}")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(drain.statusCode()).as("token from global_defs").isEqualTo(200);
            }
        } finally {
            smtp.stop();
        }
    }
}
