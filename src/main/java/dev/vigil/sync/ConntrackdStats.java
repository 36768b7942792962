package dev.vigil.sync;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code conntrackd -C CONF -s} (1.4.7) says about the sync: how many entries each cache holds (internal: this
 * node's own connections; external: the peer's, what a takeover commits) and the traffic on the sync link, both
 * ways, with its errors. The link's "Pckts recv" growing is the proof that the peer is alive: in FTFW it sends
 * ALIVE messages even when no connection changes.
 *
 * @param lostMessages      messages the peer sent that never arrived ("Lost msgs" of message tracking)
 * @param malformedMessages messages that arrived unreadable
 */
public record ConntrackdStats(long internalEntries, long externalEntries, long bytesSent, long bytesReceived,
                              long packetsSent, long packetsReceived, long sendErrors, long receiveErrors,
                              long lostMessages, long malformedMessages) {

    private static final Pattern CACHE = Pattern.compile("(?m)^cache (internal|external):\\s*\\n"
            + "current active connections:\\s+(\\d+)");
    /** {@code UDP traffic (active device=eth0):} or {@code Multicast traffic (...)}, then three lines of pairs. */
    private static final Pattern TRAFFIC = Pattern.compile("(?m)^\\w+ traffic \\(active device=[^)]*\\):\\s*\\n"
            + "\\s*(\\d+) Bytes sent\\s+(\\d+) Bytes recv\\s*\\n"
            + "\\s*(\\d+) Pckts sent\\s+(\\d+) Pckts recv\\s*\\n"
            + "\\s*(\\d+) Error send\\s+(\\d+) Error recv");
    private static final Pattern TRACKING = Pattern.compile("(?m)^message tracking:\\s*\\n"
            + "\\s*(\\d+) Malformed msgs\\s+(\\d+) Lost msgs");

    /** The figures of one {@code -s} output; empty when it has no traffic section (not conntrackd's, or not in sync mode). */
    public static Optional<ConntrackdStats> parse(String text) {
        Matcher t = TRAFFIC.matcher(text);
        if (!t.find()) return Optional.empty();
        long internal = 0, external = 0;
        Matcher c = CACHE.matcher(text);
        while (c.find()) {
            if (c.group(1).equals("internal")) internal = Long.parseLong(c.group(2));
            else external = Long.parseLong(c.group(2));
        }
        long malformed = 0, lost = 0;
        Matcher m = TRACKING.matcher(text);
        if (m.find()) {
            malformed = Long.parseLong(m.group(1));
            lost = Long.parseLong(m.group(2));
        }
        return Optional.of(new ConntrackdStats(internal, external, n(t, 1), n(t, 2), n(t, 3), n(t, 4), n(t, 5), n(t, 6),
                lost, malformed));
    }

    private static long n(Matcher m, int group) {
        return Long.parseLong(m.group(group));
    }
}
