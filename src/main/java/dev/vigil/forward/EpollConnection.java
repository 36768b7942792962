package dev.vigil.forward;

import dev.vigil.balance.ConnectionAccount;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer.ProxySettings;
import dev.vigil.linux.Errno;
import dev.vigil.linux.NativeBuffer;
import dev.vigil.linux.NonBlockingTcp;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import static dev.vigil.linux.Errno.EAGAIN;
import static dev.vigil.linux.Errno.EINPROGRESS;
import static dev.vigil.linux.NonBlockingTcp.IPPROTO_IP;
import static dev.vigil.linux.NonBlockingTcp.IPPROTO_TCP;
import static dev.vigil.linux.NonBlockingTcp.IP_BIND_ADDRESS_NO_PORT;
import static dev.vigil.linux.NonBlockingTcp.SHUT_WR;
import static dev.vigil.linux.NonBlockingTcp.SOL_SOCKET;
import static dev.vigil.linux.NonBlockingTcp.SO_ERROR;
import static dev.vigil.linux.NonBlockingTcp.SO_KEEPALIVE;
import static dev.vigil.linux.NonBlockingTcp.TCP_NODELAY;

/**
 * One client connection and its upstream connection on the epoll data path: Netty's event loop and
 * epoll, Vigil's own socket calls. Each socket is registered with epoll once, edge-triggered for
 * reading and writing, and the bytes a read brings are written to the other side at once, before
 * the next loop turn; the upstream connect does not wait for its completion event before the client's
 * first bytes are sent, since on a fast network the handshake is over by the time connect returns
 * (a socket still connecting answers EAGAIN, and the bytes wait). Per connection that is about half
 * the system calls of Netty's channel path (docs/performance.md).
 *
 * <p>Bytes that a write could not take wait in a buffer of the destination side, and the source is
 * not read again until they are gone: at most one read's worth (64 KiB by default) is held per direction, the
 * rest stays in the kernel and TCP slows the sender. Everything runs on the connection's event loop.
 */
final class EpollConnection {
    private static final Logger log = LoggerFactory.getLogger(EpollConnection.class);
    private static final int IN = EpollIoOps.EPOLLIN.value(), OUT = EpollIoOps.EPOLLOUT.value(),
            ERR = EpollIoOps.EPOLLERR.value(), RDHUP = EpollIoOps.EPOLLRDHUP.value(), HUP = 0x10;
    private static final EpollIoOps INTEREST = EpollIoOps.EPOLLIN.with(EpollIoOps.EPOLLOUT).with(EpollIoOps.EPOLLRDHUP)
            .with(EpollIoOps.EPOLLET);
    /** Bytes moved in one direction before other connections get their turn. */
    private static final int TURN_BUDGET = 256 * 1024;

    private final EpollLoop loop;
    private final NonBlockingTcp calls;
    private final VirtualServerListener listener;
    private final InetSocketAddress clientAddress;
    private final Side client;
    /** The upstream side; its socket changes when a connect fails and another real server is tried. */
    private final Side server;
    private final RealServerAttempts attempts;
    /** The current attempt's account ({@link RealServerAttempts#current}), kept here for the hot path. */
    private @Nullable ConnectionAccount account;
    private boolean connected;
    private boolean finished;
    private long connectStartNanos;
    private long lastActivityNanos;
    // One Runnable per connection rather than a method reference per resume: this is the data path.
    @SuppressWarnings("UnnecessaryLambda")
    private final Runnable resume = () -> {
        try {
            pump();
        } catch (Throwable t) {
            internalError(t);
        }
    };
    private boolean resumeScheduled;
    @Nullable EpollConnection prev, next;

    EpollConnection(EpollLoop loop, VirtualServerListener listener, int clientFd, InetSocketAddress clientAddress) {
        this.loop = loop;
        this.calls = loop.calls;
        this.listener = listener;
        this.clientAddress = clientAddress;
        this.client = new Side(true);
        this.server = new Side(false);
        this.attempts = new RealServerAttempts(listener, clientAddress);
        client.attach(clientFd);
    }

    /** Bytes held in Vigil waiting for a side to take them, both directions. */
    long pendingBytes() {
        return client.pendingBytes() + server.pendingBytes();
    }

    void start() {
        listener.counters().accepted.increment();
        if (!listener.engine().limits().admit(listener, clientAddress)) {
            finished = true; // never open: nothing to give back
            calls.lingerZero(client.fd);
            client.closeSocket();
            return;
        }
        listener.counters().open.increment();
        loop.add(this);
        lastActivityNanos = System.nanoTime();
        if (!connect()) return;
        // Most clients have sent their request by the time they are accepted: read it before
        // registering, so that epoll does not report what is already handled.
        move(client, server);
        if (finished) return;
        if (!register(client)) return;
        if (!finished) register(server);
    }

    /** Picks a real server and starts connecting; false if the connection ended instead. */
    private boolean connect() {
        long now = System.nanoTime();
        account = attempts.next(now);
        if (account == null) {
            abort();
            return false;
        }
        ProxySettings settings = listener.service().config().proxy();
        InetSocketAddress to = account.address();
        int fd = calls.socket(to.getAddress());
        if (fd < 0) return connectFailed(fd);
        server.attach(fd);
        if (settings.tcpNodelay()) calls.setInt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
        if (settings.tcpKeepalive()) calls.setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
        if (settings.sourceAddress().isPresent()) {
            // Let the kernel pick the port at connect time, so one source address serves many real servers.
            calls.setInt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1);
            int r = calls.bind(fd, new InetSocketAddress(settings.sourceAddress().get(), 0));
            if (r < 0) return connectFailed(r);
        }
        connectStartNanos = now;
        int r = calls.connect(fd, to);
        if (r == 0) {
            established();
        } else if (r != -EINPROGRESS) {
            return connectFailed(r);
        }
        return true;
    }

    private void established() {
        if (connected) return;
        connected = true;
        Objects.requireNonNull(account).established();
    }

    /**
     * The attempt on the current real server failed. No byte has reached the client from it, and the
     * client's bytes still wait in this connection, so another real server may take over.
     */
    private boolean connectFailed(int negativeErrno) {
        account = null;
        attempts.failed(negativeErrno == -Errno.ETIMEDOUT
                ? "no answer within " + listener.service().config().proxy().connectTimeout().toMillis() + " ms"
                : NonBlockingTcp.describe(negativeErrno), System.nanoTime());
        server.closeSocket(); // the client's bytes it could not take stay in server.pending
        if (attempts.retry()) {
            if (!connect()) return false;
            // Registered now unless the connection is still starting (start() registers both sides).
            return client.registration == null || register(server);
        }
        abort();
        return false;
    }

    private boolean register(Side side) {
        try {
            side.registration = loop.eventLoop.register(side).getNow();
            if (side.registration == null) throw new IllegalStateException("registration did not complete on the loop");
            side.registration.submit(INTEREST);
            return true;
        } catch (RuntimeException e) {
            log.warn("virtual server {}: cannot watch connection from {}: {}", listener.service().name(), clientAddress,
                    ProxiedConnection.describe(e));
            abort();
            return false;
        }
    }

    private void event(Side side, int ops) {
        if (finished) return;
        lastActivityNanos = System.nanoTime();
        if (side == server && !connected) {
            if ((ops & (ERR | HUP)) != 0) {
                int err = calls.getInt(side.fd, SOL_SOCKET, SO_ERROR);
                if (err != 0) {
                    connectFailed(err > 0 ? -err : err);
                    return;
                }
                // No error: the event was meant for an earlier socket with this descriptor number.
                ops &= ~(ERR | HUP);
            }
            if ((ops & OUT) != 0) established();
        }
        if ((ops & (IN | RDHUP | HUP | ERR)) != 0) side.readable = true;
        if ((ops & (RDHUP | HUP | ERR)) != 0) side.peerClosed = true;
        if ((ops & OUT) != 0) side.writable = true;
        pump();
    }

    private void pump() {
        resumeScheduled = false;
        if (finished) return;
        if (!move(client, server)) return;
        move(server, client);
    }

    /**
     * Moves bytes from {@code from} to {@code to} until {@code from} has no more, {@code to} takes no
     * more, or this turn's budget is spent; passes a FIN on once everything before it is written.
     *
     * @return false if the connection ended
     */
    private boolean move(Side from, Side to) {
        if (to.pending != null) {
            if (!to.writable || !drain(to)) return !finished;
        }
        int budget = TURN_BUDGET;
        while (from.readable && !from.inputDone) {
            if (budget <= 0) {
                if (!resumeScheduled) {
                    resumeScheduled = true;
                    loop.eventLoop.execute(resume);
                }
                return true;
            }
            int n = calls.read(from.fd, loop.scratch, loop.readSize);
            if (n > 0) {
                budget -= n;
                ConnectionAccount a = Objects.requireNonNull(account);
                if (from == client) a.bytesIn(n); else a.bytesOut(n);
                // A short read emptied the socket; epoll reports the next bytes. After a FIN, read on to see it.
                if (n < loop.readSize && !from.peerClosed) from.readable = false;
                int w = calls.send(to.fd, loop.scratch, n);
                if (w == n) {
                    if (to == server) established();
                    continue;
                }
                if (w < 0 && w != -EAGAIN) {
                    if (to == server && !connected) to.hold(loop, 0, n); // for the next real server
                    writeFailed(to, w);
                    return !finished;
                }
                int sent = Math.max(w, 0);
                if (sent > 0 && to == server) established();
                to.hold(loop, sent, n - sent);
                to.writable = false;
                return true;
            }
            if (n == 0) {
                from.inputDone = true;
                from.readable = false;
            } else if (n == -EAGAIN) {
                from.readable = false;
            } else {
                reset(from);
                return false;
            }
        }
        if (from.inputDone && to.pending == null) passFin(from, to);
        return !finished;
    }

    /** Writes what waits for {@code to}; false if some still waits or the connection ended. */
    private boolean drain(Side to) {
        ByteBuf p = Objects.requireNonNull(to.pending);
        int n = p.readableBytes();
        int w = calls.send(to.fd, Side.address(p), n);
        if (w < 0 && w != -EAGAIN) {
            writeFailed(to, w);
            return false;
        }
        if (w > 0 && to == server) established();
        if (w == n) {
            p.release();
            to.pending = null;
            return true;
        }
        if (w > 0) p.skipBytes(w);
        to.writable = false;
        return false;
    }

    /** A write into {@code to} failed: into a real server still connecting that is a failed connect, else a reset. */
    private void writeFailed(Side to, int negativeErrno) {
        if (to == server && !connected) connectFailed(negativeErrno);
        else reset(to);
    }

    /**
     * {@code from} sent its FIN and everything before it reached {@code to}. The first FIN becomes a
     * shutdown(SHUT_WR) of {@code to}; the second ends the connection with close, which sends the last FIN.
     */
    private void passFin(Side from, Side to) {
        // shutdown() of a socket still connecting would abort the connect: the FIN waits for it.
        if (to.finSent || (to == server && !connected)) return;
        if (to.inputDone && from.pending == null) {
            finish();
            return;
        }
        to.finSent = true;
        calls.shutdown(to.fd, SHUT_WR);
        Objects.requireNonNull(account).closing();
    }

    /**
     * {@code broken} failed (reset, or another error after which the byte stream cannot be trusted):
     * the other side gets a reset too. SO_LINGER 0 then close sends RST, not FIN.
     */
    private void reset(Side broken) {
        Side other = broken == client ? server : client;
        if (other.socket != null) {
            listener.counters().resetsPassed.increment();
            calls.lingerZero(other.fd);
        }
        finish();
    }

    /** Refuses the client with a reset: no real server could take it. */
    private void abort() {
        if (client.socket != null) calls.lingerZero(client.fd); // never a closed number another socket may reuse
        finish();
    }

    /** Closes both sides with a FIN (engine shutdown, or VRRP gave the address away). */
    void close() {
        finish();
    }

    /**
     * A bug, or an Error such as running out of memory, surfaced while handling this connection: close
     * it and keep the event loop going. Netty would stop an epoll loop on an Error and pause it for a
     * second on any other exception, and every other connection of the loop would pay.
     */
    void internalError(Throwable t) {
        listener.warnRateLimited("internal", "virtual server {}: internal error on the connection from {}; closing it",
                listener.service().name(), clientAddress, t);
        try {
            finish();
        } catch (Throwable again) {
            // what could be released is released; the loop must go on
        }
    }

    void checkTimers(long now) {
        if (finished) return;
        ProxySettings settings = listener.service().config().proxy();
        if (!connected && server.socket != null && now - connectStartNanos > settings.connectTimeout().toNanos()) {
            connectFailed(-Errno.ETIMEDOUT);
            return;
        }
        long idle = settings.idleTimeout().toNanos();
        // Once a side has sent its FIN, the shorter half-close timeout applies to the silence.
        long halfClose = client.inputDone || server.inputDone ? settings.halfCloseTimeout().toNanos() : Long.MAX_VALUE;
        long quiet = now - lastActivityNanos;
        if (halfClose < idle && quiet > halfClose) {
            listener.counters().halfCloseTimeouts.increment();
            log.debug("virtual server {}: closing half-closed connection from {}", listener.service().name(), clientAddress);
            finish();
        } else if (idle > 0 && quiet > idle) {
            listener.counters().idleTimeouts.increment();
            log.debug("virtual server {}: closing idle connection from {}", listener.service().name(), clientAddress);
            finish();
        }
    }

    private void finish() {
        if (finished) return;
        finished = true;
        client.closeSocket();
        server.closeSocket();
        client.releasePending();
        server.releasePending();
        if (account != null) account.closed(false, System.nanoTime());
        listener.counters().open.decrement();
        listener.engine().limits().release(listener, clientAddress);
        loop.remove(this);
    }

    ForwardedConnection view(long now) {
        ForwardedConnection.State state = !connected ? ForwardedConnection.State.CONNECTING
                : client.inputDone || server.inputDone ? ForwardedConnection.State.CLOSING
                : ForwardedConnection.State.ESTABLISHED;
        return new ForwardedConnection(Protocol.TCP, clientAddress, listener.localAddress(),
                Optional.ofNullable(account).map(ConnectionAccount::address), state,
                Duration.ofNanos(Math.max(0, now - lastActivityNanos)));
    }

    boolean acceptedOn(Set<InetAddress> addresses) {
        return addresses.contains(listener.localAddress().getAddress());
    }

    /** One socket of the connection and what waits to be written into it. */
    private final class Side implements EpollIoHandle {
        final boolean isClient;
        int fd = -1;
        @Nullable FileDescriptor socket;
        @Nullable IoRegistration registration;
        boolean readable, writable, peerClosed, inputDone, finSent;
        @Nullable ByteBuf pending;

        Side(boolean isClient) {
            this.isClient = isClient;
        }

        void attach(int fd) {
            this.fd = fd;
            socket = new FileDescriptor(fd);
            registration = null;
            // The client is read at once (its request is usually there); a real server once epoll says so.
            readable = isClient;
            writable = true;
            peerClosed = inputDone = finSent = false;
        }

        @Override
        public @Nullable FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration registration, IoEvent event) {
            try {
                event(this, ((EpollIoEvent) event).ops().value());
            } catch (Throwable t) {
                internalError(t);
            }
        }

        /** The event loop is shutting down. */
        @Override
        public void close() {
            finish();
        }

        long pendingBytes() {
            return pending == null ? 0 : pending.readableBytes();
        }

        void hold(EpollLoop loop, int offset, int length) {
            ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(length);
            b.writeBytes(loop.scratch(offset, length));
            pending = b;
        }

        /** Closes the socket without an epoll_ctl(DEL): closing removes it from epoll. */
        void closeSocket() {
            if (socket == null) return;
            EpollListener.closeQuietly(socket);
            if (registration != null) registration.cancel();
            socket = null;
        }

        void releasePending() {
            if (pending != null) {
                pending.release();
                pending = null;
            }
        }

        static long address(ByteBuf b) {
            long base = b.hasMemoryAddress() ? b.memoryAddress()
                    : NativeBuffer.addressOf(b.internalNioBuffer(0, b.capacity()));
            return base + b.readerIndex();
        }
    }
}
