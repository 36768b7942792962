package dev.vigil.forward;

import dev.vigil.config.VirtualServer.ProxySettings;
import dev.vigil.linux.NonBlockingTcp;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

import static dev.vigil.linux.Errno.EAGAIN;
import static dev.vigil.linux.Errno.ECONNABORTED;
import static dev.vigil.linux.Errno.EINTR;
import static dev.vigil.linux.NonBlockingTcp.IPPROTO_IP;
import static dev.vigil.linux.NonBlockingTcp.IPPROTO_TCP;
import static dev.vigil.linux.NonBlockingTcp.IP_FREEBIND;
import static dev.vigil.linux.NonBlockingTcp.SOL_SOCKET;
import static dev.vigil.linux.NonBlockingTcp.SO_KEEPALIVE;
import static dev.vigil.linux.NonBlockingTcp.SO_REUSEADDR;
import static dev.vigil.linux.NonBlockingTcp.SO_REUSEPORT;
import static dev.vigil.linux.NonBlockingTcp.TCP_NODELAY;

/**
 * A listening socket of the epoll data path, owned by one event loop (with {@code SO_REUSEPORT}
 * every loop has its own, and the kernel spreads new connections over them). TCP_NODELAY and
 * SO_KEEPALIVE are set here once: accepted sockets inherit them, which spares two system calls per
 * connection.
 */
final class EpollListener implements EpollIoHandle, VirtualServerListener.Acceptor {
    private static final int ACCEPTS_PER_EVENT = 64;
    private static final long PAUSE_MILLIS = 100;

    private final EpollLoop loop;
    private final VirtualServerListener listener;
    private final FileDescriptor socket;
    private final InetSocketAddress localAddress;
    /** The options accepted sockets inherit, as set when the socket was opened (a reload may change them). */
    private final ProxySettings inherited;
    private volatile @Nullable IoRegistration registration;
    private volatile boolean closed;

    private EpollListener(EpollLoop loop, VirtualServerListener listener, int fd, InetSocketAddress localAddress,
                          ProxySettings inherited) {
        this.loop = loop;
        this.inherited = inherited;
        this.listener = listener;
        this.socket = new FileDescriptor(fd);
        this.localAddress = localAddress;
    }

    /**
     * Opens, binds and starts a listening socket on {@code loop}.
     *
     * @param reusePort whether other sockets (other loops) share the address
     * @throws BindException when the address cannot be bound, with the system's reason
     */
    static EpollListener open(EpollLoop loop, VirtualServerListener listener, InetSocketAddress at, boolean reusePort)
            throws BindException {
        NonBlockingTcp calls = new NonBlockingTcp(); // this thread's, not the loop's
        ProxySettings settings = listener.service().config().proxy();
        int fd = bound(calls, at, reusePort, settings);
        InetSocketAddress local = calls.localAddress(fd);
        EpollListener l = new EpollListener(loop, listener, fd, local == null ? at : local, settings);
        try {
            l.watch();
        } catch (RuntimeException e) {
            l.close();
            throw (BindException) new BindException("cannot watch the listening socket for " + at + ": " + e).initCause(e);
        }
        return l;
    }

    /**
     * A socket bound to {@code at} and listening, set up so that accepted sockets inherit the virtual
     * server's TCP options. Also used without SO_REUSEPORT as a probe: it fails if anything else holds
     * the address.
     */
    static int bound(NonBlockingTcp calls, InetSocketAddress at, boolean reusePort,
                     ProxySettings settings) throws BindException {
        int fd = calls.socket(at.getAddress());
        if (fd < 0) throw new BindException("socket: " + NonBlockingTcp.describe(fd));
        int r = calls.setInt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
        if (r >= 0 && reusePort) r = calls.setInt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
        // Listen on a VIP before VRRP makes it local.
        if (r >= 0) r = calls.setInt(fd, IPPROTO_IP, IP_FREEBIND, 1);
        if (r >= 0 && settings.tcpNodelay()) r = calls.setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        if (r >= 0 && settings.tcpKeepalive()) r = calls.setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
        String step = "setsockopt";
        if (r >= 0) {
            step = "bind";
            r = calls.bind(fd, at);
        }
        if (r >= 0) {
            step = "listen";
            r = calls.listen(fd, 4096);
        }
        if (r < 0) {
            closeQuietly(new FileDescriptor(fd));
            throw new BindException(step + " " + at + ": " + NonBlockingTcp.describe(r));
        }
        return fd;
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent event) {
        try {
            acceptPending();
        } catch (Throwable t) {
            // A bug or an Error: keep the loop (Netty would stop it), and do not spin on the same failure.
            listener.warnRateLimited("internal", "virtual server {}: internal error accepting on {}",
                    listener.service().name(), localAddress, t);
            pause();
        }
    }

    private void acceptPending() {
        NonBlockingTcp calls = loop.calls;
        for (int i = 0; i < ACCEPTS_PER_EVENT && !closed; i++) {
            int fd = calls.accept(socket.intValue());
            if (fd >= 0) {
                ProxySettings now = listener.service().config().proxy();
                if (now.tcpNodelay() != inherited.tcpNodelay()) calls.setInt(fd, IPPROTO_TCP, TCP_NODELAY, now.tcpNodelay() ? 1 : 0);
                if (now.tcpKeepalive() != inherited.tcpKeepalive()) calls.setInt(fd, SOL_SOCKET, SO_KEEPALIVE, now.tcpKeepalive() ? 1 : 0);
                EpollConnection c = new EpollConnection(loop, listener, fd, calls.acceptedPeer());
                try {
                    c.start();
                } catch (Throwable t) {
                    c.internalError(t);
                }
            } else if (fd == -EAGAIN) {
                return;
            } else if (fd != -ECONNABORTED && fd != -EINTR) {
                acceptFailed(fd);
                return;
            }
        }
    }

    /**
     * Out of descriptors (or memory): the pending connection stays in the backlog and epoll would
     * report it again at once, so stop watching the socket for a moment instead of spinning.
     */
    private void acceptFailed(int negativeErrno) {
        listener.counters().acceptFailures.increment();
        listener.warnRateLimited("accept", "virtual server {}: cannot accept connections on {}: {}; pausing {} ms",
                listener.service().name(), localAddress, NonBlockingTcp.describe(negativeErrno), PAUSE_MILLIS);
        pause();
    }

    /** Stops watching the socket for {@link #PAUSE_MILLIS}, then watches it again. */
    @SuppressWarnings("FutureReturnValueIgnored") // the task catches what it can throw and logs it
    private void pause() {
        Objects.requireNonNull(registration).cancel();
        loop.eventLoop.schedule(() -> {
            if (closed) return;
            try {
                watch();
            } catch (RuntimeException e) {
                listener.warnRateLimited("watch", "virtual server {}: cannot watch {} again: {}",
                        listener.service().name(), localAddress, ProxiedConnection.describe(e));
            }
        }, PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Registers the socket with the loop's epoll for incoming connections (level-triggered). */
    private void watch() {
        IoRegistration r = loop.eventLoop.register(this).syncUninterruptibly().getNow();
        r.submit(EpollIoOps.EPOLLIN);
        registration = r;
    }

    @Override
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    @Override
    public boolean listening() {
        return !closed;
    }

    /** Stops accepting: connections already accepted go on. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (loop.eventLoop.inEventLoop() || loop.eventLoop.isShuttingDown()) closeOnLoop();
        else loop.eventLoop.submit(this::closeOnLoop).syncUninterruptibly();
    }

    private void closeOnLoop() {
        closeQuietly(socket);
        IoRegistration r = registration;
        try {
            if (r != null) r.cancel();
        } catch (RuntimeException loopGone) {
            // the loop has stopped: its registrations went with it
        }
    }

    /** Closes a descriptor through Netty (so its epoll registration needs no EPOLL_CTL_DEL), ignoring errors. */
    static void closeQuietly(FileDescriptor fd) {
        try {
            fd.close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
    }
}
