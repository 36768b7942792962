package dev.vigil.linux;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The kernel's connection tracking table as {@code /proc/net/nf_conntrack} shows it (the kernel's
 * {@code CONFIG_NF_CONNTRACK_PROCFS}), read for the network namespace of the calling thread: call it on a
 * {@link NamespaceThread}. One line per entry, e.g.
 * <pre>
 * ipv4 2 tcp 6 431999 ESTABLISHED src=10.199.0.100 dst=10.199.0.50 sport=40000 dport=80 src=10.198.0.2
 *   dst=10.199.0.100 sport=8080 dport=40000 [ASSURED] mark=0 zone=0 use=2
 * </pre>
 * The first tuple is the original direction (client to VIP), the second the reply (real server to client,
 * so its source is where a DNAT sent the connection).
 */
public final class ConntrackTable {
    /** {@code /proc/net} follows the process's main thread; {@code thread-self} follows the caller. */
    static final Path PATH = Path.of("/proc/thread-self/net/nf_conntrack");

    private ConntrackTable() {}

    /**
     * One tracked connection with ports (TCP, UDP, SCTP).
     *
     * @param protocol         {@code tcp}, {@code udp}, ...
     * @param state            TCP's (or SCTP's) state, e.g. {@code ESTABLISHED}; empty for UDP
     * @param remainingSeconds until the entry expires unless a packet refreshes it
     */
    public record Entry(String protocol, Optional<String> state, long remainingSeconds,
                        InetSocketAddress originalSource, InetSocketAddress originalDestination,
                        InetSocketAddress replySource, InetSocketAddress replyDestination,
                        boolean assured, boolean unreplied) {}

    /** Every entry with ports in the calling thread's network namespace. */
    public static List<Entry> read() throws NativeException {
        List<String> lines;
        try {
            lines = Files.readAllLines(PATH);
        } catch (NoSuchFileException e) {
            throw new NativeException(PATH + " does not exist: the kernel lacks CONFIG_NF_CONNTRACK_PROCFS "
                    + "or connection tracking; the kernel engine reads its connections there");
        } catch (IOException e) {
            throw new NativeException("cannot read " + PATH + ": " + e.getMessage());
        }
        List<Entry> entries = new ArrayList<>(lines.size());
        for (String line : lines) parse(line).ifPresent(entries::add);
        return entries;
    }

    /** One line of the table; empty for entries without ports (ICMP) or a line it cannot read. */
    static Optional<Entry> parse(String line) {
        String[] words = line.strip().split("\\s+", -1);
        // family, family number, protocol, protocol number, remaining seconds, [state], key=value..., [FLAGS]
        if (words.length < 6) return Optional.empty();
        String protocol = words[2];
        long remaining;
        try {
            remaining = Long.parseLong(words[4]);
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        int i = 5;
        Optional<String> state = Optional.empty();
        if (!words[i].contains("=") && !words[i].startsWith("[")) state = Optional.of(words[i++]);
        List<Map<String, String>> tuples = new ArrayList<>();
        boolean assured = false, unreplied = false;
        Map<String, String> tuple = null;
        for (; i < words.length; i++) {
            String w = words[i];
            if (w.equals("[ASSURED]")) assured = true;
            else if (w.equals("[UNREPLIED]")) unreplied = true;
            int eq = w.indexOf('=');
            if (eq < 0) continue;
            String key = w.substring(0, eq);
            if (key.equals("src")) {
                if (tuples.size() == 2) break; // mark=, zone=, use= follow; a third src never comes
                tuple = new HashMap<>();
                tuples.add(tuple);
            }
            if (tuple != null) tuple.putIfAbsent(key, w.substring(eq + 1));
        }
        if (tuples.size() != 2) return Optional.empty();
        Map<String, String> original = tuples.get(0), reply = tuples.get(1);
        try {
            return Optional.of(new Entry(protocol, state, remaining,
                    endpoint(original, "src", "sport"), endpoint(original, "dst", "dport"),
                    endpoint(reply, "src", "sport"), endpoint(reply, "dst", "dport"), assured, unreplied));
        } catch (IllegalArgumentException | UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static InetSocketAddress endpoint(Map<String, String> tuple, String address, String port)
            throws UnknownHostException {
        String a = tuple.get(address);
        String p = tuple.get(port);
        if (a == null || p == null) throw new IllegalArgumentException("no " + address + "/" + port);
        if (!a.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not an address: " + a);
        // A literal: getByName resolves nothing for it.
        return new InetSocketAddress(InetAddress.getByName(a), Integer.parseInt(p));
    }
}
