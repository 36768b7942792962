package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.VirtualServer.ProxySettings;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketChannelConfig;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The listening socket of one virtual server, from {@link ProxyEngine#open}. Closing it stops
 * accepting; connections already established run on until they end or the engine closes.
 */
public final class VirtualServerListener implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VirtualServerListener.class);
    private static final long WARN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final VirtualService service;
    private final ProxyEngine engine;
    private final InetSocketAddress requested;
    private final ConnectionLimits.PerService limits;
    private final ConcurrentHashMap<String, Long> lastWarned = new ConcurrentHashMap<>();
    private volatile List<Acceptor> acceptors = List.of();
    private volatile @Nullable Throwable failure;

    VirtualServerListener(VirtualService service, ProxyEngine engine, InetSocketAddress requested) {
        this.service = service;
        this.engine = engine;
        this.requested = requested;
        this.limits = engine.limits().of(service);
    }

    /** A listening socket: a Netty server channel, or the epoll data path's own {@link EpollListener}. */
    interface Acceptor {
        InetSocketAddress localAddress();

        boolean listening();

        void close();

        static Acceptor of(Channel ch) {
            return new Acceptor() {
                @Override
                public InetSocketAddress localAddress() {
                    return (InetSocketAddress) ch.localAddress();
                }

                @Override
                public boolean listening() {
                    return ch.isActive();
                }

                @Override
                public void close() {
                    ch.close().syncUninterruptibly();
                }
            };
        }
    }

    void bound(List<? extends Acceptor> sockets) {
        this.acceptors = List.copyOf(sockets);
    }

    void failed(Throwable cause) {
        this.failure = cause;
    }

    public VirtualService service() {
        return service;
    }

    /** The address it was asked to listen on (port 0 when any free port would do). */
    InetSocketAddress requested() {
        return requested;
    }

    /** Where it listens: the bound address (with the real port when 0 was asked), or the requested one. */
    public InetSocketAddress localAddress() {
        List<Acceptor> as = acceptors;
        return !as.isEmpty() && as.getFirst().localAddress() != null ? as.getFirst().localAddress() : requested;
    }

    public boolean listening() {
        List<Acceptor> as = acceptors;
        return !as.isEmpty() && as.stream().allMatch(Acceptor::listening);
    }

    /** Why it could not listen (address in use, permission...), if it could not. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Stops accepting new connections; established ones continue. */
    @Override
    public void close() {
        for (Acceptor a : acceptors) a.close();
        engine.forget(this);
    }

    ForwardCounters counters() {
        return engine.liveCounters();
    }

    ProxyEngine engine() {
        return engine;
    }

    /** This virtual server's share of the counts {@link ConnectionLimits} keeps. */
    ConnectionLimits.PerService limits() {
        return limits;
    }

    /**
     * A new upstream channel configured for {@code settings}. Built by hand rather than with a
     * Bootstrap: at thousands of connections per second its option maps and the setsockopt calls
     * for options already at Netty's defaults (TCP_NODELAY) show up in profiles.
     */
    SocketChannel upstream(ProxySettings settings, InetSocketAddress realServer) {
        // An IPv4 socket for an IPv4 real server: an IPv6 one costs an IPV6_V6ONLY setsockopt and
        // mapped addresses on every connection.
        boolean ipv4 = realServer.getAddress() instanceof Inet4Address
                && settings.sourceAddress().map(a -> a instanceof Inet4Address).orElse(true);
        SocketChannel ch = engine.transport().newSocketChannel(ipv4);
        SocketChannelConfig c = ch.config();
        c.setAutoRead(false);
        c.setAllowHalfClosure(true);
        c.setWriteBufferWaterMark(engine.options().waterMark());
        c.setRecvByteBufAllocator(engine.options().readAllocator());
        c.setConnectTimeoutMillis((int) Math.min(Integer.MAX_VALUE, Math.max(1, settings.connectTimeout().toMillis())));
        if (!settings.tcpNodelay()) c.setTcpNoDelay(false); // Netty's default is on
        if (settings.tcpKeepalive()) c.setKeepAlive(true);
        if (settings.sourceAddress().isPresent() && engine.transport() == NettyTransport.EPOLL) {
            // Let the kernel pick the port at connect time, so one source address serves many real servers.
            c.setOption(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return ch;
    }

    /** Logs at most one warning per key every 10 s, so a dead real server under load cannot flood the log. */
    void warnRateLimited(String key, String format, Object... args) {
        long now = System.nanoTime();
        Long last = lastWarned.get(key);
        if (last != null && now - last < WARN_INTERVAL_NANOS) return;
        lastWarned.put(key, now);
        log.warn(format, args);
    }
}
