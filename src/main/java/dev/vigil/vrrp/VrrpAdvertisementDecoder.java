package dev.vigil.vrrp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a received packet against one instance the way keepalived's {@code vrrp_check_packet} does
 * and decodes it. Never throws: every rejected packet comes back as {@link DecodeResult.Dropped}.
 */
public final class VrrpAdvertisementDecoder {

    private final int version;
    private final int virtualRouterId;
    private final int authType;
    private final byte[] password;
    private final int advertIntervalSeconds;
    private final Set<InetAddress> virtualIps;
    private final boolean ipv6;
    private final boolean multicast;
    private final boolean v3ChecksumAsV2;
    private final Set<InetAddress> acceptedSources;

    /**
     * @param authType  {@link VrrpAdvertisement#AUTH_NONE} or {@link VrrpAdvertisement#AUTH_PASS} (v2 only)
     * @param password  the 8 bytes of auth data expected with PASS (NUL padded)
     * @param multicast whether TTL/hop limit 255 is required (multicast mode only, as keepalived); an unknown
     *                  one is then a drop too
     * @param acceptedSources the only senders adverts are taken from ({@code check_unicast_src}); empty: any
     */
    public VrrpAdvertisementDecoder(int version, int virtualRouterId, int authType, byte[] password,
                                    int advertIntervalCentis, List<InetAddress> virtualIps, boolean ipv6,
                                    boolean multicast, boolean v3ChecksumAsV2, Set<InetAddress> acceptedSources) {
        this.version = version;
        this.virtualRouterId = virtualRouterId;
        this.authType = authType;
        this.password = java.util.Arrays.copyOf(password == null ? new byte[0] : password, VrrpAdvertisement.AUTH_DATA_LENGTH);
        this.advertIntervalSeconds = (int) Math.round(advertIntervalCentis / 100.0);
        this.virtualIps = Set.copyOf(virtualIps);
        this.ipv6 = ipv6;
        this.multicast = multicast;
        this.v3ChecksumAsV2 = v3ChecksumAsV2;
        this.acceptedSources = Set.copyOf(acceptedSources);
    }

    public DecodeResult decode(ReceivedPacket packet) {
        try {
            return check(packet);
        } catch (RuntimeException e) {
            // a decoder bug must cost one packet, never the receive loop
            return new DecodeResult.Dropped(DropReason.SHORT, "undecodable: " + e);
        }
    }

    private DecodeResult check(ReceivedPacket packet) {
        // first, so a stranger's packet costs no further parsing and is counted as what it is
        if (!acceptedSources.isEmpty() && !acceptedSources.contains(packet.source())) {
            return drop(DropReason.NOT_A_PEER, "from " + packet.source().getHostAddress());
        }
        byte[] b = packet.payload();
        int length = b == null ? 0 : b.length;
        if (length < VrrpAdvertisement.HEADER_LENGTH) return drop(DropReason.SHORT, length + " bytes");
        int v = (b[0] & 0xff) >>> 4;
        int type = b[0] & 0x0f;
        if (v != version) return drop(DropReason.WRONG_VERSION, "version " + v + ", ours " + version);
        if (type != VrrpAdvertisement.TYPE_ADVERTISEMENT) return drop(DropReason.WRONG_TYPE, "type " + type);
        boolean fromV6 = packet.source() instanceof Inet6Address;
        if (fromV6 != ipv6) return drop(DropReason.WRONG_FAMILY, fromV6 ? "IPv6 advert for an IPv4 instance" : "IPv4 advert for an IPv6 instance");
        if (ipv6 && version == 2) return drop(DropReason.WRONG_VERSION, "VRRPv2 over IPv6");
        int count = b[3] & 0xff;
        int addressLength = ipv6 ? 16 : 4;
        int expected = VrrpAdvertisement.HEADER_LENGTH + count * addressLength + (version == 2 ? VrrpAdvertisement.AUTH_DATA_LENGTH : 0);
        if (length != expected) return drop(DropReason.COUNT_MISMATCH, "count " + count + " needs " + expected + " bytes, got " + length);
        int received = (b[6] & 0xff) << 8 | (b[7] & 0xff);
        int computed = VrrpAdvertisement.checksum(b, 0, length, version, packet.source(), packet.destination(), v3ChecksumAsV2);
        if (received != computed) {
            return drop(DropReason.BAD_CHECKSUM, String.format("checksum 0x%04x, expected 0x%04x%s", received, computed,
                    version == 3 && !ipv6 ? (v3ChecksumAsV2 ? " (RFC 9568 form, v3_checksum_as_v2)" : " (with IPv4 pseudo-header, as keepalived)") : ""));
        }
        if (multicast && packet.ttl() < 0) {
            // Linux always delivers it (the socket asks for IPV6_RECVHOPLIMIT or fails to open): without it the
            // advert may have come through a router, so it is not taken
            return drop(DropReason.NO_TTL, ipv6 ? "no IPV6_HOPLIMIT ancillary data with the packet" : "no TTL known");
        }
        if (multicast && packet.ttl() != 255) return drop(DropReason.WRONG_TTL, "TTL " + packet.ttl());
        int vrid = b[1] & 0xff;
        if (vrid != virtualRouterId) return drop(DropReason.WRONG_VRID, "VRID " + vrid + ", ours " + virtualRouterId);
        int interval;
        int auth = VrrpAdvertisement.AUTH_NONE;
        byte[] authData = new byte[VrrpAdvertisement.AUTH_DATA_LENGTH]; // v3 has none
        if (version == 2) {
            auth = b[4] & 0xff;
            if (auth != authType) return drop(DropReason.AUTH_MISMATCH, "auth type " + auth + ", ours " + authType);
            authData = java.util.Arrays.copyOfRange(b, length - VrrpAdvertisement.AUTH_DATA_LENGTH, length);
            if (authType == VrrpAdvertisement.AUTH_PASS && !MessageDigest.isEqual(authData, password)) {
                return drop(DropReason.AUTH_MISMATCH, "wrong password");
            }
            int seconds = b[5] & 0xff;
            if (seconds != advertIntervalSeconds) {
                return drop(DropReason.INTERVAL_MISMATCH, "advert_int " + seconds + " s, ours " + advertIntervalSeconds + " s");
            }
            interval = seconds * 100;
        } else {
            interval = (b[4] & 0x0f) << 8 | (b[5] & 0xff);
        }
        List<InetAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] raw = java.util.Arrays.copyOfRange(b, 8 + i * addressLength, 8 + (i + 1) * addressLength);
            try {
                addresses.add(InetAddress.getByAddress(raw));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e); // cannot happen: length is 4 or 16
            }
        }
        if (!new HashSet<>(addresses).equals(virtualIps) || addresses.size() != virtualIps.size()) {
            return drop(DropReason.VIP_MISMATCH, "peer " + packet.source().getHostAddress() + " advertises "
                    + addresses.stream().map(InetAddress::getHostAddress).toList() + ", we have "
                    + virtualIps.stream().map(InetAddress::getHostAddress).sorted().toList()
                    + ": both sides must list the same virtual_ipaddress or both become master");
        }
        int priority = b[2] & 0xff;
        return new DecodeResult.Accepted(new VrrpAdvertisement(version, vrid, priority, interval, auth, authData, addresses),
                packet.source());
    }

    private static DecodeResult drop(DropReason reason, String detail) {
        return new DecodeResult.Dropped(reason, detail);
    }
}
