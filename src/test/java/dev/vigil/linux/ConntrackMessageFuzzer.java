package dev.vigil.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Jazzer target (scripts/fuzz conntrack): a datagram from a ctnetlink socket (the corpus: messages captured
 * by ConntrackEventsSystemTest). The parser must read each message or throw {@link ConntrackMessages.Malformed},
 * nothing else, and what it reads must be an entry Vigil can count.
 */
public final class ConntrackMessageFuzzer {
    private ConntrackMessageFuzzer() {}

    public static void fuzzerTestOneInput(byte[] data) {
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(ByteBuffer.wrap(data).order(ByteOrder.nativeOrder()))) {
            try {
                if (ConntrackMessages.parse(m) instanceof ConntrackMessages.Entry e) check(e.entry());
            } catch (ConntrackMessages.Malformed expected) {
                // counted and skipped by ConntrackEvents
            }
        }
    }

    private static void check(ConntrackEntry e) {
        if (e.id() < 0 || e.id() > 0xffffffffL) throw new IllegalStateException("id " + e.id());
        if (e.protocol() < 0 || e.protocol() > 255) throw new IllegalStateException("protocol " + e.protocol());
        if (e.tcpState() < ConntrackEntry.NO_STATE || e.tcpState() > 255) throw new IllegalStateException("state " + e.tcpState());
        if (length(e.originalSource()) != length(e.originalDestination()) || length(e.replySource()) != length(e.replyDestination())) {
            throw new IllegalStateException("a tuple of two families: " + e);
        }
        e.original().ifPresent(ConntrackMessageFuzzer::nonNegative);
        e.reply().ifPresent(ConntrackMessageFuzzer::nonNegative);
        if (e.tcpStateName().isEmpty() != (e.tcpState() == ConntrackEntry.NO_STATE)) throw new IllegalStateException("name");
    }

    private static int length(java.net.InetSocketAddress a) {
        return a.getAddress().getAddress().length;
    }

    private static void nonNegative(ConntrackEntry.Counters c) {
        if (c.packets() < 0 || c.bytes() < 0) throw new IllegalStateException("negative counters " + c);
    }
}
