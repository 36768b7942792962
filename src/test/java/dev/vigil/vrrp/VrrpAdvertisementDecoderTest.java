package dev.vigil.vrrp;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

class VrrpAdvertisementDecoderTest {

    static final InetAddress PEER = ip("10.199.0.2");
    static final InetAddress GROUP = ip("224.0.0.18");

    static DecodeResult decode(VrrpParameters ours, byte[] bytes, int ttl) {
        return ours.decoder().decode(new ReceivedPacket(bytes, PEER, GROUP, ttl));
    }

    static DropReason reason(DecodeResult r) {
        assertThat(r).isInstanceOf(DecodeResult.Dropped.class);
        return ((DecodeResult.Dropped) r).reason();
    }

    final VrrpParameters v2pass = instance().pass("secret").parameters();

    @Test
    void acceptsItsOwnKind() {
        var advert = instance().pass("secret").priority(200).parameters().advertisement(200);
        var r = decode(v2pass, advert.encode(PEER, GROUP, false), 255);
        assertThat(r).isEqualTo(new DecodeResult.Accepted(advert, PEER));
    }

    @Test
    void dropsShortPackets() {
        assertThat(reason(decode(v2pass, new byte[7], 255))).isEqualTo(DropReason.SHORT);
        assertThat(reason(decode(v2pass, null, 255))).isEqualTo(DropReason.SHORT);
    }

    @Test
    void dropsWrongVersionAndType() {
        byte[] v3 = instance().version(3).parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, v3, 255))).isEqualTo(DropReason.WRONG_VERSION);
        byte[] b = v2pass.advertisement(100).encode(PEER, GROUP, false);
        b[0] = 0x22;
        assertThat(reason(decode(v2pass, b, 255))).isEqualTo(DropReason.WRONG_TYPE);
    }

    @Test
    void dropsACountThatDoesNotMatchTheLength() {
        byte[] b = v2pass.advertisement(100).encode(PEER, GROUP, false);
        b[3] = 2;
        assertThat(reason(decode(v2pass, b, 255))).isEqualTo(DropReason.COUNT_MISMATCH);
    }

    @Test
    void dropsABadChecksum() {
        byte[] b = v2pass.advertisement(100).encode(PEER, GROUP, false);
        b[7] ^= 1;
        assertThat(reason(decode(v2pass, b, 255))).isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void v3ChecksumFormsMustAgree() {
        var keepalivedStyle = instance().version(3).parameters();
        var rfc9568Style = instance().version(3).v3ChecksumAsV2().parameters();
        byte[] k = keepalivedStyle.advertisement(100).encode(PEER, GROUP, false);
        byte[] r = rfc9568Style.advertisement(100).encode(PEER, GROUP, true);
        assertThat(decode(keepalivedStyle, k, 255)).isInstanceOf(DecodeResult.Accepted.class);
        assertThat(decode(rfc9568Style, r, 255)).isInstanceOf(DecodeResult.Accepted.class);
        assertThat(reason(decode(keepalivedStyle, r, 255))).isEqualTo(DropReason.BAD_CHECKSUM);
        assertThat(reason(decode(rfc9568Style, k, 255))).isEqualTo(DropReason.BAD_CHECKSUM);
    }

    @Test
    void dropsWrongTtlInMulticastModeOnly() {
        byte[] b = v2pass.advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, b, 64))).isEqualTo(DropReason.WRONG_TTL);
        var unicast = instance().pass("secret").unicast("10.199.0.1", "10.199.0.2").parameters();
        assertThat(unicast.decoder().decode(new ReceivedPacket(b, PEER, GROUP, 64))).isInstanceOf(DecodeResult.Accepted.class);
    }

    @Test
    void dropsAnIpv6AdvertWithoutAHopLimitInMulticastMode() {
        var p = instance().version(3).vips("fd00::110").parameters();
        InetAddress src = ip("fe80::2"), dst = ip("ff02::12");
        byte[] b = p.advertisement(120).encode(src, dst, false);
        // what VrrpSocket delivers when no IPV6_HOPLIMIT ancillary data came with the packet
        var r = p.decoder().decode(new ReceivedPacket(b, src, dst, -1));
        assertThat(reason(r)).isEqualTo(DropReason.NO_TTL);
        assertThat(((DecodeResult.Dropped) r).detail()).contains("IPV6_HOPLIMIT");
        var unicast = instance().version(3).vips("fd00::110").unicast("fd00::1", "fd00::2").parameters();
        byte[] u = unicast.advertisement(120).encode(ip("fd00::2"), ip("fd00::1"), false);
        assertThat(unicast.decoder().decode(new ReceivedPacket(u, ip("fd00::2"), ip("fd00::1"), -1)))
                .as("unicast mode does not check the hop limit, as keepalived").isInstanceOf(DecodeResult.Accepted.class);
    }

    @Test
    void withCheckUnicastSrcOnlyTheUnicastPeersAreHeard() {
        InetAddress self = ip("10.199.0.1"), stranger = ip("10.199.0.9");
        var checking = instance().unicast("10.199.0.1", "10.199.0.2", "10.199.0.3").checkUnicastSrc().parameters();
        for (InetAddress peer : java.util.List.of(PEER, ip("10.199.0.3"))) {
            byte[] b = checking.advertisement(100).encode(peer, self, false);
            assertThat(checking.decoder().decode(new ReceivedPacket(b, peer, self, 255))).isInstanceOf(DecodeResult.Accepted.class);
        }
        byte[] fromStranger = checking.advertisement(100).encode(stranger, self, false);
        var r = checking.decoder().decode(new ReceivedPacket(fromStranger, stranger, self, 255));
        assertThat(reason(r)).isEqualTo(DropReason.NOT_A_PEER);
        assertThat(((DecodeResult.Dropped) r).detail()).contains("10.199.0.9");
        // keepalived's default: without check_unicast_src any source is heard
        var open = instance().unicast("10.199.0.1", "10.199.0.2", "10.199.0.3").parameters();
        assertThat(open.decoder().decode(new ReceivedPacket(fromStranger, stranger, self, 255))).isInstanceOf(DecodeResult.Accepted.class);
    }

    @Test
    void dropsAnotherVrid() {
        byte[] b = instance().pass("secret").vrid(52).parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, b, 255))).isEqualTo(DropReason.WRONG_VRID);
    }

    @Test
    void dropsWrongPasswordAndAuthType() {
        byte[] wrong = instance().pass("secreT").parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, wrong, 255))).isEqualTo(DropReason.AUTH_MISMATCH);
        byte[] none = instance().parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, none, 255))).isEqualTo(DropReason.AUTH_MISMATCH);
        // only the first 8 bytes count, as keepalived
        byte[] longer = instance().pass("secret\0\0XYZ").parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(decode(v2pass, longer, 255)).isInstanceOf(DecodeResult.Accepted.class);
    }

    @Test
    void v2DropsAnotherIntervalButV3AcceptsIt() {
        byte[] b = instance().pass("secret").advertInterval(Duration.ofSeconds(2)).parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, b, 255))).isEqualTo(DropReason.INTERVAL_MISMATCH);
        var v3 = instance().version(3).parameters();
        byte[] b3 = instance().version(3).advertInterval(Duration.ofMillis(500)).parameters().advertisement(100).encode(PEER, GROUP, false);
        var r = decode(v3, b3, 255);
        assertThat(((DecodeResult.Accepted) r).advertisement().advertIntervalCentis()).isEqualTo(50);
    }

    @Test
    void dropsADifferentVipSetLoudly() {
        byte[] b = instance().pass("secret").vips("192.168.3.110", "192.168.3.111").parameters().advertisement(100).encode(PEER, GROUP, false);
        var r = decode(v2pass, b, 255);
        assertThat(reason(r)).isEqualTo(DropReason.VIP_MISMATCH);
        assertThat(((DecodeResult.Dropped) r).detail()).contains("192.168.3.111", "both become master");
        byte[] other = instance().pass("secret").vips("192.168.3.120").parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(reason(decode(v2pass, other, 255))).isEqualTo(DropReason.VIP_MISMATCH);
        // order does not matter
        var two = instance().vips("10.0.0.1", "10.0.0.2").parameters();
        byte[] swapped = instance().vips("10.0.0.2", "10.0.0.1").parameters().advertisement(100).encode(PEER, GROUP, false);
        assertThat(decode(two, swapped, 255)).isInstanceOf(DecodeResult.Accepted.class);
    }

    @Test
    void v3Ipv6RoundTrip() {
        var p = instance().version(3).vips("fd00::110").parameters();
        InetAddress src = ip("fe80::2"), dst = ip("ff02::12");
        byte[] b = p.advertisement(120).encode(src, dst, false);
        var r = p.decoder().decode(new ReceivedPacket(b, src, dst, 255));
        assertThat(r).isEqualTo(new DecodeResult.Accepted(p.advertisement(120), src));
        assertThat(reason(p.decoder().decode(new ReceivedPacket(b, src, dst, 1)))).isEqualTo(DropReason.WRONG_TTL);
        assertThat(reason(v2pass.decoder().decode(new ReceivedPacket(b, src, dst, 255)))).isEqualTo(DropReason.WRONG_VERSION);
    }

    @Test
    void countersCountEveryDropAndRateLimitTheLog() {
        var counters = new DropCounters("VI_1");
        var drop = new DecodeResult.Dropped(DropReason.BAD_CHECKSUM, "x");
        assertThat(counters.record(drop, 0)).isTrue();
        assertThat(counters.record(drop, 1_000_000_000L)).isFalse();
        assertThat(counters.record(drop, DropCounters.LOG_INTERVAL_NANOS + 1)).isTrue();
        assertThat(counters.count(DropReason.BAD_CHECKSUM)).isEqualTo(3);
        assertThat(counters.snapshot()).containsEntry(DropReason.SHORT, 0L);
    }
}
