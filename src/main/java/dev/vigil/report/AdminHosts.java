package dev.vigil.report;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code Host} values the admin endpoint answers to, against DNS rebinding: a page of
 * {@code attacker.example} whose name is made to resolve to the admin address may talk to the endpoint
 * from the operator's browser as its own origin, but its requests still say {@code Host:
 * attacker.example}. Accepted are IP literals of the address the request arrived on (or of loopback),
 * {@code localhost}, the name the endpoint was bound by ({@code --admin lb1:9180}) and the names of
 * {@code vigil_admin_host_names}. The port is not compared: an SSH tunnel or a relay shows its own
 * port, and a rebinding page gives itself away by its name. A request without {@code Host} (HTTP/1.0
 * tools) is accepted: every browser sends one.
 */
final class AdminHosts {

    private final Set<String> names = new HashSet<>();

    AdminHosts(InetSocketAddress bound, List<String> configured) {
        names.add("localhost");
        // "name/literal" when the address was given by name; "/literal" otherwise. No reverse lookup.
        String given = bound.getAddress() == null ? bound.getHostString() : bound.getAddress().toString();
        int slash = given.indexOf('/');
        if (slash != 0) names.add(normal(slash < 0 ? given : given.substring(0, slash)));
        for (String n : configured) names.add(normal(n));
    }

    /** Whether {@code host}, a Host header (null when absent), names this endpoint for a request that reached {@code local}. */
    boolean allows(String host, InetAddress local) {
        if (host == null) return true;
        String h = host.strip();
        String name;
        String port;
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            if (close < 0) return false;
            name = h.substring(1, close);
            port = h.substring(close + 1);
            if (!name.contains(":")) return false;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0 && h.indexOf(':', colon + 1) >= 0) return false; // IPv6 without brackets
            name = colon < 0 ? h : h.substring(0, colon);
            port = colon < 0 ? "" : h.substring(colon);
        }
        if (!port.isEmpty() && !port.matches(":[0-9]{1,5}")) return false;
        if (name.isEmpty()) return false;
        InetAddress literal = literal(name);
        if (literal != null) return literal.isLoopbackAddress() || literal.equals(local);
        return names.contains(normal(name));
    }

    /** What a {@code Host} of this endpoint may name, for the log. */
    String describe() {
        return "its address, loopback addresses or one of " + names.stream().sorted().toList();
    }

    private static @Nullable InetAddress literal(String name) {
        boolean v4 = name.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9'));
        if (!v4 && !name.contains(":")) return null;
        try {
            return InetAddress.ofLiteral(name);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String normal(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }
}
