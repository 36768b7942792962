package dev.vigil.linux;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * ctnetlink's messages (the kernel's {@code include/uapi/linux/netfilter/nfnetlink_conntrack.h}): the
 * dump request, and the entries that events and dumps carry. Pure, so every byte is unit-tested and
 * fuzzed without root: {@link #parse} reads what the socket received and throws nothing but
 * {@link Malformed}, whatever the bytes.
 *
 * <p>A message is a netlink header, a 4-byte {@code nfgenmsg} (family, version, resource id) and
 * attributes; tuples, protocol information and counters are nested. Attribute payloads are in network
 * byte order, the netlink header in host order.
 */
final class ConntrackMessages {
    static final int NETLINK_NETFILTER = 12;
    /** {@code NFNLGRP_CONNTRACK_NEW}, {@code _UPDATE}, {@code _DESTROY} as a bind mask (group n is bit n-1). */
    static final int GROUPS = 1 | 2 | 4;
    static final int SUBSYS_CTNETLINK = 1;
    static final int CT_NEW = 0, CT_GET = 1, CT_DELETE = 2;
    private static final int NFGENMSG_LENGTH = 4;
    private static final int CTA_TUPLE_ORIG = 1, CTA_TUPLE_REPLY = 2, CTA_STATUS = 3, CTA_PROTOINFO = 4,
            CTA_COUNTERS_ORIG = 9, CTA_COUNTERS_REPLY = 10, CTA_ID = 12;
    private static final int CTA_TUPLE_IP = 1, CTA_TUPLE_PROTO = 2;
    private static final int CTA_IP_V4_SRC = 1, CTA_IP_V4_DST = 2, CTA_IP_V6_SRC = 3, CTA_IP_V6_DST = 4;
    private static final int CTA_PROTO_NUM = 1, CTA_PROTO_SRC_PORT = 2, CTA_PROTO_DST_PORT = 3;
    private static final int CTA_PROTOINFO_TCP = 1, CTA_PROTOINFO_TCP_STATE = 1;
    private static final int CTA_COUNTERS_PACKETS = 1, CTA_COUNTERS_BYTES = 2, CTA_COUNTERS32_PACKETS = 3,
            CTA_COUNTERS32_BYTES = 4;
    /** The type bits of {@code nla_type}; the top two are NLA_F_NESTED and NLA_F_NET_BYTEORDER. */
    private static final int NLA_TYPE_MASK = 0x3fff;

    private ConntrackMessages() {}

    /** What a message said. */
    sealed interface Parsed permits Entry, Done, Failed, Ignored {}

    /** An entry: an event ({@code NEW}, {@code UPDATE}, {@code DESTROY}) or a dump's line. */
    record Entry(ConntrackEvents.Kind kind, int seq, ConntrackEntry entry) implements Parsed {}

    /** The end of the dump of request {@code seq}. */
    record Done(int seq) implements Parsed {}

    /** The kernel refused request {@code seq} with {@code errno} (0 is an ack). */
    record Failed(int seq, int errno) implements Parsed {}

    /** Something else (another subsystem, an expectation): nothing to do. */
    record Ignored() implements Parsed {}

    /** A message that cannot be what it claims: too short, a length that overruns, a tuple missing. */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message);
        }
    }

    /** {@code IPCTNL_MSG_CT_GET} with {@code NLM_F_DUMP}: every entry of every family. */
    static byte[] dumpRequest(int seq) {
        ByteBuffer b = ByteBuffer.allocate(RtnetlinkMessages.HEADER_LENGTH + NFGENMSG_LENGTH).order(ByteOrder.nativeOrder());
        b.putInt(b.capacity()).putShort((short) (SUBSYS_CTNETLINK << 8 | CT_GET))
                .putShort((short) (RtnetlinkMessages.NLM_F_REQUEST | RtnetlinkMessages.NLM_F_DUMP)).putInt(seq).putInt(0);
        b.put((byte) 0).put((byte) 0).putShort((short) 0); // AF_UNSPEC, NFNETLINK_V0, res_id
        return b.array();
    }

    static Parsed parse(RtnetlinkMessages.Message m) throws Malformed {
        if (m.type() == RtnetlinkMessages.NLMSG_DONE) return new Done(m.seq());
        if (m.type() == RtnetlinkMessages.NLMSG_ERROR) {
            if (m.body().remaining() < 4) throw new Malformed("NLMSG_ERROR of " + m.body().remaining() + " bytes");
            return new Failed(m.seq(), RtnetlinkMessages.ackErrno(m));
        }
        if (m.type() >> 8 != SUBSYS_CTNETLINK) return new Ignored();
        int message = m.type() & 0xff;
        boolean multi = (m.flags() & RtnetlinkMessages.NLM_F_MULTI) != 0;
        ConntrackEvents.Kind kind;
        if (message == CT_DELETE) kind = ConntrackEvents.Kind.DESTROY;
        else if (multi && (message == CT_NEW || message == CT_GET)) kind = ConntrackEvents.Kind.DUMPED;
        else if (message == CT_NEW) kind = (m.flags() & RtnetlinkMessages.NLM_F_CREATE) != 0 ? ConntrackEvents.Kind.NEW : ConntrackEvents.Kind.UPDATE;
        else return new Ignored();
        return new Entry(kind, m.seq(), entry(m.body()));
    }

    private static ConntrackEntry entry(ByteBuffer body) throws Malformed {
        if (body.remaining() < NFGENMSG_LENGTH) throw new Malformed("no nfgenmsg");
        ByteBuffer b = body.slice(body.position() + NFGENMSG_LENGTH, body.remaining() - NFGENMSG_LENGTH)
                .order(ByteOrder.nativeOrder());
        Tuple original = null, reply = null;
        Long id = null;
        int status = 0, state = ConntrackEntry.NO_STATE;
        Optional<ConntrackEntry.Counters> originalCounters = Optional.empty(), replyCounters = Optional.empty();
        for (int off = 0; off < b.limit(); ) {
            ByteBuffer a = attribute(b, off);
            switch (type(b, off)) {
                case CTA_TUPLE_ORIG -> original = tuple(a);
                case CTA_TUPLE_REPLY -> reply = tuple(a);
                case CTA_STATUS -> status = (int) unsigned(a, 4, "CTA_STATUS");
                case CTA_ID -> id = unsigned(a, 4, "CTA_ID");
                case CTA_PROTOINFO -> state = tcpState(a, state);
                case CTA_COUNTERS_ORIG -> originalCounters = Optional.of(counters(a));
                case CTA_COUNTERS_REPLY -> replyCounters = Optional.of(counters(a));
                default -> { }
            }
            off = next(b, off);
        }
        if (original == null || reply == null) throw new Malformed("an entry without both tuples");
        if (id == null) throw new Malformed("an entry without CTA_ID");
        if (original.protocol != reply.protocol) throw new Malformed("tuples of two protocols");
        return new ConntrackEntry(id, original.protocol, original.source, original.destination, reply.source,
                reply.destination, state, status, originalCounters, replyCounters);
    }

    private record Tuple(int protocol, InetSocketAddress source, InetSocketAddress destination) {}

    private static Tuple tuple(ByteBuffer t) throws Malformed {
        byte[] source = null, destination = null;
        int protocol = -1, sourcePort = 0, destinationPort = 0;
        for (int off = 0; off < t.limit(); ) {
            ByteBuffer a = attribute(t, off);
            switch (type(t, off)) {
                case CTA_TUPLE_IP -> {
                    for (int i = 0; i < a.limit(); ) {
                        ByteBuffer ip = attribute(a, i);
                        switch (type(a, i)) {
                            case CTA_IP_V4_SRC -> source = bytes(ip, 4, "CTA_IP_V4_SRC");
                            case CTA_IP_V4_DST -> destination = bytes(ip, 4, "CTA_IP_V4_DST");
                            case CTA_IP_V6_SRC -> source = bytes(ip, 16, "CTA_IP_V6_SRC");
                            case CTA_IP_V6_DST -> destination = bytes(ip, 16, "CTA_IP_V6_DST");
                            default -> { }
                        }
                        i = next(a, i);
                    }
                }
                case CTA_TUPLE_PROTO -> {
                    for (int i = 0; i < a.limit(); ) {
                        ByteBuffer p = attribute(a, i);
                        switch (type(a, i)) {
                            case CTA_PROTO_NUM -> protocol = (int) unsigned(p, 1, "CTA_PROTO_NUM");
                            case CTA_PROTO_SRC_PORT -> sourcePort = (int) unsigned(p, 2, "CTA_PROTO_SRC_PORT");
                            case CTA_PROTO_DST_PORT -> destinationPort = (int) unsigned(p, 2, "CTA_PROTO_DST_PORT");
                            default -> { }
                        }
                        i = next(a, i);
                    }
                }
                default -> { }
            }
            off = next(t, off);
        }
        if (source == null || destination == null || source.length != destination.length) {
            throw new Malformed("a tuple without a source and destination of one family");
        }
        if (protocol < 0) throw new Malformed("a tuple without CTA_PROTO_NUM");
        return new Tuple(protocol, endpoint(source, sourcePort), endpoint(destination, destinationPort));
    }

    private static int tcpState(ByteBuffer info, int state) throws Malformed {
        for (int off = 0; off < info.limit(); ) {
            ByteBuffer a = attribute(info, off);
            if (type(info, off) == CTA_PROTOINFO_TCP) {
                for (int i = 0; i < a.limit(); ) {
                    ByteBuffer s = attribute(a, i);
                    if (type(a, i) == CTA_PROTOINFO_TCP_STATE) state = (int) unsigned(s, 1, "CTA_PROTOINFO_TCP_STATE");
                    i = next(a, i);
                }
            }
            off = next(info, off);
        }
        return state;
    }

    private static ConntrackEntry.Counters counters(ByteBuffer c) throws Malformed {
        long packets = 0, bytes = 0;
        for (int off = 0; off < c.limit(); ) {
            ByteBuffer a = attribute(c, off);
            switch (type(c, off)) {
                case CTA_COUNTERS_PACKETS -> packets = unsigned(a, 8, "CTA_COUNTERS_PACKETS");
                case CTA_COUNTERS_BYTES -> bytes = unsigned(a, 8, "CTA_COUNTERS_BYTES");
                case CTA_COUNTERS32_PACKETS -> packets = unsigned(a, 4, "CTA_COUNTERS32_PACKETS");
                case CTA_COUNTERS32_BYTES -> bytes = unsigned(a, 4, "CTA_COUNTERS32_BYTES");
                default -> { }
            }
            off = next(c, off);
        }
        if (packets < 0 || bytes < 0) throw new Malformed("a counter beyond 2^63");
        return new ConntrackEntry.Counters(packets, bytes);
    }

    /** The payload of the attribute at {@code off}, checked to lie within {@code b}. */
    private static ByteBuffer attribute(ByteBuffer b, int off) throws Malformed {
        if (b.limit() - off < 4) throw new Malformed("an attribute header cut short at " + off);
        int length = b.getShort(off) & 0xffff;
        if (length < 4 || length > b.limit() - off) throw new Malformed("an attribute of length " + length + " at " + off);
        // Nested attributes' headers are in host order again; payload values are read byte by byte.
        return b.slice(off + 4, length - 4).order(ByteOrder.nativeOrder());
    }

    private static int type(ByteBuffer b, int off) {
        return b.getShort(off + 2) & NLA_TYPE_MASK;
    }

    /** The offset after the attribute at {@code off} (attributes are padded to 4 bytes). */
    private static int next(ByteBuffer b, int off) {
        return Math.min(b.limit(), off + RtnetlinkMessages.align(b.getShort(off) & 0xffff));
    }

    /** A big-endian unsigned value of exactly {@code size} bytes. */
    private static long unsigned(ByteBuffer a, int size, String what) throws Malformed {
        if (a.limit() != size) throw new Malformed(what + " of " + a.limit() + " bytes, not " + size);
        long v = 0;
        for (int i = 0; i < size; i++) v = v << 8 | (a.get(i) & 0xff);
        return v;
    }

    private static byte[] bytes(ByteBuffer a, int size, String what) throws Malformed {
        if (a.limit() != size) throw new Malformed(what + " of " + a.limit() + " bytes, not " + size);
        byte[] out = new byte[size];
        a.get(0, out);
        return out;
    }

    private static InetSocketAddress endpoint(byte[] address, int port) throws Malformed {
        try {
            // Inet6Address keeps an IPv4-mapped address in its family; InetAddress would turn it into IPv4
            InetAddress a = address.length == 16 ? Inet6Address.getByAddress(null, address, -1) : InetAddress.getByAddress(address);
            return new InetSocketAddress(a, port);
        } catch (UnknownHostException e) {
            throw new Malformed("an address of " + address.length + " bytes");
        }
    }
}
