package dev.vigil.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.vigil.testing.ComponentTest;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The connection sync as the status document, {@code vigil status}, the metrics and the mail show it. */
@ComponentTest
class SyncReportTest {

    private static final StatusSnapshot WITH_SYNC =
            Fixtures.withSync(Fixtures.exchange(RealServerState.UP, null), Fixtures.SYNC);

    @Test
    void theStatusDocumentCarriesTheSyncAndReadsBackTheSame() throws Exception {
        byte[] json = StatusJson.write(WITH_SYNC, Fixtures.T0);
        JsonNode y = Json.mapper().readTree(json).get("sync");
        assertThat(y.get("interface").asText()).isEqualTo("eth1");
        assertThat(y.get("mode").asText()).isEqualTo("unicast");
        assertThat(y.get("running").asBoolean()).isTrue();
        assertThat(y.get("conntrackd_pid").asLong()).isEqualTo(4242);
        assertThat(y.get("conntrackd_restarts").asLong()).isEqualTo(3);
        assertThat(y.get("losses").asLong()).isEqualTo(2);
        assertThat(y.get("lost_since").isNull()).isTrue();
        assertThat(y.get("peer_seen").asBoolean()).isTrue();
        assertThat(y.get("link").get("external_entries").asLong()).isEqualTo(3400);
        assertThat(y.get("link").get("bytes_received").asLong()).isEqualTo(789_000);
        assertThat(y.get("last_commit").get("entries").asLong()).isEqualTo(3400);
        assertThat(y.get("last_commit").get("took_millis").asDouble()).isEqualTo(12.345678);
        assertThat(y.get("resyncs_requested").asLong()).isEqualTo(7);
        assertThat(y.get("last_fail_back_hold").get("held_millis").asLong()).isEqualTo(200);
        assertThat(y.get("last_fail_back_hold").get("complete").asBoolean()).isTrue();
        assertThat(StatusJson.read(new String(json, StandardCharsets.UTF_8))).isEqualTo(WITH_SYNC);

        StatusSnapshot without = Fixtures.exchange(RealServerState.UP, null);
        String none = new String(StatusJson.write(without, Fixtures.T0), StandardCharsets.UTF_8);
        assertThat(Json.mapper().readTree(none).get("sync").isNull()).as("no sync: an explicit null").isTrue();
        assertThat(StatusJson.read(none).sync()).isEmpty();
    }

    @Test
    void vigilStatusSaysWhatTheSyncDoesAndShoutsWhenItIsLost() {
        String text = IpvsadmTable.format(WITH_SYNC);
        assertThat(text).contains("sync: unicast to 10.0.1.2 on eth1 for vrrp_instance VI_1, conntrackd running (pid 4242),"
                        + " 3 restarts, 2 losses; peer seen (last 2026-11-25T03:00:04Z), entries 12 own, 3400 the peer's,"
                        + " 56000 B sent, 789000 B received, 3 errors, 5 lost\n")
                .contains("sync: 4 commits (1 unfinished), last 2026-11-25T03:00:00Z: 3400 entries in 12.3 ms,"
                        + " 7 resyncs requested, 8 bulk sends\n");
        var s = Fixtures.SYNC;
        var lost = new StatusSnapshot.Sync(s.interfaceName(), "multicast", "225.0.0.50", Optional.empty(), false,
                Optional.empty(), 4, 1, Optional.of(Fixtures.T0), false, Optional.empty(), Optional.empty(), 0, 0,
                Optional.empty(), 0, 0, Optional.empty());
        assertThat(IpvsadmTable.sync(lost)).startsWith("sync: LOST since 2026-11-25T03:00:00Z, multicast to 225.0.0.50 on"
                + " eth1 for every vrrp_instance, conntrackd NOT running, 4 restarts, 1 loss; peer NOT seen\n");
        assertThat(IpvsadmTable.format(Fixtures.exchange(RealServerState.UP, null))).doesNotContain("sync:");
    }

    @Test
    void theMetricsAreVigilSync() throws Exception {
        var out = new ByteArrayOutputStream();
        new VigilMetrics(() -> WITH_SYNC).scrape(null, out);
        String m = out.toString(StandardCharsets.UTF_8);
        assertThat(m).contains("vigil_sync_configured 1.0")
                .contains("vigil_sync_running 1.0")
                .contains("vigil_sync_lost 0.0")
                .contains("vigil_sync_losses_total 2.0")
                .contains("vigil_sync_conntrackd_restarts_total 3.0")
                .contains("vigil_sync_peer_seen 1.0")
                .contains("vigil_sync_peer_last_seen_timestamp_seconds 1.795575604E9")
                .contains("vigil_sync_entries{cache=\"internal\"} 12.0")
                .contains("vigil_sync_entries{cache=\"external\"} 3400.0")
                .contains("vigil_sync_bytes_total{direction=\"sent\"} 56000.0")
                .contains("vigil_sync_bytes_total{direction=\"received\"} 789000.0")
                .contains("vigil_sync_packets_total{direction=\"received\"} 7890.0")
                .contains("vigil_sync_errors_total{direction=\"sent\"} 1.0")
                .contains("vigil_sync_lost_messages_total 5.0")
                .contains("vigil_sync_commits_total 4.0")
                .contains("vigil_sync_commits_unfinished_total 1.0")
                .contains("vigil_sync_last_commit_entries 3400.0")
                .contains("vigil_sync_last_commit_seconds 0.012345678")
                .contains("vigil_sync_resyncs_requested_total 7.0")
                .contains("vigil_sync_bulk_sends_total 8.0");
        var none = new ByteArrayOutputStream();
        new VigilMetrics(() -> Fixtures.exchange(RealServerState.UP, null)).scrape(null, none);
        assertThat(none.toString(StandardCharsets.UTF_8)).contains("vigil_sync_configured 0.0")
                .doesNotContain("vigil_sync_running");
    }

    @Test
    void aLostAndABackSyncAreMailedThroughTheAlertPath() throws Exception {
        GreenMail smtp = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        smtp.start();
        var settings = new MailAlerter.Settings(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                smtp.getSmtp().getPort()), Duration.ofSeconds(5), "vigil@lb1.example", List.of("ops@example.com"),
                Optional.empty());
        try (MailAlerter alerter = MailAlerter.start(settings, "lb1")) {
            alerter.syncTransition(new SyncTransition(true, "conntrackd exited (status 1)\u001b[2J", 3, Optional.empty(),
                    Fixtures.T0));
            alerter.syncTransition(new SyncTransition(false, "conntrackd answers again", 3,
                    Optional.of(Duration.ofSeconds(7)), Fixtures.T0.plusSeconds(7)));
            Eventually.within(Duration.ofSeconds(10), "2 messages delivered",
                    () -> smtp.getReceivedMessages().length >= 2 || alerter.failed() > 0);
            assertThat(alerter.failed()).isZero();
            List<String> subjects = new ArrayList<>();
            String lostBody = null, backBody = null;
            for (MimeMessage m : smtp.getReceivedMessages()) {
                subjects.add(m.getSubject());
                if (m.getSubject().endsWith("LOST")) lostBody = (String) m.getContent();
                else backBody = (String) m.getContent();
            }
            assertThat(subjects).containsExactlyInAnyOrder("[lb1] Connection sync - LOST", "[lb1] Connection sync - BACK");
            assertThat(lostBody).contains("Reason: conntrackd exited (status 1)\\x1b[2J")
                    .contains("do not survive a failover").contains("Losses since start: 3").doesNotContain("\u001b");
            assertThat(backBody).contains("conntrackd answers again after 7 s");
        } finally {
            smtp.stop();
        }
    }
}
