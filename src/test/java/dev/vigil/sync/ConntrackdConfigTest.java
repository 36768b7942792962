package dev.vigil.sync;

import dev.vigil.config.Source;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The conntrackd.conf text: FTFW, multicast or unicast, the node's own files, a filter that never ignores a VIP. */
class ConntrackdConfigTest {
    private static final ConntrackdConfig.Paths PATHS = new ConntrackdConfig.Paths(Path.of("/run/vigil/conntrackd-42"));

    private static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    private static SyncSettings settings(Optional<InetAddress> peer) throws Exception {
        return new SyncSettings("eth1", Optional.of("VI_1"), 3781, ip("225.0.0.51"), peer, Source.BUILT_IN);
    }

    @Test
    void multicastByDefaultOnTheSyncInterface() throws Exception {
        String text = ConntrackdConfig.text(settings(Optional.empty()), ip("10.0.3.1"), PATHS, List.of(ip("10.0.1.100")));
        assertThat(text).contains("""
                    Mode FTFW {
                        ResendQueueSize 131072
                        PurgeTimeout 60
                        ACKWindowSize 300
                        DisableExternalCache Off
                    }
                    Multicast {
                        IPv4_address 225.0.0.51
                        Group 3781
                        IPv4_interface 10.0.3.1
                        Interface eth1
                """).doesNotContain("UDP {");
    }

    @Test
    void unicastToThePeerWhenOneIsGiven() throws Exception {
        String text = ConntrackdConfig.text(settings(Optional.of(ip("10.0.3.2"))), ip("10.0.3.1"), PATHS, List.of());
        assertThat(text).contains("""
                    UDP {
                        IPv4_address 10.0.3.1
                        IPv4_Destination_Address 10.0.3.2
                        Port 3781
                        Interface eth1
                """).doesNotContain("Multicast");
        String v6 = ConntrackdConfig.text(settings(Optional.of(ip("fd00::2"))), ip("fd00::1"), PATHS, List.of());
        assertThat(v6).contains("IPv6_address fd00:0:0:0:0:0:0:1", "IPv6_Destination_Address fd00:0:0:0:0:0:0:2");
    }

    @Test
    void theNodesOwnSocketAndLockFile() throws Exception {
        String text = ConntrackdConfig.text(settings(Optional.empty()), ip("10.0.3.1"), PATHS, List.of());
        assertThat(text).contains("LockFile /run/vigil/conntrackd-42/conntrackd.lock",
                "Path /run/vigil/conntrackd-42/conntrackd.ctl", "Syslog off", "LogFile off");
    }

    @Test
    void theFilterKeepsTcpAndUdpAndIgnoresOnlyLoopbackAndTheSyncAddresses() throws Exception {
        InetAddress vip = ip("10.0.1.100"), floating = ip("10.0.2.1");
        String text = ConntrackdConfig.text(settings(Optional.of(ip("10.0.3.2"))), ip("10.0.3.1"), PATHS,
                List.of(vip, floating));
        assertThat(text).contains("""
                        Protocol Accept {
                            TCP
                            UDP
                        }
                        Address Ignore {
                            IPv4_address 127.0.0.1
                            IPv6_address 0:0:0:0:0:0:0:1
                            IPv4_address 10.0.3.1
                            IPv4_address 10.0.3.2
                        }
                """).doesNotContain("10.0.1.100", "10.0.2.1");
    }

    @Test
    void aSyncAddressThatIsAVipIsRefused() throws Exception {
        assertThatThrownBy(() -> ConntrackdConfig.text(settings(Optional.empty()), ip("10.0.1.100"), PATHS,
                List.of(ip("10.0.1.100"))))
                .hasMessageContaining("the sync address 10.0.1.100 of eth1 is a VIP");
        assertThatThrownBy(() -> ConntrackdConfig.text(settings(Optional.of(ip("fd00::2"))), ip("10.0.3.1"), PATHS,
                List.of()))
                .hasMessageContaining("vigil_sync_peer fd00:0:0:0:0:0:0:2 is not of the family");
    }
}
