package dev.vigil.forward;

import dev.vigil.balance.ConnectionAccount;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer.ProxySettings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import io.netty.channel.unix.Socket;
import io.netty.util.ReferenceCountUtil;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One client connection and its upstream connection to a real server. Everything here runs on the
 * client channel's event loop (the upstream channel is registered on the same loop), so there are no
 * locks. Reading is manual: a side is read again only when the other side can take more
 * (writability), which bounds what Vigil buffers per connection to about the write-buffer high-water
 * mark in each direction.
 */
final class ProxiedConnection {
    private static final Logger log = LoggerFactory.getLogger(ProxiedConnection.class);

    private final VirtualServerListener listener;
    private final Channel client;
    private final InetSocketAddress clientAddress;
    private @Nullable Channel server;
    private final RealServerAttempts attempts;
    /** The current attempt's account ({@link RealServerAttempts#current}). */
    private @Nullable ConnectionAccount account;
    private boolean clientInputShut;
    private boolean serverInputShut;
    private boolean upstreamReady;
    private @Nullable ArrayDeque<Object> early; // client bytes epoll delivered before the upstream connected
    private boolean earlyInputShut;
    private boolean aborted;
    private boolean admitted;
    private boolean finished;
    /** The silence that ends the connection: proxy_idle_timeout, or proxy_half_close_timeout once a FIN came. */
    private long idleNanos;
    private boolean halfCloseTimer;
    private long lastActivityNanos;
    private @Nullable ScheduledFuture<?> idleTimer;

    /** The upstream channel, or null before the first connect attempt; for {@link ProxyEngine#pendingOutboundBytes}. */
    @Nullable Channel server() {
        return server;
    }

    ProxiedConnection(VirtualServerListener listener, Channel client) {
        this.listener = listener;
        this.client = client;
        this.clientAddress = (InetSocketAddress) client.remoteAddress();
        this.attempts = new RealServerAttempts(listener, clientAddress);
    }

    void start() {
        listener.counters().accepted.increment();
        if (!listener.engine().limits().admit(listener, clientAddress)) {
            finished = true; // never open: nothing to give back
            abort(client);
            return;
        }
        admitted = true;
        listener.counters().open.increment();
        lastActivityNanos = System.nanoTime();
        armIdleTimer(listener.service().config().proxy().idleTimeout().toNanos());
        connect();
    }

    private void connect() {
        ConnectionAccount attempt = attempts.next(System.nanoTime());
        account = attempt;
        if (attempt == null) {
            abort(client);
            return;
        }
        ProxySettings settings = listener.service().config().proxy();
        SocketChannel upstream = listener.upstream(settings, attempt.address());
        upstream.pipeline().addLast(new RelayHandler(this, false));
        server = upstream;
        // Registering from the client's own event loop completes at once, so connect follows directly.
        client.eventLoop().register(upstream).addListener((ChannelFuture registered) -> {
            if (!registered.isSuccess()) {
                connected(registered, attempt);
                return;
            }
            ChannelFuture f = settings.sourceAddress().isPresent()
                    ? upstream.connect(attempt.address(), new InetSocketAddress(settings.sourceAddress().get(), 0))
                    : upstream.connect(attempt.address());
            f.addListener((ChannelFuture done) -> connected(done, attempt));
        });
    }

    @SuppressWarnings("FutureReturnValueIgnored") // Netty channel futures: see relay
    private void connected(ChannelFuture f, ConnectionAccount attempt) {
        if (f.isSuccess()) {
            attempt.established();
            Channel upstream = f.channel();
            if (!client.isActive()) {
                upstream.close();
                return;
            }
            upstreamReady = true;
            if (early != null) {
                for (Object msg; (msg = early.poll()) != null; ) relay(true, msg);
                early = null;
                upstream.flush();
            }
            if (earlyInputShut) inputShutdown(true);
            readMore(client);
            readMore(upstream);
            return;
        }
        account = null;
        server = null;
        // A channel whose connect failed stays open in Netty unless closed (Bootstrap would add
        // CLOSE_ON_FAILURE); it could still report the refusal as an error after the next attempt began.
        f.channel().close();
        attempts.failed(describe(f.cause()), System.nanoTime());
        // No client byte has been sent upstream yet (early bytes wait in `early`), so another server may take over.
        if (client.isActive() && attempts.retry()) {
            connect();
        } else {
            abort(client);
            finishIfDone();
        }
    }

    /** What the connection looks like at {@code now}; null once it has closed. */
    @Nullable ForwardedConnection view(long now) {
        if (finished || !(client.remoteAddress() instanceof InetSocketAddress from)
                || !(client.localAddress() instanceof InetSocketAddress to)) return null;
        ForwardedConnection.State state = !upstreamReady ? ForwardedConnection.State.CONNECTING
                : clientInputShut || serverInputShut ? ForwardedConnection.State.CLOSING
                : ForwardedConnection.State.ESTABLISHED;
        return new ForwardedConnection(Protocol.TCP, from, to,
                Optional.ofNullable(account).map(ConnectionAccount::address), state,
                Duration.ofNanos(Math.max(0, now - lastActivityNanos)));
    }

    // Netty: a failed write on a voidPromise or a failed close or shutdown is fired down the pipeline,
    // where exceptionCaught and channelInactive handle it; the returned future adds nothing.
    @SuppressWarnings("FutureReturnValueIgnored")
    void relay(boolean fromClient, Object msg) {
        if (fromClient && !upstreamReady && !aborted && msg instanceof ByteBuf) {
            if (early == null) early = new ArrayDeque<>(2);
            early.add(msg);
            return;
        }
        Channel to = fromClient ? server : client;
        if (to == null || aborted || !(msg instanceof ByteBuf buf)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        int n = buf.readableBytes();
        ConnectionAccount a = Objects.requireNonNull(account);
        if (fromClient) a.bytesIn(n); else a.bytesOut(n);
        to.write(buf, to.voidPromise());
    }

    void readComplete(boolean fromClient) {
        lastActivityNanos = System.nanoTime();
        Channel from = fromClient ? client : Objects.requireNonNull(server);
        Channel to = fromClient ? server : client;
        if (to == null || !upstreamReady) return; // reading resumes once connected
        to.flush();
        if (to.isWritable()) readMore(from);
    }

    void writabilityChanged(boolean clientSide) {
        Channel self = clientSide ? client : Objects.requireNonNull(server);
        Channel other = clientSide ? server : client;
        lastActivityNanos = System.nanoTime();
        // The side that writes into `self` may go on once `self` drained below its low-water mark.
        if (other != null && self.isWritable()) readMore(other);
    }

    /**
     * A FIN from one side: pass it on after everything that came before it. The first FIN becomes a
     * shutdownOutput on the other side; the second ends the connection with a close, which sends the
     * last FIN and spares a second shutdown (Netty builds an exception for every shutdownOutput).
     */
    void inputShutdown(boolean fromClient) {
        if (aborted || account == null) return;
        if (!upstreamReady) {
            earlyInputShut = true;
            return;
        }
        if (fromClient) clientInputShut = true; else serverInputShut = true;
        Channel upstream = Objects.requireNonNull(server);
        Channel from = fromClient ? client : upstream;
        Channel to = fromClient ? upstream : client;
        if (clientInputShut && serverInputShut) {
            closeAfterFlush(to);
            closeAfterFlush(from);
            return;
        }
        account.closing();
        halfClosed();
        if (nothingPending(to)) {
            if (to.isActive()) sendFin(to);
        } else {
            to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFuture f) -> {
                if (f.isSuccess() && to.isActive()) sendFin(to);
            });
        }
    }

    /**
     * Shuts the output of {@code ch}, whose outbound buffer is empty. On epoll this is a plain
     * shutdown(SHUT_WR) on the socket: Netty's shutdownOutput builds a stack-traced
     * ChannelOutputShutdownException every time, which cost about 3 % of the CPU of a short
     * connection. Netty's channel reads its output state from the same socket object, so it stays
     * consistent. Once the FIN is out, the peer's FIN ends the connection: half-closure is switched
     * off so that Netty closes at once instead of shutting an input that the kernel has already
     * closed (ENOTCONN, another stack-traced exception, and a wasted system call).
     */
    @SuppressWarnings("FutureReturnValueIgnored") // Netty channel futures: see relay
    private static void sendFin(Channel ch) {
        if (ch instanceof EpollSocketChannel e && e.fd() instanceof Socket socket) {
            try {
                socket.shutdown(false, true);
            } catch (IOException | RuntimeException alreadyGone) {
                return; // reset or closed meanwhile: the channel's own events end the connection
            }
            ((SocketChannelConfig) ch.config()).setAllowHalfClosure(false);
        } else {
            ((DuplexChannel) ch).shutdownOutput();
        }
    }

    /**
     * One timer per connection that re-arms itself for the time still left, instead of Netty's
     * IdleStateHandler, which wraps every write in a new promise with a listener.
     */
    private void armIdleTimer(long idleNanos) {
        if (idleNanos <= 0) return;
        lastActivityNanos = System.nanoTime();
        this.idleNanos = idleNanos;
        idleTimer = client.eventLoop().schedule(this::checkIdle, idleNanos, TimeUnit.NANOSECONDS);
    }

    /** A side sent its FIN: from now on the silence allowed is the half-close timeout, if shorter. */
    private void halfClosed() {
        long halfClose = listener.service().config().proxy().halfCloseTimeout().toNanos();
        if (halfCloseTimer || halfClose >= idleNanos || finished) return;
        halfCloseTimer = true;
        lastActivityNanos = System.nanoTime();
        idleNanos = halfClose;
        if (idleTimer != null) idleTimer.cancel(false);
        idleTimer = client.eventLoop().schedule(this::checkIdle, halfClose, TimeUnit.NANOSECONDS);
    }

    private void checkIdle() {
        if (finished) return;
        long quiet = System.nanoTime() - lastActivityNanos;
        if (quiet >= idleNanos) idle();
        else idleTimer = client.eventLoop().schedule(this::checkIdle, idleNanos - quiet, TimeUnit.NANOSECONDS);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // Netty channel futures: see relay
    void idle() {
        if (halfCloseTimer) {
            listener.counters().halfCloseTimeouts.increment();
            log.debug("virtual server {}: closing half-closed connection from {}", listener.service().name(), clientAddress);
        } else {
            listener.counters().idleTimeouts.increment();
            log.debug("virtual server {}: closing idle connection from {}", listener.service().name(), clientAddress);
        }
        if (server != null && server.isOpen()) server.close();
        client.close();
    }

    /**
     * A broken side. A reset (or any other I/O error, after which the byte stream cannot be trusted)
     * is passed on as a reset: SO_LINGER 0 then close sends RST, not FIN.
     */
    void failed(boolean clientSide, Throwable cause) {
        Channel self = clientSide ? client : Objects.requireNonNull(server);
        Channel other = clientSide ? server : client;
        if (!(cause instanceof IOException)) {
            log.warn("virtual server {}: unexpected error on connection from {}: {}", listener.service().name(),
                    client.remoteAddress(), describe(cause), cause);
        }
        if (other != null && other.isActive() && !aborted) listener.counters().resetsPassed.increment();
        aborted = true;
        if (other != null) abort(other);
        abort(self);
    }

    /** A side's channel became inactive (closed by us, by the peer, or after an error). */
    void closed(boolean clientSide, Channel channel) {
        Channel other;
        if (clientSide) {
            other = server;
        } else {
            if (!channel.equals(server)) return; // an earlier, failed attempt
            other = client;
        }
        if (other != null && other.isActive()) {
            // A side gone without a reset still gets its last bytes delivered, then a FIN.
            if (aborted) abort(other); else closeAfterFlush(other);
        }
        finishIfDone();
    }

    private void finishIfDone() {
        if (finished || client.isOpen() || (server != null && server.isOpen())) return;
        finished = true;
        if (idleTimer != null) idleTimer.cancel(false);
        if (early != null) {
            early.forEach(ReferenceCountUtil::release);
            early = null;
        }
        if (account != null) account.closed(false, System.nanoTime());
        if (admitted) {
            listener.counters().open.decrement();
            listener.engine().limits().release(listener, clientAddress);
        }
    }

    /**
     * Asks for more bytes unless the input is already shut: Netty 4.2's epoll drops a half-closed
     * socket from the epoll set, and a read then fails in epoll_ctl.
     */
    private static void readMore(Channel ch) {
        if (ch instanceof DuplexChannel d && d.isInputShutdown()) return;
        ch.read();
    }

    /**
     * Whether everything written to {@code ch} has reached the kernel. Not knowable this way on
     * io_uring, where a write may still be in flight after it left the outbound buffer.
     */
    private static boolean nothingPending(Channel ch) {
        if (ch instanceof io.netty.channel.uring.IoUringSocketChannel) return false;
        ChannelOutboundBuffer b = ch.unsafe().outboundBuffer();
        return b == null || b.isEmpty();
    }

    /** Close (FIN) once everything written so far has left; at once when nothing is queued. */
    @SuppressWarnings("FutureReturnValueIgnored") // Netty channel futures: see relay
    private static void closeAfterFlush(Channel ch) {
        if (!ch.isOpen()) return;
        if (nothingPending(ch)) ch.close();
        else ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }

    @SuppressWarnings("FutureReturnValueIgnored") // Netty channel futures: see relay
    private static void abort(Channel ch) {
        if (!ch.isOpen()) return;
        try {
            ch.config().setOption(ChannelOption.SO_LINGER, 0);
        } catch (RuntimeException ignored) {
            // Already closed underneath us: a plain close is all that is left.
        }
        ch.close();
    }

    static String describe(Throwable cause) {
        if (cause == null) return "unknown error";
        String m = cause.getMessage();
        return m == null ? cause.getClass().getSimpleName() : m;
    }
}
