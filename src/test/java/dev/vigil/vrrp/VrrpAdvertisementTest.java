package dev.vigil.vrrp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

class VrrpAdvertisementTest {

    static final InetAddress SRC = ip("10.199.0.1");
    static final InetAddress GROUP = ip("224.0.0.18");

    /** Independent check: the ones'-complement sum over pseudo-header + message is 0xffff. */
    static int foldedSum(byte[]... parts) {
        long sum = 0;
        for (byte[] p : parts) {
            for (int i = 0; i < p.length; i += 2) sum += ((p[i] & 0xff) << 8) | (i + 1 < p.length ? p[i + 1] & 0xff : 0);
        }
        while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
        return (int) sum;
    }

    @Test
    void v2WithPasswordHasRfc3768Layout() {
        byte[] bytes = instance().priority(150).pass("secretpassword").parameters().advertisement(150).encode(SRC, GROUP, false);
        // version 2 type 1, VRID 51, prio 150, 1 address, auth PASS, 1 s, checksum, 192.168.3.110, "secretpa"
        assertThat(HexFormat.of().formatHex(bytes, 0, 6)).isEqualTo("213396010101");
        assertThat(HexFormat.of().formatHex(bytes, 8, 12)).isEqualTo("c0a8036e");
        assertThat(new String(bytes, 12, 8)).isEqualTo("secretpa");
        assertThat(bytes).hasSize(20);
        assertThat(foldedSum(bytes)).isEqualTo(0xffff);
    }

    @Test
    void v2WithoutAuthStillCarriesEightZeroBytes() {
        byte[] bytes = instance().parameters().advertisement(100).encode(SRC, GROUP, false);
        assertThat(bytes).hasSize(20);
        assertThat(bytes[4]).isZero();
        assertThat(HexFormat.of().formatHex(bytes, 12, 20)).isEqualTo("0000000000000000");
    }

    @Test
    void v3Ipv4ChecksumIncludesPseudoHeaderByDefault() {
        var p = instance().version(3).advertInterval(java.time.Duration.ofMillis(100)).parameters();
        byte[] bytes = p.advertisement(100).encode(SRC, GROUP, false);
        assertThat(bytes).hasSize(12);
        assertThat(HexFormat.of().formatHex(bytes, 0, 6)).isEqualTo("31336401000a"); // 10 cs
        byte[] pseudo = {10, (byte) 199, 0, 1, (byte) 224, 0, 0, 18, 0, 112, 0, 12};
        assertThat(foldedSum(pseudo, bytes)).isEqualTo(0xffff);
        assertThat(foldedSum(bytes)).isNotEqualTo(0xffff);
    }

    @Test
    void v3Ipv4ChecksumAsV2LeavesThePseudoHeaderOut() {
        byte[] bytes = instance().version(3).parameters().advertisement(100).encode(SRC, GROUP, true);
        assertThat(foldedSum(bytes)).isEqualTo(0xffff);
        assertThat(HexFormat.of().formatHex(bytes, 4, 6)).isEqualTo("0064"); // 100 cs
    }

    @Test
    void v3Ipv6UsesTheIpv6PseudoHeader() {
        var p = instance().version(3).vips("fd00::110").parameters();
        InetAddress src = ip("fe80::1"), dst = ip("ff02::12");
        byte[] bytes = p.advertisement(100).encode(src, dst, false);
        assertThat(bytes).hasSize(24);
        byte[] pseudo = new byte[40];
        System.arraycopy(src.getAddress(), 0, pseudo, 0, 16);
        System.arraycopy(dst.getAddress(), 0, pseudo, 16, 16);
        pseudo[35] = 24;
        pseudo[39] = 112;
        assertThat(foldedSum(pseudo, bytes)).isEqualTo(0xffff);
    }

    @Test
    void v2RoundsTheIntervalToSeconds() {
        assertThat(VrrpParameters.intervalCentis(java.time.Duration.ofMillis(1400), 2)).isEqualTo(100);
        assertThat(VrrpParameters.intervalCentis(java.time.Duration.ofMillis(100), 2)).isEqualTo(100);
        assertThat(VrrpParameters.intervalCentis(java.time.Duration.ofMillis(2600), 2)).isEqualTo(300);
        assertThat(VrrpParameters.intervalCentis(java.time.Duration.ofMillis(104), 3)).isEqualTo(10);
        assertThat(VrrpParameters.intervalCentis(java.time.Duration.ofSeconds(60), 3)).isEqualTo(4095);
    }

    @Test
    void recordEqualityIncludesAuthData() {
        var a = new VrrpAdvertisement(2, 1, 100, 100, 1, "abc".getBytes(), List.of(ip("10.0.0.1")));
        var b = new VrrpAdvertisement(2, 1, 100, 100, 1, "abc".getBytes(), List.of(ip("10.0.0.1")));
        var c = new VrrpAdvertisement(2, 1, 100, 100, 1, "abd".getBytes(), List.of(ip("10.0.0.1")));
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c);
    }
}
