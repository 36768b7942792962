package dev.vigil.wire;

/** The 16-bit ones'-complement sum of RFC 1071 (IP header, ICMPv6, VRRP). */
public final class InternetChecksum {
    private InternetChecksum() {}

    /** Adds {@code length} bytes at {@code offset} to a running 32-bit sum; an odd tail is padded with zero. */
    public static long add(long sum, byte[] data, int offset, int length) {
        int i = offset;
        int end = offset + length;
        for (; i + 1 < end; i += 2) sum += ((data[i] & 0xff) << 8) | (data[i + 1] & 0xff);
        if (i < end) sum += (data[i] & 0xff) << 8;
        return sum;
    }

    /** Folds the carries and complements: the value to put into the checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }

    public static int of(byte[] data, int offset, int length) {
        return finish(add(0, data, offset, length));
    }
}
