package dev.vigil.linux;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * rtnetlink commands over one AF_NETLINK socket: add, remove and list interface addresses (the
 * virtual IPs) and read a link's state. Each change waits for the kernel's ack, so when a method
 * returns the address is there (or gone). Thread-safe; calls are serialised.
 */
public final class Netlink implements AutoCloseable {
    private static final int ANSWER_TIMEOUT_MILLIS = 5_000;

    /** Outcome of {@link #addAddress}. */
    public enum AddResult { ADDED, ALREADY_PRESENT }

    /** Outcome of {@link #removeAddress}. */
    public enum RemoveResult { REMOVED, NOT_PRESENT }

    private final NetlinkSocket socket;
    private int sequence = (int) (System.nanoTime() & 0x3fffffff);

    private Netlink(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens a command socket in the caller's network namespace. */
    public static Netlink open() throws NativeException {
        return new Netlink(new NetlinkSocket(0));
    }

    /** RTM_NEWADDR: adds the address; {@link AddResult#ALREADY_PRESENT} if it was there (EEXIST). */
    public synchronized AddResult addAddress(InterfaceAddress address) throws NativeException {
        int errno = request(RtnetlinkMessages.newAddress(++sequence, address), "RTM_NEWADDR " + address.address().getHostAddress());
        if (errno == 0) return AddResult.ADDED;
        if (errno == Errno.EEXIST) return AddResult.ALREADY_PRESENT;
        throw new NativeException("rtnetlink RTM_NEWADDR", describe(address), errno);
    }

    /** RTM_DELADDR: removes the address; {@link RemoveResult#NOT_PRESENT} if it was not there (EADDRNOTAVAIL). */
    public synchronized RemoveResult removeAddress(InterfaceAddress address) throws NativeException {
        int errno = request(RtnetlinkMessages.deleteAddress(++sequence, address), "RTM_DELADDR " + address.address().getHostAddress());
        if (errno == 0) return RemoveResult.REMOVED;
        if (errno == Errno.EADDRNOTAVAIL) return RemoveResult.NOT_PRESENT;
        throw new NativeException("rtnetlink RTM_DELADDR", describe(address), errno);
    }

    /** RTM_GETADDR dump: IPv4 then IPv6 addresses of one interface, in the kernel's order (primary first). */
    public synchronized List<InterfaceAddress> listAddresses(int interfaceIndex) throws NativeException {
        List<InterfaceAddress> result = new ArrayList<>();
        for (int family : new int[] {Libc.AF_INET, Libc.AF_INET6}) {
            int seq = ++sequence;
            socket.send(RtnetlinkMessages.dumpAddresses(seq, family), "RTM_GETADDR");
            long deadline = System.nanoTime() + ANSWER_TIMEOUT_MILLIS * 1_000_000L;
            dump:
            while (true) {
                ByteBuffer datagram = await(deadline, "RTM_GETADDR");
                for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(datagram)) {
                    if (m.seq() != seq) continue;
                    if (m.type() == RtnetlinkMessages.NLMSG_DONE) break dump;
                    if (m.type() == RtnetlinkMessages.NLMSG_ERROR) {
                        int errno = RtnetlinkMessages.ackErrno(m);
                        if (errno != 0) throw new NativeException("rtnetlink RTM_GETADDR", "ifindex " + interfaceIndex, errno);
                        break dump;
                    }
                    if (m.type() == RtnetlinkMessages.RTM_NEWADDR) {
                        RtnetlinkMessages.parseAddress(m).filter(a -> a.interfaceIndex() == interfaceIndex).ifPresent(result::add);
                    }
                }
            }
        }
        return result;
    }

    /** RTM_GETLINK: the current state of one interface. */
    public synchronized LinkState link(int interfaceIndex) throws NativeException {
        int seq = ++sequence;
        socket.send(RtnetlinkMessages.getLink(seq, interfaceIndex), "RTM_GETLINK");
        long deadline = System.nanoTime() + ANSWER_TIMEOUT_MILLIS * 1_000_000L;
        while (true) {
            for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(await(deadline, "RTM_GETLINK"))) {
                if (m.seq() != seq) continue;
                if (m.type() == RtnetlinkMessages.NLMSG_ERROR) {
                    throw new NativeException("rtnetlink RTM_GETLINK", "ifindex " + interfaceIndex, RtnetlinkMessages.ackErrno(m));
                }
                if (m.type() == RtnetlinkMessages.RTM_NEWLINK) {
                    Optional<LinkState> state = RtnetlinkMessages.parseLink(m);
                    if (state.isPresent()) return state.get();
                }
            }
        }
    }

    /** Sends a request with NLM_F_ACK and returns the ack's errno (0 = done). */
    private int request(byte[] message, String what) throws NativeException {
        int seq = ByteBuffer.wrap(message).order(java.nio.ByteOrder.nativeOrder()).getInt(8);
        socket.send(message, what);
        long deadline = System.nanoTime() + ANSWER_TIMEOUT_MILLIS * 1_000_000L;
        while (true) {
            for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(await(deadline, what))) {
                if (m.seq() == seq && m.type() == RtnetlinkMessages.NLMSG_ERROR) return RtnetlinkMessages.ackErrno(m);
            }
        }
    }

    private ByteBuffer await(long deadline, String what) throws NativeException {
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) throw new NativeException("rtnetlink " + what + ": no answer from the kernel within "
                    + ANSWER_TIMEOUT_MILLIS + " ms");
            Optional<ByteBuffer> datagram = socket.receive((int) Math.min(left, 1_000));
            if (datagram.isPresent()) return datagram.get();
        }
    }

    private static String describe(InterfaceAddress a) {
        return a.address().getHostAddress() + "/" + a.prefixLength() + " on ifindex " + a.interfaceIndex()
                + a.label().map(l -> " label " + l).orElse("");
    }

    @Override
    public synchronized void close() {
        socket.close();
    }
}
