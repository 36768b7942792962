package dev.vigil.linux;

import org.jspecify.annotations.Nullable;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The system calls of the proxy's epoll data path, for one thread: every socket is non-blocking, and
 * every call returns its result, or minus errno ({@link Errno}) on failure, so that the hot path throws nothing and
 * allocates nothing. An instance owns its errno capture and address scratch space, so it must stay on
 * the thread that made it (one per event loop). The calls are linked as critical (no thread-state
 * transition): all are non-blocking and return within microseconds.
 */
@SuppressWarnings("restricted")
public final class NonBlockingTcp {
    public static final int SHUT_WR = 1;
    public static final int SOL_SOCKET = 1, SO_REUSEADDR = 2, SO_ERROR = 4, SO_KEEPALIVE = 9, SO_REUSEPORT = 15,
            SO_LINGER = 13;
    public static final int IPPROTO_TCP = 6, TCP_NODELAY = 1;
    public static final int IPPROTO_IP = 0, IP_FREEBIND = 15, IP_BIND_ADDRESS_NO_PORT = 24;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LOOKUP = LINKER.defaultLookup();
    private static final int SOCK_STREAM = 1, SOCK_NONBLOCK = 04000, SOCK_CLOEXEC = 02000000;
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int SOCKADDR_SIZE = 28;

    private static final MethodHandle SOCKET = handle("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKOPT = handle("getsockopt",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle BIND = handle("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle CONNECT = handle("connect", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle ACCEPT4 = handle("accept4",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    private static final MethodHandle GETSOCKNAME = handle("getsockname",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle READ = handle("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle SEND = handle("send",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle SHUTDOWN = handle("shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));

    private final Arena arena = Arena.ofAuto();
    private final MemorySegment capture = Libc.allocateCapture(arena);
    private final MemorySegment sockaddr = arena.allocate(SOCKADDR_SIZE, 8);
    private final MemorySegment length = arena.allocate(JAVA_INT);
    private final MemorySegment option = arena.allocate(8, 8);

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LOOKUP.find(name).orElseThrow(), descriptor,
                Linker.Option.captureCallState("errno"), Linker.Option.critical(false));
    }

    private int result(long r) {
        return r >= 0 ? (int) r : -Libc.errno(capture);
    }

    /** A new non-blocking, close-on-exec TCP socket of the family of {@code forAddress}. */
    public int socket(InetAddress forAddress) {
        int family = forAddress instanceof Inet6Address ? Libc.AF_INET6 : Libc.AF_INET;
        try {
            return result((int) SOCKET.invokeExact(capture, family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int setInt(int fd, int level, int name, int value) {
        option.set(JAVA_INT, 0, value);
        try {
            return result((int) SETSOCKOPT.invokeExact(capture, fd, level, name, option, 4));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** SO_LINGER on with a zero timeout: the next close sends RST instead of FIN. */
    public int lingerZero(int fd) {
        option.set(JAVA_INT, 0, 1);
        option.set(JAVA_INT, 4, 0);
        try {
            return result((int) SETSOCKOPT.invokeExact(capture, fd, SOL_SOCKET, SO_LINGER, option, 8));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** An int option's value, or minus errno. SO_ERROR gives a failed connect's errno. */
    public int getInt(int fd, int level, int name) {
        length.set(JAVA_INT, 0, 4);
        try {
            int r = result((int) GETSOCKOPT.invokeExact(capture, fd, level, name, option, length));
            return r < 0 ? r : option.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int bind(int fd, InetSocketAddress address) {
        int len = encode(address);
        try {
            return result((int) BIND.invokeExact(capture, fd, sockaddr, len));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int listen(int fd, int backlog) {
        try {
            return result((int) LISTEN.invokeExact(capture, fd, backlog));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** 0 when connected at once, {@code -EINPROGRESS} when the handshake goes on, else minus errno. */
    public int connect(int fd, InetSocketAddress address) {
        int len = encode(address);
        try {
            return result((int) CONNECT.invokeExact(capture, fd, sockaddr, len));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /**
     * The next pending connection as a non-blocking socket, or minus errno ({@code -EAGAIN}: none).
     * The peer's address is then read with {@link #acceptedPeer()}.
     */
    public int accept(int listenFd) {
        length.set(JAVA_INT, 0, SOCKADDR_SIZE);
        try {
            return result((int) ACCEPT4.invokeExact(capture, listenFd, sockaddr, length, SOCK_NONBLOCK | SOCK_CLOEXEC));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The peer address the last {@link #accept} returned. */
    public InetSocketAddress acceptedPeer() {
        return decode();
    }

    /** The socket's own address, or null if the call fails. */
    public @Nullable InetSocketAddress localAddress(int fd) {
        length.set(JAVA_INT, 0, SOCKADDR_SIZE);
        try {
            return result((int) GETSOCKNAME.invokeExact(capture, fd, sockaddr, length)) < 0 ? null : decode();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes read into native memory at {@code address}: 0 at end of stream, minus errno on failure. */
    public int read(int fd, long address, int count) {
        try {
            return result((long) READ.invokeExact(capture, fd, address, (long) count));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Bytes written from native memory at {@code address}, or minus errno; never raises SIGPIPE. */
    public int send(int fd, long address, int count) {
        try {
            return result((long) SEND.invokeExact(capture, fd, address, (long) count, MSG_NOSIGNAL));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    public int shutdown(int fd, int how) {
        try {
            return result((int) SHUTDOWN.invokeExact(capture, fd, how));
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** libc's text and the symbolic name for a negative result, for log lines. */
    public static String describe(int negativeErrno) {
        int errno = -negativeErrno;
        return Errno.describe(errno) + " (" + Errno.name(errno) + ")";
    }

    private int encode(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        int port = address.getPort();
        sockaddr.fill((byte) 0);
        if (ip instanceof Inet4Address) {
            sockaddr.set(JAVA_SHORT, 0, (short) Libc.AF_INET);
            sockaddr.set(JAVA_BYTE, 2, (byte) (port >> 8));
            sockaddr.set(JAVA_BYTE, 3, (byte) port);
            MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, sockaddr, 4, 4);
            return 16;
        }
        sockaddr.set(JAVA_SHORT, 0, (short) Libc.AF_INET6);
        sockaddr.set(JAVA_BYTE, 2, (byte) (port >> 8));
        sockaddr.set(JAVA_BYTE, 3, (byte) port);
        MemorySegment.copy(MemorySegment.ofArray(ip.getAddress()), 0, sockaddr, 8, 16);
        sockaddr.set(JAVA_INT, 24, ((Inet6Address) ip).getScopeId());
        return SOCKADDR_SIZE;
    }

    private InetSocketAddress decode() {
        int family = sockaddr.get(JAVA_SHORT, 0);
        int port = (Byte.toUnsignedInt(sockaddr.get(JAVA_BYTE, 2)) << 8) | Byte.toUnsignedInt(sockaddr.get(JAVA_BYTE, 3));
        try {
            if (family == Libc.AF_INET) {
                return new InetSocketAddress(InetAddress.getByAddress(sockaddr.asSlice(4, 4).toArray(JAVA_BYTE)), port);
            }
            byte[] ip = sockaddr.asSlice(8, 16).toArray(JAVA_BYTE);
            int scope = sockaddr.get(JAVA_INT, 24);
            InetAddress a = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
            return new InetSocketAddress(a, port);
        } catch (UnknownHostException impossible) {
            throw new AssertionError(impossible);
        }
    }
}
