package dev.vigil.vrrp;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.net.InetAddress;
import java.time.Duration;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;

class VrrpAdvertisementDecoderProperties {

    static final InetAddress PEER = ip("10.199.0.2");
    static final InetAddress GROUP = ip("224.0.0.18");
    static final VrrpAdvertisementDecoder[] DECODERS = {
            instance().pass("secret").parameters().decoder(),
            instance().version(3).parameters().decoder(),
            instance().version(3).vips("fd00::1").parameters().decoder(),
    };

    @Property(tries = 3000)
    void randomBytesNeverThrow(@ForAll @Size(max = 120) byte[] bytes, @ForAll @IntRange(max = 2) int which,
                               @ForAll @IntRange(min = -1, max = 255) int ttl) {
        InetAddress src = which == 2 ? ip("fe80::2") : PEER;
        InetAddress dst = which == 2 ? ip("ff02::12") : GROUP;
        assertThat(DECODERS[which].decode(new ReceivedPacket(bytes, src, dst, ttl))).isNotNull();
    }

    @Provide
    Arbitrary<byte[]> mangled() {
        byte[] valid = instance().pass("secret").parameters().advertisement(100).encode(PEER, GROUP, false);
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(40).flatMap(tail ->
                Arbitraries.integers().between(0, valid.length + tail.length).tuple3().map(t -> {
                    byte[] b = new byte[valid.length + tail.length];
                    System.arraycopy(valid, 0, b, 0, valid.length);
                    System.arraycopy(tail, 0, b, valid.length, tail.length);
                    if (t.get1() < b.length) b[t.get1()] = (byte) t.get2().intValue();
                    b = java.util.Arrays.copyOf(b, t.get3());
                    if (b.length >= 8) { // a correct checksum lets the mangled packet reach the deeper checks
                        b[6] = b[7] = 0;
                        int c = VrrpAdvertisement.checksum(b, 0, b.length, 2, PEER, GROUP, false);
                        b[6] = (byte) (c >>> 8);
                        b[7] = (byte) c;
                    }
                    return b;
                }));
    }

    /** Valid adverts with a byte changed, bytes appended and the length cut, checksum fixed up: never throws. */
    @Property(tries = 3000)
    void mangledAdvertsNeverThrow(@ForAll("mangled") byte[] bytes) {
        assertThat(DECODERS[0].decode(new ReceivedPacket(bytes, PEER, GROUP, 255))).isNotNull();
    }

    @Provide
    Arbitrary<byte[]> nearlyValid() {
        byte[] valid = instance().pass("secret").parameters().advertisement(100).encode(PEER, GROUP, false);
        return Arbitraries.integers().between(0, valid.length - 1).tuple2()
                .map(t -> {
                    byte[] b = valid.clone();
                    b[t.get1()] ^= (byte) (1 << (t.get2() % 8));
                    return b;
                });
    }

    /** Flipping any one bit of a valid advert never yields an accepted advert (the checksum catches it). */
    @Property(tries = 500)
    void anySingleBitFlipIsDropped(@ForAll("nearlyValid") byte[] bytes) {
        assertThat(DECODERS[0].decode(new ReceivedPacket(bytes, PEER, GROUP, 255))).isInstanceOf(DecodeResult.Dropped.class);
    }

    @Property(tries = 300)
    void v3EncodeThenDecodeGivesTheAdvertBack(@ForAll @IntRange(min = 1, max = 255) int vrid,
                                              @ForAll @IntRange(max = 255) int priority,
                                              @ForAll @IntRange(min = 1, max = 4095) int centis) {
        var p = instance().version(3).vrid(vrid).advertInterval(Duration.ofMillis(centis * 10L)).vips("10.0.0.1", "10.0.0.2").parameters();
        var advert = p.advertisement(priority);
        assertThat(p.decoder().decode(new ReceivedPacket(advert.encode(PEER, GROUP, false), PEER, GROUP, 255)))
                .isEqualTo(new DecodeResult.Accepted(advert, PEER));
    }
}
