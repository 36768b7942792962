package dev.vigil.linux;

import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

class Ipv4HeaderTest {
    @Test
    void headerIsKeepalivedsHdrinclHeader() throws Exception {
        byte[] h = new byte[20];
        Ipv4Header.write(h, (Inet4Address) InetAddress.getByName("10.199.0.1"), (Inet4Address) InetAddress.getByName("224.0.0.18"), 20);
        // 0x45, TOS 0xc0, total 40, id 0, no DF, TTL 255, proto 112, checksum 0 (kernel), src, dst
        assertThat(HexFormat.of().formatHex(h)).isEqualTo("45c00028" + "00000000" + "ff700000" + "0ac70001" + "e0000012");
    }

    @Test
    void parsesARawIpv4DatagramAndRejectsBrokenOnes() throws Exception {
        byte[] d = new byte[28];
        Ipv4Header.write(d, (Inet4Address) InetAddress.getByName("10.0.0.1"), (Inet4Address) InetAddress.getByName("224.0.0.18"), 8);
        d[8] = 64; // a forwarded packet: the caller must see the real TTL
        for (int i = 20; i < 28; i++) d[i] = (byte) i;
        ReceivedPacket p = VrrpSocket.parseIpv4(d, 3).orElseThrow();
        assertThat(p.source()).isEqualTo(InetAddress.getByName("10.0.0.1"));
        assertThat(p.destination()).isEqualTo(InetAddress.getByName("224.0.0.18"));
        assertThat(p.ttlOrHopLimit()).isEqualTo(64);
        assertThat(p.vrrpPayload()).containsExactly(20, 21, 22, 23, 24, 25, 26, 27);
        assertThat(p.interfaceIndex()).isEqualTo(3);

        assertThat(VrrpSocket.parseIpv4(java.util.Arrays.copyOf(d, 27), 3)).as("tot_len != received").isEmpty();
        assertThat(VrrpSocket.parseIpv4(new byte[19], 3)).as("short").isEmpty();
        byte[] wrongProto = d.clone();
        wrongProto[9] = 6;
        assertThat(VrrpSocket.parseIpv4(wrongProto, 3)).isEmpty();
        byte[] options = d.clone();
        options[0] = 0x46; // IHL 6: 24-byte header, 4-byte payload
        assertThat(VrrpSocket.parseIpv4(options, 3).orElseThrow().vrrpPayload()).hasSize(4);
        byte[] hugeIhl = d.clone();
        hugeIhl[0] = 0x4f; // 60-byte header in a 28-byte datagram
        assertThat(VrrpSocket.parseIpv4(hugeIhl, 3)).isEmpty();
    }
}
