package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    /**
     * The names of every interface of the calling thread's network namespace but loopback, from
     * {@code /proc/thread-self/net/dev} (sysfs shows the namespace that mounted it, not the caller's).
     */
    public static List<String> namesExceptLoopback() throws NativeException {
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/thread-self/net/dev"));
        } catch (IOException e) {
            throw new NativeException("cannot read /proc/thread-self/net/dev: " + e.getMessage());
        }
        return names(lines);
    }

    /** The interface names of {@code /proc/net/dev}'s lines (two header lines, then {@code name: counters}), loopback left out. */
    static List<String> names(List<String> lines) {
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String name = line.substring(0, colon).strip();
            if (!name.isEmpty() && !name.equals("lo") && !name.contains(" ") && !name.contains("|")) out.add(name);
        }
        return out;
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
