package dev.vigil.linux;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Builds and parses rtnetlink messages (nlmsghdr, ifaddrmsg, ifinfomsg, rtattr) in host byte
 * order. Pure: no sockets, so every byte is unit-tested without root.
 */
final class RtnetlinkMessages {
    static final int HEADER_LENGTH = 16;
    static final int NLMSG_ERROR = 2, NLMSG_DONE = 3, NLMSG_OVERRUN = 4;
    static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18;
    static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    static final int NLM_F_REQUEST = 1, NLM_F_MULTI = 2, NLM_F_ACK = 4, NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200,
            NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400, NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_CACHEINFO = 6, IFA_FLAGS = 8;
    static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3;
    static final int IFF_UP = 0x1, IFF_RUNNING = 0x40;
    static final int RTMGRP_LINK = 0x1, RTMGRP_IPV4_IFADDR = 0x10, RTMGRP_IPV6_IFADDR = 0x100;
    private static final ByteOrder HOST = ByteOrder.nativeOrder();

    /** One message: header fields plus its body (what follows the 16-byte header). */
    record Message(int type, int flags, int seq, int pid, ByteBuffer body) {}

    private RtnetlinkMessages() {}

    /** RTM_NEWADDR with ACK|CREATE|EXCL, so an address already present comes back as EEXIST. */
    static byte[] newAddress(int seq, InterfaceAddress a) {
        return address(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, a, true);
    }

    /** RTM_DELADDR with ACK; a missing address comes back as EADDRNOTAVAIL. */
    static byte[] deleteAddress(int seq, InterfaceAddress a) {
        return address(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, seq, a, false);
    }

    private static byte[] address(int type, int flags, int seq, InterfaceAddress a, boolean adding) {
        ByteBuffer b = ByteBuffer.allocate(256).order(HOST);
        b.position(HEADER_LENGTH);
        boolean v4 = a.address() instanceof Inet4Address;
        b.put((byte) (v4 ? Libc.AF_INET : Libc.AF_INET6));
        b.put((byte) a.prefixLength());
        b.put((byte) (a.flags() & 0xff));
        b.put((byte) a.scope());
        b.putInt(a.interfaceIndex());
        byte[] raw = a.address().getAddress();
        attribute(b, IFA_LOCAL, raw);
        attribute(b, IFA_ADDRESS, raw);
        if (v4) {
            a.broadcast().ifPresent(brd -> attribute(b, IFA_BROADCAST, brd.getAddress()));
            a.label().ifPresent(l -> attribute(b, IFA_LABEL, nulTerminated(l)));
        }
        if (adding) {
            attribute(b, IFA_FLAGS, intBytes(a.flags()));
            if (!v4 && (a.flags() & InterfaceAddress.DEPRECATED) != 0) {
                // preferred lifetime 0, valid forever: kept but never chosen as a source (keepalived's /128 default)
                ByteBuffer cache = ByteBuffer.allocate(16).order(HOST).putInt(0).putInt(0xffffffff).putInt(0).putInt(0);
                attribute(b, IFA_CACHEINFO, cache.array());
            }
        }
        return finish(b, type, flags, seq);
    }

    /** RTM_GETADDR dump of one family (AF_INET, AF_INET6, or 0 for both). */
    static byte[] dumpAddresses(int seq, int family) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + 8).order(HOST);
        b.position(HEADER_LENGTH);
        b.put((byte) family).put((byte) 0).put((byte) 0).put((byte) 0).putInt(0);
        return finish(b, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
    }

    /** RTM_GETLINK for one interface index; the answer is a single RTM_NEWLINK. */
    static byte[] getLink(int seq, int index) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_LENGTH + 16).order(HOST);
        b.position(HEADER_LENGTH);
        b.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(index).putInt(0).putInt(0);
        return finish(b, RTM_GETLINK, NLM_F_REQUEST, seq);
    }

    private static byte[] finish(ByteBuffer b, int type, int flags, int seq) {
        int length = b.position();
        b.putInt(0, length).putShort(4, (short) type).putShort(6, (short) flags).putInt(8, seq).putInt(12, 0);
        byte[] message = new byte[length];
        b.get(0, message);
        return message;
    }

    private static void attribute(ByteBuffer b, int type, byte[] payload) {
        int length = 4 + payload.length;
        b.putShort((short) length).putShort((short) type).put(payload);
        b.position(b.position() + align(length) - length);
    }

    static int align(int length) {
        return (length + 3) & ~3;
    }

    private static byte[] nulTerminated(String s) {
        byte[] text = s.getBytes(StandardCharsets.US_ASCII);
        return Arrays.copyOf(text, text.length + 1);
    }

    private static byte[] intBytes(int value) {
        return ByteBuffer.allocate(4).order(HOST).putInt(value).array();
    }

    /** Splits a datagram into messages; a truncated or nonsensical length ends the walk. */
    static List<Message> split(ByteBuffer datagram) {
        ByteBuffer d = datagram.duplicate().order(HOST);
        List<Message> messages = new ArrayList<>();
        int offset = d.position();
        int end = d.limit();
        while (end - offset >= HEADER_LENGTH) {
            int length = d.getInt(offset);
            if (length < HEADER_LENGTH || length > end - offset) break;
            ByteBuffer body = d.slice(offset + HEADER_LENGTH, length - HEADER_LENGTH).order(HOST);
            messages.add(new Message(d.getShort(offset + 4) & 0xffff, d.getShort(offset + 6) & 0xffff,
                    d.getInt(offset + 8), d.getInt(offset + 12), body));
            offset += align(length);
        }
        return messages;
    }

    /** The errno of an NLMSG_ERROR message (0 = success ack). */
    static int ackErrno(Message m) {
        if (m.type() != NLMSG_ERROR || m.body().remaining() < 4) throw new IllegalArgumentException("not an NLMSG_ERROR");
        return -m.body().getInt(0);
    }

    /** Parses RTM_NEWADDR/RTM_DELADDR; empty if the message is too short or its family unknown. */
    static Optional<InterfaceAddress> parseAddress(Message m) {
        ByteBuffer body = m.body();
        if (body.remaining() < 8) return Optional.empty();
        int family = body.get(0) & 0xff;
        if (family != Libc.AF_INET && family != Libc.AF_INET6) return Optional.empty();
        int prefix = body.get(1) & 0xff;
        int flags = body.get(2) & 0xff;
        int scope = body.get(3) & 0xff;
        int index = body.getInt(4);
        byte[] local = null, address = null, broadcast = null;
        String label = null;
        for (int off = 8; off + 4 <= body.limit(); ) {
            int len = body.getShort(off) & 0xffff;
            int type = body.getShort(off + 2) & 0x3fff;
            if (len < 4 || off + len > body.limit()) break;
            byte[] payload = new byte[len - 4];
            body.get(off + 4, payload);
            switch (type) {
                case IFA_LOCAL -> local = payload;
                case IFA_ADDRESS -> address = payload;
                case IFA_BROADCAST -> broadcast = payload;
                case IFA_LABEL -> label = cString(payload);
                case IFA_FLAGS -> { if (payload.length >= 4) flags = ByteBuffer.wrap(payload).order(HOST).getInt(); }
                default -> { }
            }
            off += align(len);
        }
        // For IPv4 IFA_LOCAL is the address and IFA_ADDRESS the peer; IPv6 usually sends only IFA_ADDRESS.
        byte[] own = local != null ? local : address;
        int expected = family == Libc.AF_INET ? 4 : 16;
        if (own == null || own.length != expected || prefix > expected * 8) return Optional.empty();
        try {
            return Optional.of(new InterfaceAddress(index, InetAddress.getByAddress(own), prefix,
                    broadcast != null && broadcast.length == 4 ? Optional.of(InetAddress.getByAddress(broadcast)) : Optional.empty(),
                    Optional.ofNullable(label).filter(l -> !l.isEmpty() && l.length() <= 15), scope, flags));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /** Parses RTM_NEWLINK/RTM_DELLINK; empty if too short. */
    static Optional<LinkState> parseLink(Message m) {
        ByteBuffer body = m.body();
        if (body.remaining() < 16) return Optional.empty();
        int index = body.getInt(4);
        int flags = body.getInt(8);
        String name = "";
        byte[] mac = new byte[0];
        for (int off = 16; off + 4 <= body.limit(); ) {
            int len = body.getShort(off) & 0xffff;
            int type = body.getShort(off + 2) & 0x3fff;
            if (len < 4 || off + len > body.limit()) break;
            byte[] payload = new byte[len - 4];
            body.get(off + 4, payload);
            if (type == IFLA_IFNAME) name = cString(payload);
            else if (type == IFLA_ADDRESS) mac = payload;
            off += align(len);
        }
        return Optional.of(new LinkState(index, name, (flags & IFF_UP) != 0, (flags & IFF_RUNNING) != 0, mac));
    }

    private static String cString(byte[] payload) {
        int n = 0;
        while (n < payload.length && payload[n] != 0) n++;
        return new String(payload, 0, n, StandardCharsets.US_ASCII);
    }
}
