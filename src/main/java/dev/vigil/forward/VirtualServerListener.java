package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.VirtualServer.ProxySettings;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
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
    private final Bootstrap upstreamTemplate;
    private final ConcurrentHashMap<String, Long> lastWarned = new ConcurrentHashMap<>();
    private volatile Channel serverChannel;
    private volatile Throwable failure;

    VirtualServerListener(VirtualService service, ProxyEngine engine, InetSocketAddress requested) {
        this.service = service;
        this.engine = engine;
        this.requested = requested;
        this.upstreamTemplate = new Bootstrap()
                .channel(engine.transport().socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, engine.options().waterMark());
    }

    void bound(Channel channel) {
        this.serverChannel = channel;
    }

    void failed(Throwable cause) {
        this.failure = cause;
    }

    public VirtualService service() {
        return service;
    }

    /** Where it listens: the bound address (with the real port when 0 was asked), or the requested one. */
    public InetSocketAddress localAddress() {
        Channel ch = serverChannel;
        return ch != null && ch.localAddress() instanceof InetSocketAddress a ? a : requested;
    }

    public boolean listening() {
        Channel ch = serverChannel;
        return ch != null && ch.isActive();
    }

    /** Why it could not listen (address in use, permission...), if it could not. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Stops accepting new connections; established ones continue. */
    @Override
    public void close() {
        Channel ch = serverChannel;
        if (ch != null) ch.close().syncUninterruptibly();
        engine.forget(this);
    }

    ForwardCounters counters() {
        return engine.counters();
    }

    ProxyEngine engine() {
        return engine;
    }

    Bootstrap upstream(EventLoop loop, ProxySettings settings) {
        Bootstrap b = upstreamTemplate.clone(loop)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        Math.max(1, settings.connectTimeout().toMillis())))
                .option(ChannelOption.TCP_NODELAY, settings.tcpNodelay())
                .option(ChannelOption.SO_KEEPALIVE, settings.tcpKeepalive());
        if (settings.sourceAddress().isPresent() && engine.transport() == NettyTransport.EPOLL) {
            // Let the kernel pick the port at connect time, so one source address serves many real servers.
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return b;
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
