package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import dev.vigil.wire.InternetChecksum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** tshark's dissectors on node 2 judge what node 1 puts on the wire: adverts, GARP and NA. */
@RequiresRoot(commands = {"ip", "tshark"})
class WireFormatSystemTest {
    @TempDir
    Path dir;

    @Test
    void advertsAndAnnouncementsAreWellFormedWithNetworkControlMarking() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vl", 2, false)) {
            Path pcap = dir.resolve("wire.pcap");
            Path log = dir.resolve("tshark.log");
            Files.writeString(log, "");
            pcap.toFile().setWritable(true, false);
            dir.toFile().setWritable(true, false);
            Process tshark = bed.start(bed.node(2), List.of("tshark", "-i", "eth0", "-n", "-c", "4", "-a", "duration:20",
                    "-f", "ip proto 112 or ip6 proto 112 or arp or (icmp6 and ip6[40] == 136)", "-w", pcap.toString()), log);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (!Files.readString(log).contains("Capturing on") && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(Files.readString(log)).contains("Capturing on");
            Thread.sleep(300);

            String a = bed.node(1);
            InetAddress a4 = bed.ipv4(a);
            InterfaceInfo info = NetworkNamespace.call(a, () -> NetworkInterfaces.describe(NetnsBed.INTERFACE));
            try (VrrpSocket v4 = NetworkNamespace.call(a, () -> VrrpSocket.multicast(NetnsBed.INTERFACE, VrrpSocket.Family.IPV4));
                 VrrpSocket v6 = NetworkNamespace.call(a, () -> VrrpSocket.multicast(NetnsBed.INTERFACE, VrrpSocket.Family.IPV6));
                 GratuitousArp garp = NetworkNamespace.call(a, () -> GratuitousArp.open(NetnsBed.INTERFACE));
                 UnsolicitedNeighborAdvert na = NetworkNamespace.call(a, () -> UnsolicitedNeighborAdvert.open(NetnsBed.INTERFACE, false))) {
                v4.send(v2Advert(), a4, VrrpSocket.IPV4_GROUP);
                v6.send(v3Ipv6Advert(), info.linkLocalIpv6().orElseThrow(), VrrpSocket.IPV6_GROUP);
                garp.send((Inet4Address) InetAddress.getByName("10.199.0.50"));
                na.send((Inet6Address) InetAddress.getByName("fd00:199::50"));
            }
            assertThat(tshark.waitFor(25, TimeUnit.SECONDS)).as("tshark saw 4 frames").isTrue();

            String fields = NetnsBed.mustRun("tshark", "-r", pcap.toString(), "-n", "-T", "fields", "-E", "separator=|",
                    "-e", "ip.dsfield", "-e", "ip.ttl", "-e", "ipv6.tclass", "-e", "ipv6.hlim", "-e", "vrrp.checksum.status",
                    "-e", "arp.isgratuitous", "-e", "icmpv6.checksum.status", "-e", "icmpv6.nd.na.flag.o");
            List<String> rows = fields.lines().toList();
            assertThat(rows).hasSize(4);
            assertThat(rows.get(0)).isEqualTo("0xc0|255|||1|||");
            assertThat(rows.get(1)).matches("\\|\\|0x0*c0\\|255\\|1\\|\\|\\|");
            assertThat(rows.get(2)).isEqualTo("|||||1||");
            assertThat(rows.get(3)).matches("\\|\\|0x0*\\|255\\|\\|\\|1\\|(1|True)");
            String gate = NetnsBed.mustRun("tshark", "-r", pcap.toString(), "-n", "-Y",
                    "vrrp && (vrrp.checksum.status != 1 || (ip && ip.ttl != 255) || (ipv6 && ipv6.hlim != 255) || _ws.malformed "
                            + "|| _ws.expert.severity >= warning)");
            assertThat(gate).as("research/vrrp.md's CI gate").isEmpty();
        }
    }

    /** RFC 3768 advert, VRID 51, priority 100, one address, no auth, 1 s, with its checksum. */
    private static byte[] v2Advert() {
        byte[] m = {0x21, 51, 100, 1, 0, 1, 0, 0, 10, (byte) 199, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0};
        int c = InternetChecksum.of(m, 0, m.length);
        m[6] = (byte) (c >>> 8);
        m[7] = (byte) c;
        return m;
    }

    /** RFC 5798 IPv6 advert, VRID 51, priority 100, 1 s; the kernel fills the checksum. */
    private static byte[] v3Ipv6Advert() throws Exception {
        byte[] m = new byte[24];
        m[0] = 0x31; m[1] = 51; m[2] = 100; m[3] = 1; m[4] = 0; m[5] = 100;
        System.arraycopy(InetAddress.getByName("fd00:199::50").getAddress(), 0, m, 8, 16);
        return m;
    }
}
