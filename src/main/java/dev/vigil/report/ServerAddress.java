package dev.vigil.report;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Objects;

/** An IP literal and a port, as an operator writes it: {@code 10.0.0.11:443} or {@code [2001:db8::11]:443}. */
public record ServerAddress(InetAddress address, int port) {

    public ServerAddress {
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
    }

    /**
     * Parses {@code IPv4:PORT} or {@code [IPv6]:PORT}. Never resolves names.
     *
     * @throws IllegalArgumentException with a message fit to show the user
     */
    public static ServerAddress parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("empty address; expected IP:PORT");
        String s = text.strip();
        String host;
        String port;
        if (s.startsWith("[")) {
            int close = s.indexOf("]:");
            if (close < 0) throw new IllegalArgumentException("'" + text + "' is not [IPv6]:PORT");
            host = s.substring(1, close);
            port = s.substring(close + 2);
        } else {
            int colon = s.lastIndexOf(':');
            if (colon < 0 || s.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not IP:PORT (write IPv6 as [ADDR]:PORT)");
            }
            host = s.substring(0, colon);
            port = s.substring(colon + 1);
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + host + "' is not an IP address");
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + port + "' is not a port number");
        }
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port " + p + " is out of range 1-65535");
        return new ServerAddress(address, p);
    }

    @Override
    public String toString() {
        return address instanceof Inet6Address
                ? "[" + address.getHostAddress() + "]:" + port
                : address.getHostAddress() + ":" + port;
    }
}
