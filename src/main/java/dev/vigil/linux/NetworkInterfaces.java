package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.List;
import java.util.Optional;

/** Looks up interfaces by name in the caller's network namespace. */
public final class NetworkInterfaces {
    private NetworkInterfaces() {}

    /** if_nametoindex; a missing interface is a {@link NativeException} with ENODEV and a plain message. */
    public static int indexOf(String name) throws NativeException {
        LinuxPlatform.check();
        if (name.isEmpty() || name.length() > 15) {
            throw new NativeException("if_nametoindex", "interface '" + name + "'", Errno.ENODEV);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Libc.allocateCapture(arena);
            int index = (int) Libc.IF_NAMETOINDEX.invokeExact(capture, arena.allocateFrom(name));
            if (index == 0) throw new NativeException("if_nametoindex", "interface '" + name + "'", Libc.errno(capture));
            return index;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        }
    }

    /** Index, link state, MAC and addresses of the named interface. */
    public static InterfaceInfo describe(String name) throws NativeException {
        int index = indexOf(name);
        try (Netlink netlink = Netlink.open()) {
            return describe(name, index, netlink.link(index), netlink.listAddresses(index));
        }
    }

    static InterfaceInfo describe(String name, int index, LinkState link, List<InterfaceAddress> addresses) {
        Optional<Inet4Address> primary = addresses.stream()
                .filter(a -> a.address() instanceof Inet4Address && !a.isSecondary())
                .map(a -> (Inet4Address) a.address()).findFirst();
        Optional<Inet6Address> linkLocal = addresses.stream()
                .filter(a -> a.address() instanceof Inet6Address && a.address().isLinkLocalAddress() && !a.isTentative())
                .map(a -> (Inet6Address) a.address()).findFirst();
        return new InterfaceInfo(name, index, link, primary, linkLocal, addresses);
    }
}
