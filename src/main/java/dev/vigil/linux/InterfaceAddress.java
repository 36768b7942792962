package dev.vigil.linux;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Locale;
import java.util.Optional;

/**
 * An address on an interface as rtnetlink sees it ({@code struct ifaddrmsg} plus attributes): what
 * {@link Netlink#addAddress} adds and {@link Netlink#listAddresses} returns.
 *
 * @param flags IFA_F_* bits ({@link #SECONDARY}, {@link #NODAD}, {@link #DEPRECATED}, ...)
 * @param scope RT_SCOPE_* value: {@link #SCOPE_GLOBAL} 0, {@link #SCOPE_LINK} 253, {@link #SCOPE_HOST} 254, ...
 */
public record InterfaceAddress(int interfaceIndex, InetAddress address, int prefixLength,
                               Optional<InetAddress> broadcast, Optional<String> label, int scope, int flags) {
    public static final int SECONDARY = 0x01;
    public static final int NODAD = 0x02;
    public static final int DEPRECATED = 0x20;
    public static final int TENTATIVE = 0x40;
    public static final int PERMANENT = 0x80;
    /** keepalived's {@code home}. */
    public static final int HOMEADDRESS = 0x10;
    /** keepalived's {@code mngtmpaddr}. */
    public static final int MANAGETEMPADDR = 0x100;
    /** keepalived's {@code noprefixroute}. */
    public static final int NOPREFIXROUTE = 0x200;

    public static final int SCOPE_GLOBAL = 0;
    public static final int SCOPE_SITE = 200;
    public static final int SCOPE_LINK = 253;
    public static final int SCOPE_HOST = 254;
    public static final int SCOPE_NOWHERE = 255;

    public InterfaceAddress {
        int max = address instanceof Inet4Address ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException("prefix /" + prefixLength + " out of range for " + address.getHostAddress());
        }
        if (label.isPresent() && label.get().length() > 15) {
            throw new IllegalArgumentException("label '" + label.get() + "' longer than 15 characters");
        }
    }

    /** A global-scope address without broadcast or label; IPv6 gets {@link #NODAD} as VIPs should. */
    public static InterfaceAddress of(int interfaceIndex, InetAddress address, int prefixLength) {
        return new InterfaceAddress(interfaceIndex, address, prefixLength, Optional.empty(), Optional.empty(),
                SCOPE_GLOBAL, address instanceof Inet6Address ? NODAD : 0);
    }

    public InterfaceAddress withLabel(String newLabel) {
        return new InterfaceAddress(interfaceIndex, address, prefixLength, broadcast, Optional.of(newLabel), scope, flags);
    }

    public InterfaceAddress withBroadcast(InetAddress newBroadcast) {
        return new InterfaceAddress(interfaceIndex, address, prefixLength, Optional.of(newBroadcast), label, scope, flags);
    }

    public InterfaceAddress withScope(int newScope) {
        return new InterfaceAddress(interfaceIndex, address, prefixLength, broadcast, label, newScope, flags);
    }

    public InterfaceAddress withFlags(int newFlags) {
        return new InterfaceAddress(interfaceIndex, address, prefixLength, broadcast, label, scope, newFlags);
    }

    public boolean isIpv6() {
        return address instanceof Inet6Address;
    }

    public boolean isSecondary() {
        return (flags & SECONDARY) != 0;
    }

    public boolean isTentative() {
        return (flags & TENTATIVE) != 0;
    }

    /** keepalived's/iproute2's scope names: global, site, link, host, nowhere, or a number. */
    public static int scopeNamed(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "global", "universe" -> SCOPE_GLOBAL;
            case "site" -> SCOPE_SITE;
            case "link" -> SCOPE_LINK;
            case "host" -> SCOPE_HOST;
            case "nowhere" -> SCOPE_NOWHERE;
            default -> {
                try {
                    int value = Integer.parseInt(name);
                    if (value < 0 || value > 255) throw new NumberFormatException();
                    yield value;
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unknown scope '" + name + "' (global, site, link, host, nowhere or 0-255)");
                }
            }
        };
    }

    @Override
    public String toString() {
        return address.getHostAddress() + "/" + prefixLength + " ifindex " + interfaceIndex
                + broadcast.map(b -> " brd " + b.getHostAddress()).orElse("") + label.map(l -> " label " + l).orElse("")
                + " scope " + scope + " flags 0x" + Integer.toHexString(flags);
    }
}
