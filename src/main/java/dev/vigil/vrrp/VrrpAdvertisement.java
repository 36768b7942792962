package dev.vigil.vrrp;

import dev.vigil.wire.InternetChecksum;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One VRRP ADVERTISEMENT: v2 (RFC 3768, interval in whole seconds, 8 bytes of auth data) or v3
 * (RFC 5798/9568, Max Adver Int in centiseconds, no auth). The interval is held in centiseconds for
 * both versions; v2 encodes it rounded to seconds.
 */
@SuppressWarnings("ArrayRecordComponent") // equals, hashCode and toString below compare and print the array by content
public record VrrpAdvertisement(int version, int virtualRouterId, int priority, int advertIntervalCentis,
                                int authType, byte[] authData, List<InetAddress> addresses) {

    public static final int TYPE_ADVERTISEMENT = 1;
    public static final int AUTH_NONE = 0;
    public static final int AUTH_PASS = 1;
    public static final int AUTH_AH = 2;
    public static final int AUTH_DATA_LENGTH = 8;
    static final int HEADER_LENGTH = 8;
    static final int PROTOCOL = 112;

    public VrrpAdvertisement {
        if (version != 2 && version != 3) throw new IllegalArgumentException("VRRP version must be 2 or 3: " + version);
        if (virtualRouterId < 0 || virtualRouterId > 255) throw new IllegalArgumentException("VRID out of range: " + virtualRouterId);
        if (priority < 0 || priority > 255) throw new IllegalArgumentException("priority out of range: " + priority);
        if (advertIntervalCentis < 0 || (advertIntervalCentis > 4095 && version == 3))
            throw new IllegalArgumentException("v3 advert interval must be 0..4095 cs: " + advertIntervalCentis);
        authData = authData == null ? new byte[AUTH_DATA_LENGTH] : Arrays.copyOf(authData, AUTH_DATA_LENGTH);
        addresses = List.copyOf(addresses);
        if (addresses.size() > 255) throw new IllegalArgumentException("at most 255 addresses");
    }

    @Override
    public byte[] authData() {
        return authData.clone();
    }

    /** True if the addresses are IPv6 (v3 only). */
    public boolean ipv6() {
        return !addresses.isEmpty() && addresses.getFirst() instanceof Inet6Address;
    }

    /**
     * The VRRP message (no IP header) with its checksum. For v3 the checksum covers the pseudo-header
     * built from {@code source} and {@code destination} (for IPv4 as keepalived does by default),
     * unless {@code v3ChecksumAsV2} asks for RFC 9568's IPv4 form without it.
     */
    public byte[] encode(InetAddress source, InetAddress destination, boolean v3ChecksumAsV2) {
        int addressLength = ipv6() ? 16 : 4;
        int length = HEADER_LENGTH + addresses.size() * addressLength + (version == 2 ? AUTH_DATA_LENGTH : 0);
        byte[] out = new byte[length];
        out[0] = (byte) (version << 4 | TYPE_ADVERTISEMENT);
        out[1] = (byte) virtualRouterId;
        out[2] = (byte) priority;
        out[3] = (byte) addresses.size();
        if (version == 2) {
            out[4] = (byte) authType;
            out[5] = (byte) Math.clamp(Math.round(advertIntervalCentis / 100.0), 0, 255);
        } else {
            out[4] = (byte) ((advertIntervalCentis >>> 8) & 0x0f);
            out[5] = (byte) advertIntervalCentis;
        }
        int at = HEADER_LENGTH;
        for (InetAddress a : addresses) {
            byte[] raw = a.getAddress();
            if (raw.length != addressLength) throw new IllegalArgumentException("mixed address families in an advert");
            System.arraycopy(raw, 0, out, at, raw.length);
            at += raw.length;
        }
        if (version == 2) System.arraycopy(authData, 0, out, at, AUTH_DATA_LENGTH);
        int checksum = checksum(out, 0, length, version, source, destination, v3ChecksumAsV2);
        out[6] = (byte) (checksum >>> 8);
        out[7] = (byte) checksum;
        return out;
    }

    /** The checksum of a message whose checksum field is taken as zero. */
    static int checksum(byte[] message, int offset, int length, int version, InetAddress source,
                        InetAddress destination, boolean v3ChecksumAsV2) {
        long sum = 0;
        if (version == 3) {
            if (source instanceof Inet6Address && destination instanceof Inet6Address) {
                sum = add(add(sum, source.getAddress()), destination.getAddress()) + (length >>> 16) + (length & 0xffff)
                        + PROTOCOL;
            } else if (!v3ChecksumAsV2 && source instanceof Inet4Address && destination instanceof Inet4Address) {
                sum = add(add(sum, source.getAddress()), destination.getAddress()) + PROTOCOL + length;
            }
        }
        sum = InternetChecksum.add(sum, message, offset, 6);
        sum = InternetChecksum.add(sum, message, offset + 8, length - 8);
        return InternetChecksum.finish(sum);
    }

    private static long add(long sum, byte[] address) {
        return InternetChecksum.add(sum, address, 0, address.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VrrpAdvertisement(var v, var id, var p, var i, var at, var ad, var as)
                && v == version && id == virtualRouterId && p == priority && i == advertIntervalCentis
                && at == authType && Arrays.equals(ad, authData) && as.equals(addresses);
    }

    @Override
    public int hashCode() {
        return Objects.hash(version, virtualRouterId, priority, advertIntervalCentis, authType,
                Arrays.hashCode(authData), addresses);
    }

    @Override
    public String toString() {
        return "VRRPv" + version + "{vrid=" + virtualRouterId + ", prio=" + priority + ", int=" + advertIntervalCentis
                + "cs, auth=" + authType + ", addrs=" + addresses.stream().map(InetAddress::getHostAddress).toList() + "}";
    }
}
