package dev.vigil.vrrp;

import java.net.InetAddress;

/**
 * A VRRP message as received, without its IP header: the bytes, where it came from and went to,
 * and the TTL (IPv4) or hop limit (IPv6), or -1 when unknown (a multicast instance drops such a packet).
 */
@SuppressWarnings("ArrayRecordComponent") // a packet handed from the socket to its reader; never compared or hashed
public record ReceivedPacket(byte[] payload, InetAddress source, InetAddress destination, int ttl) {}
