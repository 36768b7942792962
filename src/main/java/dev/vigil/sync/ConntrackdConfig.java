package dev.vigil.sync;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The conntrackd.conf Vigil writes for a node: FTFW (the reliable protocol: lost sync messages are resent),
 * multicast on the sync interface or UDP unicast to {@code vigil_sync_peer}, the control socket and lock file in
 * the node's own directory (several nodes in namespaces on one machine never share them), and a filter that
 * keeps TCP and UDP and ignores only loopback and the sync addresses. Never a VIP: every balanced entry's
 * original destination is a VIP, so ignoring one would sync nothing (research: kernel-path.md §2).
 */
public final class ConntrackdConfig {
    /** The sizes that carried the research's streams; the socket buffers hold a burst of 1,000s of entries. */
    private static final int SOCKET_BUFFER = 1_249_280, NETLINK_BUFFER = 2_097_152, NETLINK_MAX = 8_388_608;
    /**
     * The most entries one conntrackd cache holds: beyond it new entries are not synced ("no space left in
     * cache"). 65,536 could not hold bench/sync-commit.sh's 100,000; memory is taken per entry held, not up front.
     */
    static final int HASH_LIMIT = 262_144;

    private ConntrackdConfig() {}

    /** The files of one node's conntrackd, all under {@code dir}. */
    public record Paths(Path dir) {
        public Path config() {
            return dir.resolve("conntrackd.conf");
        }

        public Path control() {
            return dir.resolve("conntrackd.ctl");
        }

        public Path lock() {
            return dir.resolve("conntrackd.lock");
        }
    }

    /**
     * The text of conntrackd.conf.
     *
     * @param local the node's own address on the sync interface (multicast source, unicast bind)
     * @param vips  every VIP of the node: refused if the filter would have to ignore one
     * @throws IllegalArgumentException when the sync address is a VIP, or the peer's family is not the local one's
     */
    public static String text(SyncSettings s, InetAddress local, Paths paths, Collection<InetAddress> vips) {
        Set<InetAddress> ignored = new LinkedHashSet<>(List.of(loopback(false), loopback(true), local));
        s.peer().ifPresent(ignored::add);
        for (InetAddress a : ignored) {
            if (vips.contains(a)) {
                throw new IllegalArgumentException("the sync address " + a.getHostAddress() + " of " + s.interfaceName()
                        + " is a VIP: conntrackd would have to ignore the VIP's connections; give the sync its own "
                        + "address (a dedicated link is best)");
            }
        }
        boolean v6 = local instanceof Inet6Address;
        if (s.peer().isPresent() && (s.peer().get() instanceof Inet6Address) != v6) {
            throw new IllegalArgumentException("vigil_sync_peer " + s.peer().get().getHostAddress()
                    + " is not of the family of " + s.interfaceName() + "'s address " + local.getHostAddress());
        }
        String family = v6 ? "IPv6" : "IPv4";
        List<String> out = new ArrayList<>();
        out.add("# Written by Vigil from " + s.source() + "; rewritten at every start: edit keepalived.conf instead.");
        out.add("Sync {");
        out.add("    Mode FTFW {");
        out.add("        ResendQueueSize 131072");
        out.add("        PurgeTimeout 60");
        out.add("        ACKWindowSize 300");
        out.add("        DisableExternalCache Off");
        out.add("    }");
        if (s.peer().isPresent()) {
            out.add("    UDP {");
            out.add("        " + family + "_address " + local.getHostAddress());
            out.add("        " + family + "_Destination_Address " + s.peer().get().getHostAddress());
            out.add("        Port " + s.port());
        } else {
            out.add("    Multicast {");
            out.add("        " + family + "_address " + s.group().getHostAddress());
            out.add("        Group " + s.port());
            out.add("        " + family + "_interface " + local.getHostAddress());
        }
        out.add("        Interface " + s.interfaceName());
        out.add("        SndSocketBuffer " + SOCKET_BUFFER);
        out.add("        RcvSocketBuffer " + SOCKET_BUFFER);
        out.add("        Checksum on");
        out.add("    }");
        out.add("}");
        out.add("General {");
        out.add("    HashSize 8192");
        out.add("    HashLimit " + HASH_LIMIT);
        // Vigil reads conntrackd's console output and logs it as its own: no syslog, no log file.
        out.add("    Syslog off");
        out.add("    LogFile off");
        out.add("    LockFile " + paths.lock());
        out.add("    UNIX {");
        out.add("        Path " + paths.control());
        out.add("    }");
        out.add("    NetlinkBufferSize " + NETLINK_BUFFER);
        out.add("    NetlinkBufferSizeMaxGrowth " + NETLINK_MAX);
        out.add("    Filter From Userspace {");
        out.add("        Protocol Accept {");
        out.add("            TCP");
        out.add("            UDP");
        out.add("        }");
        out.add("        Address Ignore {");
        for (InetAddress a : ignored) {
            out.add("            " + (a instanceof Inet6Address ? "IPv6" : "IPv4") + "_address " + a.getHostAddress());
        }
        out.add("        }");
        out.add("    }");
        out.add("}");
        return String.join("\n", out) + "\n";
    }

    private static InetAddress loopback(boolean v6) {
        byte[] b = new byte[v6 ? 16 : 4];
        if (v6) b[15] = 1;
        else {
            b[0] = 127;
            b[3] = 1;
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e); // a 4- or 16-byte array is always an address
        }
    }
}
