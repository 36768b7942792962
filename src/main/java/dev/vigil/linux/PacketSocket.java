package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * A send-only AF_PACKET socket on one interface for hand-built Ethernet frames. It is opened with
 * protocol 0, so the kernel never queues received frames on it. Thread-safe (sends serialised).
 */
final class PacketSocket implements AutoCloseable {
    private static final int SOCKADDR_LL_SIZE = 20;
    private static final int MAX_FRAME = 1514;

    private final Arena arena = Arena.ofShared();
    private final MemorySegment capture = Libc.allocateCapture(arena);
    private final MemorySegment frame = arena.allocate(MAX_FRAME, 8);
    private final MemorySegment link = arena.allocate(SOCKADDR_LL_SIZE, 4);
    private final String interfaceName;
    private final int interfaceIndex;
    private final int fd;
    private boolean closed;

    PacketSocket(String interfaceName, int interfaceIndex) throws NativeException {
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        int opened;
        try {
            opened = (int) Libc.SOCKET.invokeExact(capture, Libc.AF_PACKET, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, 0);
        } catch (Throwable t) {
            arena.close();
            throw NetlinkSocket.downcallFailure(t);
        }
        if (opened < 0) {
            int errno = Libc.errno(capture);
            arena.close();
            throw new NativeException("socket(AF_PACKET, SOCK_RAW)", "interface " + interfaceName, errno);
        }
        fd = opened;
    }

    /** Sends a complete Ethernet frame (destination MAC in bytes 0-5, EtherType in 12-13). */
    synchronized void send(byte[] ethernetFrame) throws NativeException {
        if (closed) throw new NativeException("send on a closed packet socket for " + interfaceName);
        if (ethernetFrame.length < 14 || ethernetFrame.length > MAX_FRAME) throw new IllegalArgumentException("bad frame length");
        MemorySegment.copy(ethernetFrame, 0, frame, JAVA_BYTE, 0, ethernetFrame.length);
        link.fill((byte) 0);
        link.set(JAVA_SHORT, 0, (short) Libc.AF_PACKET);
        link.set(JAVA_BYTE, 2, ethernetFrame[12]); // sll_protocol, already big-endian in the frame
        link.set(JAVA_BYTE, 3, ethernetFrame[13]);
        link.set(JAVA_INT, 4, interfaceIndex);
        link.set(JAVA_BYTE, 11, (byte) 6);
        MemorySegment.copy(ethernetFrame, 0, link, JAVA_BYTE, 12, 6);
        try {
            long sent = (long) Libc.SENDTO.invokeExact(capture, fd, frame, (long) ethernetFrame.length, 0, link, SOCKADDR_LL_SIZE);
            if (sent < 0) throw new NativeException("sendto(AF_PACKET)", "interface " + interfaceName, Libc.errno(capture));
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        }
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        Libc.closeQuietly(fd);
        arena.close();
    }
}
