package dev.vigil.vrrp;

/** The 16-bit ones'-complement sum of RFC 1071, fed in pieces (pseudo-header, then message). */
final class InternetChecksum {
    private long sum;
    private boolean odd;

    InternetChecksum add(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            int b = data[i] & 0xff;
            sum += odd ? b : b << 8;
            odd = !odd;
        }
        return this;
    }

    InternetChecksum add(byte[] data) {
        return add(data, 0, data.length);
    }

    /** Adds a 16-bit word; only valid on an even byte boundary. */
    InternetChecksum addWord(int word) {
        sum += word & 0xffff;
        return this;
    }

    int value() {
        long s = sum;
        while ((s >>> 16) != 0) s = (s & 0xffff) + (s >>> 16);
        return (int) (~s & 0xffff);
    }
}
