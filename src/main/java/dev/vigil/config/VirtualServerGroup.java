package dev.vigil.config;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/** {@code virtual_server_group NAME { ADDR[-LAST] [PORT] ... fwmark N ... }}. */
public record VirtualServerGroup(String name, List<Member> members, Source source) {
    public VirtualServerGroup {
        members = List.copyOf(members);
    }

    public sealed interface Member permits AddressRange, Fwmark {}

    /** One address, or a range whose last octet (IPv4) / group (IPv6) runs up to {@code last}. */
    public record AddressRange(InetAddress first, Optional<InetAddress> last, int port, Source source) implements Member {}

    public record Fwmark(int mark, Source source) implements Member {}
}
