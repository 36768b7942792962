package dev.vigil.linux;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One conntrack entry as a ctnetlink message carries it (an event or a dump's line). The original tuple is
 * the client's direction (client to VIP), the reply tuple the answer's (real server to client, so its source
 * is where a DNAT sent the connection). Ports are 0 for a protocol without them.
 *
 * @param id       {@code CTA_ID}: the kernel's identifier of the entry, the same in every message about it
 * @param protocol the IP protocol number ({@link #TCP}, {@link #UDP}, ...)
 * @param tcpState {@code CTA_PROTOINFO_TCP_STATE} ({@link #TCP_ESTABLISHED}, ...), or {@link #NO_STATE} when
 *                 the message carries none (UDP; an update that did not change the state)
 * @param status   {@code CTA_STATUS} bits ({@link #IPS_ASSURED}, ...); 0 when absent
 * @param original {@code CTA_COUNTERS_ORIG} (client to real server); empty without
 *                 {@code nf_conntrack_acct} or in a message that carries none (new, update)
 * @param reply    {@code CTA_COUNTERS_REPLY} (real server to client)
 */
public record ConntrackEntry(long id, int protocol, InetSocketAddress originalSource,
                             InetSocketAddress originalDestination, InetSocketAddress replySource,
                             InetSocketAddress replyDestination, int tcpState, int status,
                             Optional<Counters> original, Optional<Counters> reply) {
    public static final int TCP = 6, UDP = 17;
    public static final int NO_STATE = -1;
    /** The kernel's {@code enum tcp_conntrack}. */
    public static final int TCP_NONE = 0, TCP_SYN_SENT = 1, TCP_SYN_RECV = 2, TCP_ESTABLISHED = 3, TCP_FIN_WAIT = 4,
            TCP_CLOSE_WAIT = 5, TCP_LAST_ACK = 6, TCP_TIME_WAIT = 7, TCP_CLOSE = 8, TCP_SYN_SENT2 = 9;
    public static final int IPS_SEEN_REPLY = 1 << 1, IPS_ASSURED = 1 << 2, IPS_DST_NAT = 1 << 5;

    /** Packets and bytes (IP headers included) of one direction. */
    public record Counters(long packets, long bytes) {}

    /** {@code ESTABLISHED}, {@code TIME_WAIT}, ... as {@code conntrack -L} prints it; empty for {@link #NO_STATE}. */
    public Optional<String> tcpStateName() {
        return switch (tcpState) {
            case TCP_NONE -> Optional.of("NONE");
            case TCP_SYN_SENT -> Optional.of("SYN_SENT");
            case TCP_SYN_RECV -> Optional.of("SYN_RECV");
            case TCP_ESTABLISHED -> Optional.of("ESTABLISHED");
            case TCP_FIN_WAIT -> Optional.of("FIN_WAIT");
            case TCP_CLOSE_WAIT -> Optional.of("CLOSE_WAIT");
            case TCP_LAST_ACK -> Optional.of("LAST_ACK");
            case TCP_TIME_WAIT -> Optional.of("TIME_WAIT");
            case TCP_CLOSE -> Optional.of("CLOSE");
            case TCP_SYN_SENT2 -> Optional.of("SYN_SENT2");
            case NO_STATE -> Optional.empty();
            default -> Optional.of("state " + tcpState);
        };
    }
}
