package dev.vigil.linux;

import java.net.Inet4Address;

/**
 * The 20-byte IPv4 header Vigil writes in front of a VRRP advert with IP_HDRINCL, as keepalived
 * does: version 4, IHL 5, TOS 0xc0 (network control), no DF, TTL 255, protocol 112. The kernel
 * fills the identification and the header checksum because both are left zero.
 */
final class Ipv4Header {
    static final int LENGTH = 20;
    static final int TOS_NETWORK_CONTROL = 0xc0;
    static final int TTL = 255;

    private Ipv4Header() {}

    static void write(byte[] into, Inet4Address source, Inet4Address destination, int payloadLength) {
        int total = LENGTH + payloadLength;
        into[0] = 0x45;
        into[1] = (byte) TOS_NETWORK_CONTROL;
        into[2] = (byte) (total >>> 8);
        into[3] = (byte) total;
        into[4] = 0; into[5] = 0;           // identification: kernel
        into[6] = 0; into[7] = 0;           // flags/fragment offset
        into[8] = (byte) TTL;
        into[9] = (byte) Libc.IPPROTO_VRRP;
        into[10] = 0; into[11] = 0;         // header checksum: kernel
        System.arraycopy(source.getAddress(), 0, into, 12, 4);
        System.arraycopy(destination.getAddress(), 0, into, 16, 4);
    }
}
