package dev.vigil.linux;

import dev.vigil.wire.InternetChecksum;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class NeighbourFramesTest {
    private static final HexFormat HEX = HexFormat.of();
    private static final byte[] MAC = HEX.parseHex("020000aabbcc");

    @Test
    void gratuitousArpIsABroadcastRequestWithSenderAndTargetTheVip() throws Exception {
        byte[] f = GratuitousArp.frame(MAC, (Inet4Address) InetAddress.getByName("192.168.3.110"));
        assertThat(HEX.formatHex(f)).isEqualTo(
                "ffffffffffff" + "020000aabbcc" + "0806"          // Ethernet broadcast from our MAC
                        + "0001" + "0800" + "06" + "04" + "0001"  // Ethernet/IPv4, request
                        + "020000aabbcc" + "c0a8036e"             // sender: our MAC, the VIP
                        + "ffffffffffff" + "c0a8036e");           // target: broadcast, the VIP
    }

    @Test
    void neighbourAdvertHasOverrideTargetOptionAndAValidChecksum() throws Exception {
        Inet6Address vip = (Inet6Address) InetAddress.getByName("fd00::110");
        byte[] f = UnsolicitedNeighborAdvert.frame(MAC, vip, false);
        String hex = HEX.formatHex(f);
        assertThat(hex.substring(0, 28)).isEqualTo("333300000001" + "020000aabbcc" + "86dd");
        assertThat(hex.substring(28, 44)).isEqualTo("60000000" + "0020" + "3a" + "ff"); // 32 bytes ICMPv6, hop limit 255
        assertThat(hex.substring(44, 76)).isEqualTo("fd000000000000000000000000000110");
        assertThat(hex.substring(76, 108)).isEqualTo("ff020000000000000000000000000001");
        assertThat(hex.substring(108, 112)).isEqualTo("8800");                            // type 136, code 0
        assertThat(hex.substring(116, 124)).isEqualTo("20000000");                        // O only: unsolicited, not a router
        assertThat(hex.substring(124, 156)).isEqualTo("fd000000000000000000000000000110");
        assertThat(hex.substring(156)).isEqualTo("0201" + "020000aabbcc");
        // summing the pseudo-header and the message including its checksum gives 0
        long sum = InternetChecksum.add(0, f, 22, 32) + 32 + 58;
        assertThat(InternetChecksum.finish(InternetChecksum.add(sum, f, 54, 32))).isZero();
        // independently computed for these bytes
        assertThat(hex.substring(112, 116)).isEqualTo(String.format("%04x", expectedChecksum(f)));

        byte[] asRouter = UnsolicitedNeighborAdvert.frame(MAC, vip, true);
        assertThat(asRouter[58] & 0xff).isEqualTo(0xa0);
    }

    private static int expectedChecksum(byte[] f) {
        byte[] copy = f.clone();
        copy[56] = copy[57] = 0;
        long s = 0;
        for (int i = 22; i < 54; i += 2) s += ((copy[i] & 0xff) << 8) | (copy[i + 1] & 0xff);
        s += 32 + 58;
        for (int i = 54; i < 86; i += 2) s += ((copy[i] & 0xff) << 8) | (copy[i + 1] & 0xff);
        while (s > 0xffff) s = (s & 0xffff) + (s >> 16);
        return (int) (~s & 0xffff);
    }
}
