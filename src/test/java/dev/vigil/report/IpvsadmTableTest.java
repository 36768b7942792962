package dev.vigil.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class IpvsadmTableTest {

    @Test
    void laysServersOutAsIpvsadmDoesWithHealthAndReason() {
        String text = IpvsadmTable.format(Fixtures.exchange(RealServerState.DOWN, "HTTP 503 from /ews/healthcheck.htm"));
        assertThat(text).isEqualTo("""
                Vigil 0.1.0 on lb1, up 1h 2m
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn  Health      Reason
                TCP  10.0.0.1:443 wlc  [proxy engine: the default]
                  -> 10.0.0.11:443                Masq    1      12         3          UP
                  -> 10.0.0.12:443                Masq    0      4          3          DOWN        HTTP 503 from /ews/healthcheck.htm; ews DOWN (HTTP 503)
                proxy: 1234 accepted, 5 open, 7 connect failures (6 retried), 2 refused for lack of a real server, 3 resets passed, 4 idle timeouts, 8 bind failures, 9 accept failures, 10 refused over proxy_maxconn, 11 refused over proxy_maxconn_per_source, 12 half-close timeouts

                VRRP instance    State    Priority  Virtual IPs                    Master since
                VI_1             MASTER   150       10.0.0.1/24                    2026-11-25T03:00:00Z
                """);
    }

    @Test
    void theProxyLineIsShortWhenNothingIsWrongAndAbsentWithoutCounters() {
        assertThat(IpvsadmTable.proxy(new StatusSnapshot.Proxy(1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0)))
                .isEqualTo("proxy: 1 accepted, 1 open, 1 connect failure (1 retried), 0 refused for lack of a real server, "
                        + "1 reset passed, 1 idle timeout");
        var s = Fixtures.exchange(RealServerState.UP, null);
        String text = IpvsadmTable.format(new StatusSnapshot(s.node(), s.vrrp(), s.virtualServers()));
        assertThat(text).doesNotContain("proxy:");
    }

    @Test
    void saysSoWhenThereIsNothingConfigured() {
        String text = IpvsadmTable.format(Fixtures.snapshot(List.of(), List.of()));
        assertThat(text).endsWith("\nNo VRRP instances.\n").contains("Prot LocalAddress:Port Scheduler Flags");
    }
}
