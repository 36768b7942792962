package dev.vigil.config;

import java.net.InetAddress;
import java.util.Optional;

/** One line of {@code virtual_ipaddress}: {@code ADDR[/PREFIX] [brd ADDR] [dev IF] [scope S] [label L]}. */
public record VirtualIp(InetAddress address, int prefixLength, Optional<InetAddress> broadcast,
                        Optional<String> device, Optional<String> scope, Optional<String> label, Source source) {

    public static int defaultPrefix(InetAddress address) {
        return address.getAddress().length == 4 ? 32 : 128;
    }

    /** Equality that ignores where it was written: what keepalived compares in adverts. */
    public boolean sameAddress(VirtualIp other) {
        return address.equals(other.address);
    }
}
