package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * An AF_NETLINK socket (NETLINK_ROUTE, or NETLINK_NETFILTER for {@link ConntrackEvents}) with its buffers,
 * allocated once. Not thread-safe: its owner ({@link Netlink}, {@link LinkMonitor}, {@link ConntrackEvents})
 * serialises use. Only datagrams from the kernel (sender port id 0) are returned.
 */
final class NetlinkSocket implements AutoCloseable {
    private static final int BUFFER_SIZE = 64 * 1024;
    private static final int SOCKADDR_NL_SIZE = 12;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.allocateCapture(arena);
    private final MemorySegment kernel = arena.allocate(SOCKADDR_NL_SIZE, 4);
    private final MemorySegment sender = arena.allocate(SOCKADDR_NL_SIZE, 4);
    private final MemorySegment senderLength = arena.allocate(JAVA_INT);
    private final MemorySegment sendBuffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment receiveBuffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(8, 4);
    private final byte[] received = new byte[BUFFER_SIZE];
    private final int fd;

    /** Opens and binds a NETLINK_ROUTE socket; {@code groups} is an RTMGRP_* mask (0 for a command socket). */
    NetlinkSocket(int groups) throws NativeException {
        // link flaps come in bursts; a small buffer overruns (ENOBUFS)
        this(Libc.NETLINK_ROUTE, groups, groups == 0 ? 0 : 1024 * 1024);
    }

    /**
     * Opens a socket of netlink {@code protocol} in the caller's network namespace and binds it to the
     * multicast {@code groups} (a mask); {@code receiveBuffer} bytes of receive buffer, 0 for the default.
     * As root the buffer may exceed {@code net.core.rmem_max} (SO_RCVBUFFORCE).
     */
    NetlinkSocket(int protocol, int groups, int receiveBuffer) throws NativeException {
        LinuxPlatform.check();
        int opened;
        try {
            opened = (int) Libc.SOCKET.invokeExact(capture, Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, protocol);
        } catch (Throwable t) {
            arena.close();
            throw downcallFailure(t);
        }
        if (opened < 0) {
            int errno = Libc.errno(capture);
            arena.close();
            throw new NativeException("socket(AF_NETLINK, SOCK_RAW, " + protocol + ")", "", errno);
        }
        fd = opened;
        kernel.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
        try {
            if (receiveBuffer > 0) {
                MemorySegment value = arena.allocate(JAVA_INT);
                value.set(JAVA_INT, 0, receiveBuffer);
                int forced = (int) Libc.SETSOCKOPT.invokeExact(capture, fd, Libc.SOL_SOCKET, Libc.SO_RCVBUFFORCE, value, 4);
                if (forced < 0) {
                    // not root: as much as net.core.rmem_max allows
                    int ignored = (int) Libc.SETSOCKOPT.invokeExact(capture, fd, Libc.SOL_SOCKET, Libc.SO_RCVBUF, value, 4);
                }
            }
            MemorySegment local = arena.allocate(SOCKADDR_NL_SIZE, 4);
            local.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
            local.set(JAVA_INT, 8, groups);
            int r = (int) Libc.BIND.invokeExact(capture, fd, local, SOCKADDR_NL_SIZE);
            if (r < 0) throw new NativeException("bind(AF_NETLINK, groups 0x" + Integer.toHexString(groups) + ")", "", Libc.errno(capture));
        } catch (NativeException e) {
            close();
            throw e;
        } catch (Throwable t) {
            close();
            throw downcallFailure(t);
        }
    }

    void send(byte[] message, String what) throws NativeException {
        MemorySegment.copy(message, 0, sendBuffer, JAVA_BYTE, 0, message.length);
        try {
            long sent = (long) Libc.SENDTO.invokeExact(capture, fd, sendBuffer, (long) message.length, 0, kernel, SOCKADDR_NL_SIZE);
            if (sent < 0) throw new NativeException("netlink send " + what, "", Libc.errno(capture));
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailure(t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for one datagram from the kernel. The returned buffer is
     * valid until the next call. ENOBUFS (the kernel dropped events) is thrown for the caller to resync.
     */
    Optional<ByteBuffer> receive(int timeoutMillis) throws NativeException {
        try {
            pollfd.set(JAVA_INT, 0, fd);
            pollfd.set(JAVA_SHORT, 4, Libc.POLLIN);
            pollfd.set(JAVA_SHORT, 6, (short) 0);
            int ready = (int) Libc.POLL.invokeExact(capture, pollfd, 1L, timeoutMillis);
            if (ready < 0) {
                int errno = Libc.errno(capture);
                if (errno == Errno.EINTR) return Optional.empty();
                throw new NativeException("poll(netlink)", "", errno);
            }
            if (ready == 0) return Optional.empty();
            senderLength.set(JAVA_INT, 0, SOCKADDR_NL_SIZE);
            long n = (long) Libc.RECVFROM.invokeExact(capture, fd, receiveBuffer, (long) BUFFER_SIZE, Libc.MSG_DONTWAIT, sender, senderLength);
            if (n < 0) {
                int errno = Libc.errno(capture);
                if (errno == Errno.EAGAIN || errno == Errno.EINTR) return Optional.empty();
                throw new NativeException("recvfrom(netlink)", "", errno);
            }
            if (sender.get(JAVA_INT, 4) != 0) return Optional.empty(); // not from the kernel: ignore
            MemorySegment.copy(receiveBuffer, JAVA_BYTE, 0, received, 0, (int) n);
            return Optional.of(ByteBuffer.wrap(received, 0, (int) n).slice().order(ByteOrder.nativeOrder()));
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw downcallFailure(t);
        }
    }

    @Override
    public void close() {
        Libc.closeQuietly(fd);
        arena.close();
    }

    static IllegalStateException downcallFailure(Throwable t) {
        return new IllegalStateException("native call failed unexpectedly", t);
    }
}
