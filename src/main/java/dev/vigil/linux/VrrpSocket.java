package dev.vigil.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * Raw IP protocol 112 (VRRP) on one interface, set up as keepalived does: a send socket and a read
 * socket, both bound to the device, multicast loop off, {@code IP_MULTICAST_ALL} 0.
 * <ul>
 *   <li>IPv4 send uses IP_HDRINCL, so TOS 0xc0, TTL 255 and the source are exactly as given.</li>
 *   <li>IPv6 send sets hop limit 255 (multicast), TCLASS 0xc0, and lets the kernel compute the
 *       checksum (IPV6_CHECKSUM 6); the source comes from an IPV6_PKTINFO per packet.</li>
 *   <li>The read socket joins 224.0.0.18 / ff02::12 and binds to it (multicast), or binds to the
 *       unicast source (unicast), so multicast and unicast instances never see each other's adverts.
 *       IPv6 read leaves IPV6_CHECKSUM off so bad checksums reach the caller to be counted.</li>
 * </ul>
 * Threads: {@link #receive} is meant for one platform thread per socket (a virtual thread would pin
 * its carrier in poll); {@link #send} may be called from any thread; {@link #close} from any thread
 * returns within about 100 ms. Dropping our own adverts is the caller's job (multicast loop is off,
 * but unicast peers or other local instances may still echo).
 */
public final class VrrpSocket implements AutoCloseable {
    /** The IP family of the adverts. */
    public enum Family { IPV4, IPV6 }

    public static final InetAddress IPV4_GROUP = literal("224.0.0.18");
    public static final InetAddress IPV6_GROUP = literal("ff02::12");

    private static final int BUFFER_SIZE = 65_536;
    private static final int POLL_SLICE_MILLIS = 100;
    private static final int MSG_DONTROUTE = 4;
    private static final int SOCKADDR_IN6_SIZE = 28, SOCKADDR_IN_SIZE = 16;
    private static final int CONTROL_SIZE = 256;

    private final String interfaceName;
    private final int interfaceIndex;
    private final Family family;
    private final Optional<InetAddress> unicastSource;
    private final Arena arena = Arena.ofShared();
    private final ReentrantLock receiveLock = new ReentrantLock();
    private final ReentrantLock sendLock = new ReentrantLock();
    private final AtomicLong malformed = new AtomicLong();
    private volatile boolean closed;
    private int sendFd = -1;
    private int readFd = -1;

    // receive side, used only under receiveLock
    private final MemorySegment receiveCapture = Libc.allocateCapture(arena);
    private final MemorySegment receiveBuffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment pollfd = arena.allocate(8, 4);
    private final MemorySegment peer = arena.allocate(SOCKADDR_IN6_SIZE, 8);
    private final MemorySegment peerLength = arena.allocate(JAVA_INT);
    private final MemorySegment receiveMsg = arena.allocate(56, 8);
    private final MemorySegment receiveIov = arena.allocate(16, 8);
    private final MemorySegment receiveControl = arena.allocate(CONTROL_SIZE, 8);
    // send side, used only under sendLock
    private final MemorySegment sendCapture = Libc.allocateCapture(arena);
    private final MemorySegment sendBuffer = arena.allocate(BUFFER_SIZE, 8);
    private final MemorySegment destination = arena.allocate(SOCKADDR_IN6_SIZE, 8);
    private final MemorySegment sendMsg = arena.allocate(56, 8);
    private final MemorySegment sendIov = arena.allocate(16, 8);
    private final MemorySegment sendControl = arena.allocate(40, 8);
    private final byte[] sendBytes = new byte[BUFFER_SIZE];

    private VrrpSocket(String interfaceName, int interfaceIndex, Family family, Optional<InetAddress> unicastSource) {
        this.interfaceName = interfaceName;
        this.interfaceIndex = interfaceIndex;
        this.family = family;
        this.unicastSource = unicastSource;
    }

    /** Adverts to and from 224.0.0.18 or ff02::12 on the interface (in the caller's network namespace). */
    public static VrrpSocket multicast(String interfaceName, Family family) throws NativeException {
        return open(interfaceName, family, Optional.empty(), -1);
    }

    /**
     * Unicast adverts ({@code unicast_src_ip} / {@code unicast_peer}): the read socket is bound to
     * {@code source}; IPv4 TTL stays 255, IPv6 hop limit is {@code ipv6HopLimit} or the kernel default if -1.
     */
    public static VrrpSocket unicast(String interfaceName, InetAddress source, int ipv6HopLimit) throws NativeException {
        return open(interfaceName, source instanceof Inet4Address ? Family.IPV4 : Family.IPV6, Optional.of(source), ipv6HopLimit);
    }

    private static VrrpSocket open(String interfaceName, Family family, Optional<InetAddress> source, int hops) throws NativeException {
        LinuxPlatform.check();
        int index = NetworkInterfaces.indexOf(interfaceName);
        VrrpSocket s = new VrrpSocket(interfaceName, index, family, source);
        try {
            if (family == Family.IPV4) s.openIpv4(); else s.openIpv6(hops);
        } catch (NativeException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void openIpv4() throws NativeException {
        try (Arena scratch = Arena.ofConfined()) {
            sendFd = rawSocket(Libc.AF_INET, "socket(AF_INET, SOCK_RAW, 112) (send)");
            setInt(scratch, sendFd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
            setInt(scratch, sendFd, Libc.IPPROTO_IP, Libc.IP_HDRINCL, 1, "IP_HDRINCL");
            bindToDevice(scratch, sendFd);
            MemorySegment mreqn = scratch.allocate(12, 4);
            mreqn.set(JAVA_INT, 8, interfaceIndex);
            setOption(sendFd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_IF, mreqn, "IP_MULTICAST_IF");
            setInt(scratch, sendFd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_LOOP, 0, "IP_MULTICAST_LOOP");
            dropEverythingReceived(scratch, sendFd);

            readFd = rawSocket(Libc.AF_INET, "socket(AF_INET, SOCK_RAW, 112) (read)");
            setInt(scratch, readFd, Libc.IPPROTO_IP, Libc.IP_MULTICAST_ALL, 0, "IP_MULTICAST_ALL");
            bindToDevice(scratch, readFd);
            InetAddress local = unicastSource.orElse(IPV4_GROUP);
            if (unicastSource.isEmpty()) {
                MemorySegment join = scratch.allocate(12, 4);
                join.asSlice(0, 4).copyFrom(MemorySegment.ofArray(IPV4_GROUP.getAddress()));
                join.set(JAVA_INT, 8, interfaceIndex);
                setOption(readFd, Libc.IPPROTO_IP, Libc.IP_ADD_MEMBERSHIP, join, "IP_ADD_MEMBERSHIP 224.0.0.18");
            }
            MemorySegment address = scratch.allocate(SOCKADDR_IN_SIZE, 4);
            writeSockaddr(address, local);
            bind(readFd, address, SOCKADDR_IN_SIZE, local);
        }
    }

    private void openIpv6(int hops) throws NativeException {
        try (Arena scratch = Arena.ofConfined()) {
            sendFd = rawSocket(Libc.AF_INET6, "socket(AF_INET6, SOCK_RAW, 112) (send)");
            bindToDevice(scratch, sendFd);
            setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_IF, interfaceIndex, "IPV6_MULTICAST_IF");
            setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_HOPS, 255, "IPV6_MULTICAST_HOPS");
            setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_MULTICAST_LOOP, 0, "IPV6_MULTICAST_LOOP");
            setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_TCLASS, Ipv4Header.TOS_NETWORK_CONTROL, "IPV6_TCLASS");
            if (hops >= 0) setInt(scratch, sendFd, Libc.IPPROTO_IPV6, Libc.IPV6_UNICAST_HOPS, hops, "IPV6_UNICAST_HOPS");
            dropEverythingReceived(scratch, sendFd);

            readFd = rawSocket(Libc.AF_INET6, "socket(AF_INET6, SOCK_RAW, 112) (read)");
            bindToDevice(scratch, readFd);
            setInt(scratch, readFd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVHOPLIMIT, 1, "IPV6_RECVHOPLIMIT");
            setInt(scratch, readFd, Libc.IPPROTO_IPV6, Libc.IPV6_RECVPKTINFO, 1, "IPV6_RECVPKTINFO");
            InetAddress local = unicastSource.orElse(IPV6_GROUP);
            if (unicastSource.isEmpty()) {
                MemorySegment join = scratch.allocate(20, 4);
                join.asSlice(0, 16).copyFrom(MemorySegment.ofArray(IPV6_GROUP.getAddress()));
                join.set(JAVA_INT, 16, interfaceIndex);
                setOption(readFd, Libc.IPPROTO_IPV6, Libc.IPV6_ADD_MEMBERSHIP, join, "IPV6_ADD_MEMBERSHIP ff02::12");
            }
            MemorySegment address = scratch.allocate(SOCKADDR_IN6_SIZE, 4);
            writeSockaddr(address, local);
            bind(readFd, address, SOCKADDR_IN6_SIZE, local);
        }
    }

    /**
     * Sends one VRRP message. IPv4: {@code source} goes into the IP header as is (it need not be
     * bound). IPv6: {@code source} must be an address of the interface (the link-local for multicast).
     */
    public void send(byte[] vrrpPayload, InetAddress source, InetAddress destination) throws NativeException {
        boolean v4 = family == Family.IPV4;
        if (v4 != (source instanceof Inet4Address) || v4 != (destination instanceof Inet4Address)) {
            throw new IllegalArgumentException("addresses " + source + " -> " + destination + " do not match a " + family + " socket");
        }
        if (vrrpPayload.length > BUFFER_SIZE - Ipv4Header.LENGTH) throw new IllegalArgumentException("VRRP message too long");
        sendLock.lock();
        try {
            if (closed) throw new NativeException("send on a closed VRRP socket for " + interfaceName);
            long sent;
            int flags = destination.isMulticastAddress() ? MSG_DONTROUTE : 0;
            if (v4) {
                Ipv4Header.write(sendBytes, (Inet4Address) source, (Inet4Address) destination, vrrpPayload.length);
                System.arraycopy(vrrpPayload, 0, sendBytes, Ipv4Header.LENGTH, vrrpPayload.length);
                int length = Ipv4Header.LENGTH + vrrpPayload.length;
                MemorySegment.copy(sendBytes, 0, sendBuffer, JAVA_BYTE, 0, length);
                writeSockaddr(this.destination, destination);
                sent = (long) Libc.SENDTO.invokeExact(sendCapture, sendFd, sendBuffer, (long) length, flags, this.destination, SOCKADDR_IN_SIZE);
            } else {
                MemorySegment.copy(vrrpPayload, 0, sendBuffer, JAVA_BYTE, 0, vrrpPayload.length);
                writeSockaddr(this.destination, destination);
                sendIov.set(ADDRESS, 0, sendBuffer);
                sendIov.set(JAVA_LONG, 8, vrrpPayload.length);
                // cmsghdr{len 36, IPPROTO_IPV6, IPV6_PKTINFO} + in6_pktinfo{source, ifindex}
                sendControl.fill((byte) 0);
                sendControl.set(JAVA_LONG, 0, 16 + 20);
                sendControl.set(JAVA_INT, 8, Libc.IPPROTO_IPV6);
                sendControl.set(JAVA_INT, 12, Libc.IPV6_PKTINFO);
                MemorySegment.copy(source.getAddress(), 0, sendControl, JAVA_BYTE, 16, 16);
                sendControl.set(JAVA_INT, 32, interfaceIndex);
                sendMsg.fill((byte) 0);
                sendMsg.set(ADDRESS, 0, this.destination);
                sendMsg.set(JAVA_INT, 8, SOCKADDR_IN6_SIZE);
                sendMsg.set(ADDRESS, 16, sendIov);
                sendMsg.set(JAVA_LONG, 24, 1L);
                sendMsg.set(ADDRESS, 32, sendControl);
                sendMsg.set(JAVA_LONG, 40, 40L);
                sent = (long) Libc.SENDMSG.invokeExact(sendCapture, sendFd, sendMsg, flags);
            }
            if (sent < 0) {
                throw new NativeException("send VRRP " + source.getHostAddress() + " -> " + destination.getHostAddress(),
                        "interface " + interfaceName, Libc.errno(sendCapture));
            }
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        } finally {
            sendLock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for one packet. Empty on timeout, and at once after {@link #close}.
     * Packets with a broken IPv4 header are dropped and counted ({@link #malformedDropped()}).
     */
    public Optional<ReceivedPacket> receive(int timeoutMillis) throws NativeException {
        long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000L;
        receiveLock.lock();
        try {
            while (!closed) {
                int slice = (int) Math.min(POLL_SLICE_MILLIS, Math.max(0, (deadline - System.nanoTime()) / 1_000_000L));
                pollfd.set(JAVA_INT, 0, readFd);
                pollfd.set(JAVA_SHORT, 4, Libc.POLLIN);
                pollfd.set(JAVA_SHORT, 6, (short) 0);
                int ready = (int) Libc.POLL.invokeExact(receiveCapture, pollfd, 1L, slice);
                if (ready < 0) {
                    int errno = Libc.errno(receiveCapture);
                    if (errno != Errno.EINTR) throw new NativeException("poll(VRRP socket)", "interface " + interfaceName, errno);
                } else if (ready > 0) {
                    Optional<ReceivedPacket> packet = family == Family.IPV4 ? readIpv4() : readIpv6();
                    if (packet.isPresent()) return packet;
                }
                if (System.nanoTime() - deadline >= 0) return Optional.empty();
            }
            return Optional.empty();
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        } finally {
            receiveLock.unlock();
        }
    }

    private Optional<ReceivedPacket> readIpv4() throws Throwable {
        peerLength.set(JAVA_INT, 0, SOCKADDR_IN_SIZE);
        long n = (long) Libc.RECVFROM.invokeExact(receiveCapture, readFd, receiveBuffer, (long) BUFFER_SIZE, Libc.MSG_DONTWAIT, peer, peerLength);
        if (n < 0) return failedRead();
        byte[] datagram = receiveBuffer.asSlice(0, n).toArray(JAVA_BYTE);
        Optional<ReceivedPacket> packet = parseIpv4(datagram, interfaceIndex);
        if (packet.isEmpty()) malformed.incrementAndGet();
        return packet;
    }

    /** Splits a raw IPv4 datagram; empty if the header is not a sane IPv4/112 header for these bytes. */
    static Optional<ReceivedPacket> parseIpv4(byte[] d, int interfaceIndex) {
        if (d.length < Ipv4Header.LENGTH || (d[0] & 0xf0) != 0x40) return Optional.empty();
        int headerLength = (d[0] & 0x0f) * 4;
        int total = ((d[2] & 0xff) << 8) | (d[3] & 0xff);
        if (headerLength < Ipv4Header.LENGTH || total != d.length || headerLength > total) return Optional.empty();
        if ((d[9] & 0xff) != Libc.IPPROTO_VRRP) return Optional.empty();
        try {
            InetAddress src = InetAddress.getByAddress(java.util.Arrays.copyOfRange(d, 12, 16));
            InetAddress dst = InetAddress.getByAddress(java.util.Arrays.copyOfRange(d, 16, 20));
            return Optional.of(new ReceivedPacket(src, dst, d[8] & 0xff, java.util.Arrays.copyOfRange(d, headerLength, total), interfaceIndex));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private Optional<ReceivedPacket> readIpv6() throws Throwable {
        receiveIov.set(ADDRESS, 0, receiveBuffer);
        receiveIov.set(JAVA_LONG, 8, BUFFER_SIZE);
        receiveMsg.fill((byte) 0);
        receiveMsg.set(ADDRESS, 0, peer);
        receiveMsg.set(JAVA_INT, 8, SOCKADDR_IN6_SIZE);
        receiveMsg.set(ADDRESS, 16, receiveIov);
        receiveMsg.set(JAVA_LONG, 24, 1L);
        receiveMsg.set(ADDRESS, 32, receiveControl);
        receiveMsg.set(JAVA_LONG, 40, CONTROL_SIZE);
        long n = (long) Libc.RECVMSG.invokeExact(receiveCapture, readFd, receiveMsg, Libc.MSG_DONTWAIT);
        if (n < 0) return failedRead();
        byte[] payload = receiveBuffer.asSlice(0, n).toArray(JAVA_BYTE);
        byte[] srcBytes = peer.asSlice(8, 16).toArray(JAVA_BYTE);
        int scope = peer.get(JAVA_INT, 24);
        int hopLimit = -1;
        InetAddress dst = null;
        int index = interfaceIndex;
        long controlLength = receiveMsg.get(JAVA_LONG, 40);
        for (long off = 0; off + 16 <= controlLength; ) {
            long len = receiveControl.get(JAVA_LONG, off);
            if (len < 16 || off + len > controlLength) break;
            int level = receiveControl.get(JAVA_INT, off + 8);
            int type = receiveControl.get(JAVA_INT, off + 12);
            if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_HOPLIMIT && len >= 20) {
                hopLimit = receiveControl.get(JAVA_INT, off + 16);
            } else if (level == Libc.IPPROTO_IPV6 && type == Libc.IPV6_PKTINFO && len >= 36) {
                dst = InetAddress.getByAddress(receiveControl.asSlice(off + 16, 16).toArray(JAVA_BYTE));
                index = receiveControl.get(JAVA_INT, off + 32);
            }
            off += (len + 7) & ~7L;
        }
        InetAddress src = isLinkLocal(srcBytes)
                ? Inet6Address.getByAddress(null, srcBytes, scope) : InetAddress.getByAddress(srcBytes);
        if (dst == null) dst = unicastSource.orElse(IPV6_GROUP);
        return Optional.of(new ReceivedPacket(src, dst, hopLimit, payload, index));
    }

    private Optional<ReceivedPacket> failedRead() throws NativeException {
        int errno = Libc.errno(receiveCapture);
        if (errno == Errno.EAGAIN || errno == Errno.EINTR) return Optional.empty();
        throw new NativeException("receive on VRRP socket", "interface " + interfaceName, errno);
    }

    private static boolean isLinkLocal(byte[] a) {
        return (a[0] & 0xff) == 0xfe && (a[1] & 0xc0) == 0x80;
    }

    /** Packets dropped because their IPv4 header was broken (short, wrong length or protocol). */
    public long malformedDropped() {
        return malformed.get();
    }

    public String interfaceName() {
        return interfaceName;
    }

    public int interfaceIndex() {
        return interfaceIndex;
    }

    public Family family() {
        return family;
    }

    /** The unicast source the read socket is bound to; empty for a multicast socket. */
    public Optional<InetAddress> unicastSource() {
        return unicastSource;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes both sockets; waits for a running {@link #receive} to notice (at most ~100 ms). */
    @Override
    public void close() {
        closed = true;
        receiveLock.lock();
        sendLock.lock();
        try {
            if (!arena.scope().isAlive()) return;
            Libc.closeQuietly(sendFd);
            Libc.closeQuietly(readFd);
            sendFd = readFd = -1;
            arena.close();
        } finally {
            sendLock.unlock();
            receiveLock.unlock();
        }
    }

    private int rawSocket(int family, String what) throws NativeException {
        try {
            int fd = (int) Libc.SOCKET.invokeExact(sendCapture, family, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.IPPROTO_VRRP);
            if (fd < 0) throw new NativeException(what, "interface " + interfaceName, Libc.errno(sendCapture));
            return fd;
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        }
    }

    private void setInt(Arena scratch, int fd, int level, int name, int value, String what) throws NativeException {
        MemorySegment v = scratch.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        setOption(fd, level, name, v, what);
    }

    private void bindToDevice(Arena scratch, int fd) throws NativeException {
        MemorySegment name = scratch.allocateFrom(interfaceName);
        setOption(fd, Libc.SOL_SOCKET, Libc.SO_BINDTODEVICE, name, "SO_BINDTODEVICE");
    }

    /** keepalived's drop-all filter on the send socket, so it never queues adverts nobody reads. */
    private void dropEverythingReceived(Arena scratch, int fd) throws NativeException {
        MemorySegment filter = scratch.allocate(8, 8); // sock_filter{BPF_RET|BPF_K, 0, 0, 0}
        filter.set(JAVA_SHORT, 0, (short) 0x06);
        MemorySegment program = scratch.allocate(16, 8);
        program.set(JAVA_SHORT, 0, (short) 1);
        program.set(ADDRESS, 8, filter);
        setOption(fd, Libc.SOL_SOCKET, Libc.SO_ATTACH_FILTER, program, "SO_ATTACH_FILTER");
    }

    private void setOption(int fd, int level, int name, MemorySegment value, String what) throws NativeException {
        try {
            int r = (int) Libc.SETSOCKOPT.invokeExact(sendCapture, fd, level, name, value, (int) value.byteSize());
            if (r < 0) throw new NativeException("setsockopt(" + what + ")", "interface " + interfaceName, Libc.errno(sendCapture));
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        }
    }

    private void bind(int fd, MemorySegment address, int length, InetAddress local) throws NativeException {
        try {
            int r = (int) Libc.BIND.invokeExact(sendCapture, fd, address, length);
            if (r < 0) throw new NativeException("bind(" + local.getHostAddress() + ")", "interface " + interfaceName, Libc.errno(sendCapture));
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw NetlinkSocket.downcallFailure(t);
        }
    }

    /** sockaddr_in or sockaddr_in6 (port 0); link-scoped IPv6 gets this interface as scope id. */
    private void writeSockaddr(MemorySegment into, InetAddress address) {
        into.fill((byte) 0);
        byte[] raw = address.getAddress();
        if (raw.length == 4) {
            into.set(JAVA_SHORT, 0, (short) Libc.AF_INET);
            MemorySegment.copy(raw, 0, into, JAVA_BYTE, 4, 4);
        } else {
            into.set(JAVA_SHORT, 0, (short) Libc.AF_INET6);
            MemorySegment.copy(raw, 0, into, JAVA_BYTE, 8, 16);
            boolean linkScoped = isLinkLocal(raw) || ((raw[0] & 0xff) == 0xff && (raw[1] & 0x0f) <= 2);
            if (linkScoped) into.set(JAVA_INT, 24, interfaceIndex);
        }
    }

    private static InetAddress literal(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
