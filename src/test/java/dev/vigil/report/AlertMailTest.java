package dev.vigil.report;

import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

class AlertMailTest {

    @Test
    void vrrpSubjectsAreKeepalivedsSoMailFiltersKeepWorking() {
        assertThat(AlertMail.of("lb1", Fixtures.toMaster("VI_1")).subject())
                .isEqualTo("[lb1] VRRP Instance VI_1 - Entering MASTER state");
        var group = new VrrpTransition(VrrpTransition.Scope.GROUP, "VG_1", VrrpState.MASTER, VrrpState.FAULT, 0, Fixtures.T0);
        assertThat(AlertMail.of("lb1", group).subject()).isEqualTo("[lb1] VRRP Group VG_1 - Entering FAULT state");
        assertThat(AlertMail.of("lb1", group).body()).contains("\n\nA tracked interface or script failed");
    }

    @Test
    void realServerSubjectBracketsAddressesAndBodyCarriesTheReason() {
        AlertMail mail = AlertMail.of("lb1", Fixtures.realServerDown("connection refused"));
        assertThat(mail.subject()).isEqualTo("[lb1] Realserver [10.0.0.11]:443 of virtual server [10.0.0.1]:443 - DOWN");
        assertThat(mail.body()).contains("Reason: connection refused").contains("2026-11-25T03:00:00Z");
    }

    @Test
    void ipv6AndFwmarkVirtualServersAreNamedAsKeepalivedNamesThem() {
        var t = new RealServerTransition(new VirtualServer.ByFwmark(7), Protocol.TCP,
                InetAddress.ofLiteral("2001:db8::11"), 443, RealServerState.UP, "", Fixtures.T0);
        assertThat(AlertMail.of("lb1", t).subject())
                .isEqualTo("[lb1] Realserver [2001:db8:0:0:0:0:0:11]:443 of virtual server FWM 7 - UP");
        var vs = new VirtualServerTransition(new VirtualServer.ByAddress(InetAddress.ofLiteral("10.0.0.1"), 80),
                Protocol.TCP, false, Fixtures.T0);
        assertThat(AlertMail.of("lb1", vs).subject()).isEqualTo("[lb1] Virtualserver [10.0.0.1]:80 - DOWN");
    }
}
