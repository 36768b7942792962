package dev.vigil.report;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class VigilMetricsTest {

    private static String scrape(VigilMetrics metrics) throws Exception {
        var out = new ByteArrayOutputStream();
        String type = metrics.scrape(null, out);
        assertThat(type).startsWith("text/plain; version=0.0.4");
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void gaugesFollowTheSnapshotAtScrapeTimeWithOneSupplierCall() throws Exception {
        AtomicReference<StatusSnapshot> current = new AtomicReference<>(Fixtures.exchange(RealServerState.UP, null));
        AtomicInteger calls = new AtomicInteger();
        VigilMetrics metrics = new VigilMetrics(() -> {
            calls.incrementAndGet();
            return current.get();
        });
        String first = scrape(metrics);
        assertThat(calls).hasValue(1);
        String rs2 = "{protocol=\"TCP\",real_server=\"10.0.0.12:443\",virtual_server=\"10.0.0.1:443\"}";
        assertThat(first)
                .contains("vigil_real_server_active_connections{protocol=\"TCP\",real_server=\"10.0.0.11:443\",virtual_server=\"10.0.0.1:443\"} 12.0")
                .contains("vigil_real_server_up" + rs2 + " 1.0")
                .contains("vigil_real_server_connections_total" + rs2 + " 104.0")
                .contains("vigil_real_server_bytes_in_total" + rs2 + " 2000.0")
                .contains("vigil_real_server_bytes_out_total" + rs2 + " 20000.0")
                .contains("vigil_virtual_server_active_connections{protocol=\"TCP\",virtual_server=\"10.0.0.1:443\"} 16.0")
                .contains("vigil_vrrp_state{instance=\"VI_1\",state=\"MASTER\"} 1.0")
                .contains("vigil_vrrp_state{instance=\"VI_1\",state=\"BACKUP\"} 0.0")
                .contains("vigil_vrrp_priority{instance=\"VI_1\"} 150.0")
                .contains("vigil_vrrp_adverts_dropped_total{instance=\"VI_1\",reason=\"BAD_CHECKSUM\"} 3.0")
                .contains("vigil_vrrp_adverts_dropped_total{instance=\"VI_1\",reason=\"NOT_A_PEER\"} 14.0")
                .contains("vigil_build_info{router_id=\"lb1\",version=\"0.1.0\"} 1")
                .contains("# TYPE vigil_real_server_connections_total counter")
                .contains("vigil_proxy_connections_accepted_total 1234.0")
                .contains("# TYPE vigil_proxy_open_connections gauge").contains("vigil_proxy_open_connections 5.0")
                .contains("vigil_proxy_no_real_server_total 2.0")
                .contains("vigil_proxy_connect_failures_total 7.0")
                .contains("vigil_proxy_connect_retries_total 6.0")
                .contains("vigil_proxy_resets_passed_total 3.0")
                .contains("vigil_proxy_idle_timeouts_total 4.0")
                .contains("vigil_proxy_bind_failures_total 8.0")
                .contains("vigil_proxy_accept_failures_total 9.0")
                .contains("# TYPE vigil_proxy_accept_failures_total counter")
                .contains("vigil_proxy_refused_maxconn_total 10.0")
                .contains("vigil_proxy_refused_per_source_total 11.0")
                .contains("vigil_proxy_half_close_timeouts_total 12.0")
                .contains("vigil_kernel_guard_drops_total 13.0")
                .contains("jvm_memory_used_bytes").contains("process_cpu_seconds_total").contains("jvm_threads_current")
                .contains("jvm_gc_collection_seconds").contains("jvm_classes_currently_loaded")
                .contains("jvm_buffer_pool_used_bytes").contains("jvm_runtime_info")
                .doesNotContain("jvm_native_memory");

        current.set(Fixtures.exchange(RealServerState.DOWN, "HTTP 503 from /ews/healthcheck.htm"));
        String second = scrape(metrics);
        assertThat(second).contains("vigil_real_server_up" + rs2 + " 0.0")
                .contains("vigil_real_server_service_up{protocol=\"TCP\",real_server=\"10.0.0.12:443\",service=\"ews\",virtual_server=\"10.0.0.1:443\"} 0.0")
                .contains("vigil_real_server_state{protocol=\"TCP\",real_server=\"10.0.0.12:443\",state=\"DOWN\",virtual_server=\"10.0.0.1:443\"} 1.0");
    }

    @Test
    void eventsFeedTransitionCountersAndHistograms() throws Exception {
        AtomicLong nanos = new AtomicLong(Long.MAX_VALUE - 1_000_000_000L); // wraps past MAX_VALUE below
        VigilMetrics metrics = new VigilMetrics(() -> Fixtures.exchange(RealServerState.UP, null), nanos::get);
        metrics.vrrpTransition(new VrrpTransition(VrrpTransition.Scope.INSTANCE, "VI_1", VrrpState.INIT,
                VrrpState.BACKUP, 100, Fixtures.T0));
        nanos.addAndGet(3_000_000_000L);
        // The wall clock stepped back an hour meanwhile: the time in BACKUP is still the 3 s that passed.
        metrics.vrrpTransition(new VrrpTransition(VrrpTransition.Scope.INSTANCE, "VI_1", VrrpState.BACKUP,
                VrrpState.MASTER, 100, Fixtures.T0.minusSeconds(3600)));
        metrics.realServerTransition(Fixtures.realServerDown("refused"));
        metrics.observeCheck("HTTP_GET", Duration.ofMillis(40), true);
        metrics.observeCheck("HTTP_GET", Duration.ofSeconds(3), false);
        String text = scrape(metrics);
        assertThat(text)
                .contains("vigil_vrrp_transitions_total{from=\"BACKUP\",instance=\"VI_1\",to=\"MASTER\"} 1.0")
                .contains("vigil_vrrp_state_duration_seconds_bucket{instance=\"VI_1\",state=\"BACKUP\",le=\"5.0\"} 1")
                .contains("vigil_vrrp_state_duration_seconds_bucket{instance=\"VI_1\",state=\"BACKUP\",le=\"1.0\"} 0")
                .contains("vigil_real_server_transitions_total{protocol=\"TCP\",real_server=\"10.0.0.11:443\",state=\"DOWN\",virtual_server=\"10.0.0.1:443\"} 1.0")
                .contains("vigil_check_duration_seconds_bucket{checker=\"HTTP_GET\",result=\"success\",le=\"0.05\"} 1")
                .contains("vigil_check_duration_seconds_count{checker=\"HTTP_GET\",result=\"failure\"} 1")
                .contains("vigil_mail_failed_total 0.0")
                .contains("vigil_mail_queued 0.0")
                .contains("vigil_admin_auth_failures_total 0.0");
    }

    @Test
    void aFailingSupplierCostsTheStatusMetricsNotTheScrape() throws Exception {
        VigilMetrics metrics = new VigilMetrics(() -> {
            throw new IllegalStateException("not started");
        });
        assertThat(scrape(metrics)).doesNotContain("vigil_real_server_up").doesNotContain("vigil_proxy_")
                .contains("vigil_mail_sent_total");
    }

    @Test
    void aStatusWithoutProxyCountersHasNoProxyMetricsRatherThanZeros() throws Exception {
        var s = Fixtures.exchange(RealServerState.UP, null);
        VigilMetrics metrics = new VigilMetrics(() -> new StatusSnapshot(s.node(), s.vrrp(), s.virtualServers()));
        assertThat(scrape(metrics)).contains("vigil_real_server_up").doesNotContain("vigil_proxy_");
    }
}
