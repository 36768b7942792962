package dev.vigil.linux;

import java.net.InetAddress;

/**
 * A VRRP packet as it arrived on a {@link VrrpSocket}.
 *
 * @param destination    the IP destination (224.0.0.18, ff02::12 or our unicast address): part of
 *                       the v3 checksum's pseudo-header
 * @param ttlOrHopLimit  IPv4 TTL or IPv6 hop limit as received (255 unless a router forwarded it); -1 if unknown
 * @param vrrpPayload    the VRRP message, without any IP header
 */
@SuppressWarnings("ArrayRecordComponent") // a packet handed from the socket to its reader; never compared or hashed
public record ReceivedPacket(InetAddress source, InetAddress destination, int ttlOrHopLimit, byte[] vrrpPayload,
                             int interfaceIndex) {
}
