package dev.vigil.vrrp;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;

import static dev.vigil.vrrp.VrrpTestModel.instance;
import static dev.vigil.vrrp.VrrpTestModel.ip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;

class VrrpAdvertisementDecoderProperties {

    static final InetAddress PEER = ip("10.199.0.2");
    static final InetAddress GROUP = ip("224.0.0.18");
    static final VrrpAdvertisementDecoder[] DECODERS = {
            instance().pass("secret").parameters().decoder(),
            instance().version(3).parameters().decoder(),
            instance().version(3).vips("fd00::1").parameters().decoder(),
    };
    static final byte[] VALID = instance().pass("secret").parameters().advertisement(100).encode(PEER, GROUP, false);

    private static Gen<byte[]> bytes(int maxLength) {
        return Generate.byteArrays(integers().between(0, maxLength),
                Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    }

    @Test
    void randomBytesNeverThrow() {
        qt().withExamples(3000).forAll(bytes(120), integers().between(0, 2), integers().between(-1, 255))
                .checkAssert((bytes, which, ttl) -> {
                    InetAddress src = which == 2 ? ip("fe80::2") : PEER;
                    InetAddress dst = which == 2 ? ip("ff02::12") : GROUP;
                    assertThat(DECODERS[which].decode(new ReceivedPacket(bytes, src, dst, ttl))).isNotNull();
                });
    }

    /** A valid advert with bytes appended, one byte set and the length cut, checksum fixed up. */
    static final Gen<byte[]> MANGLED = bytes(40).flatMap(tail -> {
        Gen<Integer> position = integers().between(0, VALID.length + tail.length);
        return position.zip(position, position, (at, value, length) -> {
            byte[] b = new byte[VALID.length + tail.length];
            System.arraycopy(VALID, 0, b, 0, VALID.length);
            System.arraycopy(tail, 0, b, VALID.length, tail.length);
            if (at < b.length) b[at] = (byte) value.intValue();
            b = Arrays.copyOf(b, length);
            if (b.length >= 8) { // a correct checksum lets the mangled packet reach the deeper checks
                b[6] = b[7] = 0;
                int c = VrrpAdvertisement.checksum(b, 0, b.length, 2, PEER, GROUP, false);
                b[6] = (byte) (c >>> 8);
                b[7] = (byte) c;
            }
            return b;
        });
    }).describedAs(Arrays::toString);

    @Test
    void mangledAdvertsNeverThrow() {
        qt().withExamples(3000).forAll(MANGLED).checkAssert(bytes ->
                assertThat(DECODERS[0].decode(new ReceivedPacket(bytes, PEER, GROUP, 255))).isNotNull());
    }

    /**
     * Flipping any one bit of a valid advert never yields an accepted advert (the checksum catches it).
     * There are only 160 such flips, so every one is tried rather than a random sample of them.
     */
    @Test
    void anySingleBitFlipIsDropped() {
        for (int at = 0; at < VALID.length; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] b = VALID.clone();
                b[at] ^= (byte) (1 << bit);
                assertThat(DECODERS[0].decode(new ReceivedPacket(b, PEER, GROUP, 255)))
                        .as("bit %d of byte %d flipped: %s", bit, at, Arrays.toString(b))
                        .isInstanceOf(DecodeResult.Dropped.class);
            }
        }
    }

    @Test
    void v3EncodeThenDecodeGivesTheAdvertBack() {
        Gen<Integer> vrids = integers().between(1, 255);
        Gen<Integer> priorities = integers().between(0, 255);
        Gen<Integer> centis = integers().between(1, 4095);
        qt().withExamples(300).forAll(vrids, priorities, centis).checkAssert((vrid, priority, interval) -> {
            var p = instance().version(3).vrid(vrid).advertInterval(Duration.ofMillis(interval * 10L))
                    .vips("10.0.0.1", "10.0.0.2").parameters();
            var advert = p.advertisement(priority);
            byte[] encoded = advert.encode(PEER, GROUP, false);
            assertThat(p.decoder().decode(new ReceivedPacket(encoded, PEER, GROUP, 255)))
                    .isEqualTo(new DecodeResult.Accepted(advert, PEER));
        });
    }
}
