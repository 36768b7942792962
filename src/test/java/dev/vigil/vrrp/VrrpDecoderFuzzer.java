package dev.vigil.vrrp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Jazzer target (scripts/fuzz vrrp): a received packet for one of eight instances. The first byte picks the
 * instance (bits 0-2), whether the checksum is set right before decoding so that mutations reach the later
 * checks (bit 3), where the TTL comes from (bits 4-5: 255, byte 1, unknown) and whether the sender is the
 * instance's peer or a stranger of the same or the other address family (bits 6-7); byte 1 is a TTL; the
 * rest is the VRRP message. The decoder must drop or accept every packet without reaching its guard (the
 * "undecodable" drop a caught exception becomes), and what it accepts must encode back to a packet it
 * accepts as the same advertisement.
 */
public final class VrrpDecoderFuzzer {

    private record Setup(int version, int vrid, boolean v3ChecksumAsV2, VrrpAdvertisementDecoder decoder,
                         InetAddress peer, InetAddress stranger, InetAddress destination) {}

    private static final InetAddress PEER4 = ip("10.199.0.2");
    private static final InetAddress STRANGER4 = ip("10.199.0.9");
    private static final InetAddress PEER6 = ip("fe80::2");
    private static final InetAddress STRANGER6 = ip("fe80::9");
    private static final InetAddress GROUP4 = ip("224.0.0.18");
    private static final InetAddress GROUP6 = ip("ff02::12");
    private static final byte[] NO_PASSWORD = new byte[0];

    private static final List<Setup> SETUPS = List.of(
            setup(2, 51, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 100, List.of("192.168.3.110"), true, false, false),
            setup(2, 1, VrrpAdvertisement.AUTH_PASS, "secret".getBytes(), 300, List.of("192.168.3.110", "192.168.3.111"), true, false, false),
            setup(3, 51, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 100, List.of("10.0.0.1"), true, false, false),
            setup(3, 117, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 25, List.of("10.0.0.1", "10.0.0.2", "10.0.0.3"), false, true, true),
            setup(3, 51, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 100, List.of("2001:db8::1", "fe80::1"), true, false, false),
            setup(3, 255, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 4095, List.of("2001:db8::10"), false, false, true),
            setup(2, 200, VrrpAdvertisement.AUTH_PASS, "12345678".getBytes(), 25500, List.of("192.0.2.110"), false, false, true),
            setup(3, 7, VrrpAdvertisement.AUTH_NONE, NO_PASSWORD, 1, List.of(), true, true, false));

    private VrrpDecoderFuzzer() {}

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length < 2) return;
        int flags = data[0] & 0xff;
        Setup s = SETUPS.get(flags & 7);
        byte[] payload = Arrays.copyOfRange(data, 2, data.length);
        int ttl = switch ((flags >>> 4) & 3) {
            case 0 -> 255;
            case 1 -> data[1] & 0xff;
            default -> -1;
        };
        InetAddress source = switch (flags >>> 6) {
            case 0, 1 -> s.peer();
            case 2 -> s.stranger();
            default -> s.peer() instanceof Inet6Address ? PEER4 : PEER6;
        };
        if ((flags & 8) != 0 && payload.length >= VrrpAdvertisement.HEADER_LENGTH) {
            int sum = VrrpAdvertisement.checksum(payload, 0, payload.length, s.version(), source, s.destination(),
                    s.v3ChecksumAsV2());
            payload[6] = (byte) (sum >>> 8);
            payload[7] = (byte) sum;
        }
        DecodeResult r = s.decoder().decode(new ReceivedPacket(payload, source, s.destination(), ttl));
        switch (r) {
            case DecodeResult.Dropped d -> {
                if (d.reason() == null || d.detail() == null) throw new AssertionError("a drop without its reason: " + d);
                if (d.detail().startsWith("undecodable")) throw new AssertionError("the decoder's guard caught: " + d.detail());
            }
            case DecodeResult.Accepted a -> {
                VrrpAdvertisement advert = a.advertisement();
                if (advert.version() != s.version() || advert.virtualRouterId() != s.vrid() || !a.source().equals(source)) {
                    throw new AssertionError("accepted another instance's advert: " + advert);
                }
                byte[] again = advert.encode(source, s.destination(), s.v3ChecksumAsV2());
                DecodeResult back = s.decoder().decode(new ReceivedPacket(again, source, s.destination(), ttl));
                if (!back.equals(r)) throw new AssertionError(advert + " encodes to a packet decoded as " + back);
            }
        }
    }

    private static Setup setup(int version, int vrid, int authType, byte[] password, int intervalCentis,
                               List<String> vips, boolean multicast, boolean v3ChecksumAsV2, boolean checkUnicastSrc) {
        List<InetAddress> addresses = vips.stream().map(VrrpDecoderFuzzer::ip).toList();
        boolean ipv6 = !addresses.isEmpty() && addresses.getFirst() instanceof Inet6Address;
        InetAddress peer = ipv6 ? PEER6 : PEER4;
        InetAddress destination = multicast ? (ipv6 ? GROUP6 : GROUP4) : (ipv6 ? ip("fe80::1") : ip("10.199.0.1"));
        var decoder = new VrrpAdvertisementDecoder(version, vrid, authType, password, intervalCentis, addresses, ipv6,
                multicast, v3ChecksumAsV2, checkUnicastSrc ? Set.of(peer) : Set.of());
        return new Setup(version, vrid, v3ChecksumAsV2, decoder, peer, ipv6 ? STRANGER6 : STRANGER4, destination);
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }
}
