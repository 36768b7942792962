package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc functions Vigil calls, as static final downcall handles. Every handle except
 * {@code strerror} captures errno: its first argument is a segment of {@link #CAPTURE_LAYOUT}.
 * Linking and {@code reinterpret} are restricted methods: this class is where Vigil accepts that.
 */
@SuppressWarnings("restricted")
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");

    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_HANDLE =
            CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static final MethodHandle SOCKET = errnoHandle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle SETSOCKOPT = errnoHandle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle BIND = errnoHandle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle SENDTO = errnoHandle("sendto",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECVFROM = errnoHandle("recvfrom",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle SENDMSG = errnoHandle("sendmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECVMSG = errnoHandle("recvmsg", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle POLL = errnoHandle("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
    static final MethodHandle CLOSE = errnoHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle IF_NAMETOINDEX = errnoHandle("if_nametoindex", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    static final MethodHandle SETNS = errnoHandle("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    /** open(2) is variadic; Vigil never passes a mode, so no variadic argument follows. */
    static final MethodHandle OPEN = LINKER.downcallHandle(LOOKUP.find("open").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO, Linker.Option.firstVariadicArg(2));
    /** prctl(2) is variadic; Vigil passes the four unsigned longs the kernel reads after the option. */
    static final MethodHandle PRCTL = LINKER.downcallHandle(LOOKUP.find("prctl").orElseThrow(),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG), ERRNO,
            Linker.Option.firstVariadicArg(1));
    /** syscall(2) is variadic; Vigil passes the system call's arguments as three longs/addresses. */
    static final MethodHandle SYSCALL3 = LINKER.downcallHandle(LOOKUP.find("syscall").orElseThrow(),
            FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG), ERRNO,
            Linker.Option.firstVariadicArg(1));
    static final MethodHandle KILL = errnoHandle("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle WAITID = errnoHandle("waitid",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle STRERROR = LINKER.downcallHandle(LOOKUP.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ADDRESS, JAVA_INT));

    // Address families, socket types and option levels/names (x86-64 / aarch64 Linux).
    static final int AF_INET = 2, AF_INET6 = 10, AF_NETLINK = 16, AF_PACKET = 17;
    static final int SOCK_RAW = 3, SOCK_CLOEXEC = 02000000, O_CLOEXEC = 02000000;
    static final int SOL_SOCKET = 1, SO_RCVBUF = 8, SO_RCVBUFFORCE = 33, SO_BINDTODEVICE = 25, SO_ATTACH_FILTER = 26;
    static final int IPPROTO_IP = 0, IPPROTO_IPV6 = 41, IPPROTO_VRRP = 112;
    static final int IP_HDRINCL = 3, IP_MULTICAST_IF = 32, IP_MULTICAST_LOOP = 34, IP_ADD_MEMBERSHIP = 35,
            IP_MULTICAST_ALL = 49;
    static final int IPV6_CHECKSUM = 7, IPV6_UNICAST_HOPS = 16, IPV6_MULTICAST_IF = 17, IPV6_MULTICAST_HOPS = 18,
            IPV6_MULTICAST_LOOP = 19, IPV6_ADD_MEMBERSHIP = 20, IPV6_RECVPKTINFO = 49, IPV6_PKTINFO = 50,
            IPV6_RECVHOPLIMIT = 51, IPV6_HOPLIMIT = 52, IPV6_TCLASS = 67;
    static final int NETLINK_ROUTE = 0;
    static final short POLLIN = 1;
    static final int MSG_DONTWAIT = 0x40, MSG_TRUNC = 0x20;
    static final int CLONE_NEWNET = 0x40000000;
    static final int PR_SET_CHILD_SUBREAPER = 36;
    static final int SIGKILL = 9, SIGTERM = 15;
    // waitid(2): id types and options; siginfo_t is 128 bytes, si_pid at 16 on 64-bit Linux.
    static final int P_ALL = 0, P_PID = 1;
    static final int WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x01000000;
    static final long SIGINFO_SIZE = 128, SIGINFO_PID_OFFSET = 16;

    private Libc() {}

    private static MethodHandle errnoHandle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LOOKUP.find(name).orElseThrow(), descriptor, ERRNO);
    }

    static int errno(MemorySegment capture) {
        return (int) ERRNO_HANDLE.get(capture, 0L);
    }

    static MemorySegment allocateCapture(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static String strerror(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.equals(MemorySegment.NULL) ? "error " + errno : text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "error " + errno;
        }
    }

    /** Closes a descriptor, ignoring errors: the fd is gone either way. */
    static void closeQuietly(int fd) {
        if (fd < 0) return;
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) CLOSE.invokeExact(allocateCapture(arena), fd);
        } catch (Throwable ignored) {
            // nothing useful to do
        }
    }
}
