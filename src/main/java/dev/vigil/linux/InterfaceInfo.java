package dev.vigil.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.List;
import java.util.Optional;

/**
 * What VRRP needs to know about its interface: index, MAC, state, the primary IPv4 address (the
 * advert source and tie-breaker) and the IPv6 link-local address (the IPv6 advert source).
 *
 * @param primaryIpv4    first IPv4 address that is not secondary, as keepalived picks it
 * @param linkLocalIpv6  first fe80::/10 address that is not tentative
 * @param addresses      every address, IPv4 then IPv6, in the kernel's order
 */
public record InterfaceInfo(String name, int index, LinkState link, Optional<Inet4Address> primaryIpv4,
                            Optional<Inet6Address> linkLocalIpv6, List<InterfaceAddress> addresses) {
    public InterfaceInfo {
        addresses = List.copyOf(addresses);
    }

    public byte[] mac() {
        return link.mac();
    }

    public boolean up() {
        return link.up();
    }

    public boolean running() {
        return link.running();
    }
}
