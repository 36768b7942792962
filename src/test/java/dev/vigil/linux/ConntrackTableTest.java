package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ConntrackTableTest {

    @Test
    void aDnatedTcpEntryGivesBothTuplesItsStateAndFlags() {
        var e = ConntrackTable.parse("ipv4     2 tcp      6 431999 ESTABLISHED src=10.199.0.100 dst=10.199.0.50 "
                + "sport=40000 dport=80 packets=5 bytes=300 src=10.198.0.2 dst=10.199.0.100 sport=8080 dport=40000 "
                + "packets=4 bytes=400 [ASSURED] mark=0 zone=0 use=2").orElseThrow();
        assertThat(e.protocol()).isEqualTo("tcp");
        assertThat(e.state()).contains("ESTABLISHED");
        assertThat(e.remainingSeconds()).isEqualTo(431999);
        assertThat(e.originalSource()).isEqualTo(new InetSocketAddress("10.199.0.100", 40000));
        assertThat(e.originalDestination()).isEqualTo(new InetSocketAddress("10.199.0.50", 80));
        assertThat(e.replySource()).isEqualTo(new InetSocketAddress("10.198.0.2", 8080));
        assertThat(e.replyDestination()).isEqualTo(new InetSocketAddress("10.199.0.100", 40000));
        assertThat(e.assured()).isTrue();
        assertThat(e.unreplied()).isFalse();
    }

    @Test
    void udpHasNoStateAndMayBeUnreplied() {
        var e = ConntrackTable.parse("ipv4     2 udp      17 28 src=10.199.0.100 dst=10.199.0.50 sport=5000 dport=53 "
                + "[UNREPLIED] src=10.198.0.3 dst=10.199.0.100 sport=53 dport=5000 mark=0 zone=0 use=2").orElseThrow();
        assertThat(e.state()).isEmpty();
        assertThat(e.unreplied()).isTrue();
        assertThat(e.replySource()).isEqualTo(new InetSocketAddress("10.198.0.3", 53));
    }

    @Test
    void ipv6AddressesAreReadInTheirLongForm() {
        var e = ConntrackTable.parse("ipv6     10 tcp      6 117 TIME_WAIT src=fd00:0199:0000:0000:0000:0000:0000:0100 "
                + "dst=fd00:0199:0000:0000:0000:0000:0000:0050 sport=41000 dport=80 "
                + "src=fd00:0198:0000:0000:0000:0000:0000:0002 dst=fd00:0199:0000:0000:0000:0000:0000:0100 "
                + "sport=8080 dport=41000 [ASSURED] mark=0 zone=0 use=2").orElseThrow();
        assertThat(e.originalDestination()).isEqualTo(new InetSocketAddress("fd00:199::50", 80));
        assertThat(e.replySource()).isEqualTo(new InetSocketAddress("fd00:198::2", 8080));
        assertThat(e.state()).contains("TIME_WAIT");
    }

    @Test
    void entriesWithoutPortsAndGarbageAreSkipped() {
        assertThat(ConntrackTable.parse("ipv4     2 icmp     1 29 src=10.0.0.1 dst=10.0.0.2 type=8 code=0 id=7 "
                + "src=10.0.0.2 dst=10.0.0.1 type=0 code=0 id=7 mark=0 zone=0 use=2")).isEmpty();
        assertThat(ConntrackTable.parse("")).isEqualTo(Optional.empty());
        assertThat(ConntrackTable.parse("ipv4 2 tcp 6 x ESTABLISHED")).isEmpty();
        assertThat(ConntrackTable.parse("ipv4 2 tcp 6 10 ESTABLISHED src=host.example dst=10.0.0.2 sport=1 dport=2 "
                + "src=10.0.0.2 dst=10.0.0.1 sport=2 dport=1")).isEmpty();
    }

    @Test
    void sysctlNamesMapToProcSysAndNothingElse() {
        assertThat(Sysctl.path("net.ipv4.ip_forward")).hasToString("/proc/sys/net/ipv4/ip_forward");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sysctl.path("net/../../etc/passwd"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Sysctl.path("net..ipv4"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
