package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;
import dev.vigil.config.VirtualServer.ProxySettings;
import dev.vigil.linux.NonBlockingTcp;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Vigil's user-space TCP proxy: owns the Netty event loops and one listener per virtual server. The
 * real server sees Vigil as the client, which is IPVS NAT plus SNAT in one step.
 *
 * <p>Two paths move the bytes. On epoll (Linux) it is Vigil's own ({@link EpollListener},
 * {@link EpollConnection}): Netty's event loops with sockets handled directly, about half the system
 * calls per connection of Netty's channels. On io_uring and NIO, or with {@code -Dvigil.epollChannels=true},
 * connections go through Netty channels ({@link ProxiedConnection}). Both give the same behaviour;
 * the test suite runs on each.
 */
public final class ProxyEngine implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyEngine.class);

    /**
     * @param eventLoops threads moving bytes; 0 means one per available processor ({@code -Dvigil.eventLoops})
     * @param transport  wanted transport, or null for the default ({@code -Dvigil.transport}, else epoll, else NIO)
     * @param waterMark  per-direction output buffer bounds of the channel path: reading the other side pauses
     *                   above the high mark (the epoll path holds at most one read per direction)
     * @param maxReadSize largest buffer one read fills; bigger means fewer system calls on bulk transfers
     */
    public record Options(int eventLoops, NettyTransport transport, WriteBufferWaterMark waterMark, int maxReadSize) {
        public static final Options DEFAULTS = new Options(Integer.getInteger("vigil.eventLoops", 0), null,
                new WriteBufferWaterMark(64 * 1024, 256 * 1024),
                Integer.getInteger("vigil.maxReadSize", 64 * 1024));

        public Options(int eventLoops, NettyTransport transport, WriteBufferWaterMark waterMark) {
            this(eventLoops, transport, waterMark, DEFAULTS.maxReadSize);
        }

        RecvByteBufAllocator readAllocator() {
            return new AdaptiveRecvByteBufAllocator(64, 2048, Math.max(2048, maxReadSize));
        }
    }

    private final Options options;
    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final ForwardCounters counters = new ForwardCounters();
    private final ChannelGroup clients = new DefaultChannelGroup("vigil-clients", GlobalEventExecutor.INSTANCE);
    private final List<VirtualServerListener> listeners = new CopyOnWriteArrayList<>();
    /** The epoll data path's state per event loop; empty when connections go through Netty channels. */
    private final List<EpollLoop> epollLoops = new ArrayList<>();

    public ProxyEngine() {
        this(Options.DEFAULTS);
    }

    public ProxyEngine(Options options) {
        this.options = options;
        NettyTransport wanted = options.transport() != null ? options.transport()
                : NettyTransport.fromName(System.getProperty("vigil.transport"));
        this.transport = NettyTransport.choose(wanted);
        if (wanted != null && wanted != transport) log.warn("transport {} is not available here; using {}", wanted, transport);
        int threads = options.eventLoops() > 0 ? options.eventLoops() : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("vigil-forward"),
                transport.ioHandlerFactory());
        // Netty's epoll channels stay available (-Dvigil.epollChannels=true) to compare against.
        if (transport == NettyTransport.EPOLL && !Boolean.getBoolean("vigil.epollChannels")) {
            for (var e : group) epollLoops.add(new EpollLoop((IoEventLoop) e, Math.max(2048, options.maxReadSize())));
        }
        log.info("proxy engine: {} transport{}, {} event loop(s)", transport.name().toLowerCase(),
                epollLoops.isEmpty() ? "" : " (Vigil's epoll data path)", threads);
    }

    public NettyTransport transport() {
        return transport;
    }

    Options options() {
        return options;
    }

    public ForwardCounters counters() {
        return counters;
    }

    /** Client connections accepted and not yet fully closed. */
    public long openConnections() {
        return counters.open.sum();
    }

    /** Listens on the virtual server's own {@code IP PORT}. */
    public VirtualServerListener open(VirtualService service) {
        VirtualServer config = service.config();
        if (!(config.key() instanceof VirtualServer.ByAddress(var address, int port))) {
            throw new IllegalArgumentException("virtual server " + service.name()
                    + ": only 'virtual_server IP PORT' can be proxied, not fwmark or group");
        }
        return open(service, new InetSocketAddress(address, port));
    }

    /**
     * Listens on {@code bindAddress} (port 0 picks a free port) for {@code service}. A bind failure is
     * logged, counted and reported by the returned listener ({@link VirtualServerListener#failure}); it
     * never throws.
     */
    public VirtualServerListener open(VirtualService service, InetSocketAddress bindAddress) {
        VirtualServer config = service.config();
        VirtualServerListener listener = new VirtualServerListener(service, this, bindAddress);
        if (config.protocol() != Protocol.TCP) {
            counters.bindFailures.increment();
            listener.failed(new IllegalArgumentException("protocol " + config.protocol() + " is not proxied"));
            log.error("virtual server {}: protocol {} cannot be proxied; only TCP", service.name(), config.protocol());
            return listener;
        }
        if (!epollLoops.isEmpty()) return openEpoll(listener, bindAddress);
        ChannelInitializer<SocketChannel> initializer = new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                // Netty turns TCP_NODELAY on for every new socket; skip syscalls that change nothing.
                ProxySettings settings = service.config().proxy();
                if (!settings.tcpNodelay()) ch.config().setTcpNoDelay(false);
                if (settings.tcpKeepalive()) ch.config().setKeepAlive(true);
                clients.add(ch);
                ch.pipeline().addLast(new RelayHandler(new ProxiedConnection(listener, ch), true));
            }
        };
        // With SO_REUSEPORT every event loop gets its own listening socket and keeps the connections it
        // accepts: no hand-over between threads per connection. NIO has no SO_REUSEPORT: one socket.
        List<EventLoop> loops = new ArrayList<>();
        if (transport == NettyTransport.NIO) loops.add(group.next());
        else for (var e : group) loops.add((EventLoop) e);
        var listeningChannels = transport.serverChannelFactory(bindAddress.getAddress() instanceof Inet4Address);
        List<Channel> bound = new ArrayList<>();
        InetSocketAddress at = bindAddress;
        Throwable failure = null;
        if (loops.size() > 1) {
            // SO_REUSEPORT sockets share a port silently; a plain probe bind first makes a port that is
            // already taken (by another Vigil too) fail loudly, as it should.
            ServerBootstrap probe = new ServerBootstrap().group(loops.getFirst()).channelFactory(listeningChannels)
                    .option(ChannelOption.SO_REUSEADDR, true).childHandler(initializer);
            if (transport.freeBind() != null) probe.option(transport.freeBind(), true);
            ChannelFuture p = probe.bind(bindAddress).awaitUninterruptibly();
            if (p.isSuccess()) {
                at = (InetSocketAddress) p.channel().localAddress();
                p.channel().close().awaitUninterruptibly();
            } else {
                failure = p.cause();
                loops.clear();
            }
        }
        for (EventLoop loop : loops) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(loop, transport == NettyTransport.NIO ? group : loop)
                    .channelFactory(listeningChannels)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, options.waterMark())
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, options.readAllocator())
                    .childHandler(initializer);
            if (transport.freeBind() != null) b.option(transport.freeBind(), true);
            if (transport != NettyTransport.NIO) b.option(UnixChannelOption.SO_REUSEPORT, true);
            ChannelFuture f = b.bind(at).awaitUninterruptibly();
            if (!f.isSuccess()) {
                failure = f.cause();
                break;
            }
            bound.add(f.channel());
            at = (InetSocketAddress) f.channel().localAddress(); // port 0: the others share the first's port
        }
        if (failure != null) for (Channel ch : bound) ch.close().awaitUninterruptibly();
        return listening(listener, bound.stream().map(VirtualServerListener.Acceptor::of).toList(), failure);
    }

    private VirtualServerListener openEpoll(VirtualServerListener listener, InetSocketAddress bindAddress) {
        List<EpollListener> bound = new ArrayList<>();
        boolean shared = epollLoops.size() > 1;
        InetSocketAddress at = bindAddress;
        BindException failure = null;
        try {
            if (shared) {
                // SO_REUSEPORT sockets share a port silently; a plain probe bind first makes a port that
                // is already taken (by another Vigil too) fail loudly, as it should.
                NonBlockingTcp calls = new NonBlockingTcp();
                FileDescriptor probe = new FileDescriptor(
                        EpollListener.bound(calls, at, false, listener.service().config().proxy()));
                InetSocketAddress probed = calls.localAddress(probe.intValue());
                if (probed != null) at = probed;
                EpollListener.closeQuietly(probe);
            }
            for (EpollLoop loop : epollLoops) {
                EpollListener l = EpollListener.open(loop, listener, at, shared);
                bound.add(l);
                at = l.localAddress(); // port 0: the others share the first's port
            }
        } catch (BindException e) {
            failure = e;
            bound.forEach(EpollListener::close);
        }
        return listening(listener, bound, failure);
    }

    private VirtualServerListener listening(VirtualServerListener listener,
                                            List<? extends VirtualServerListener.Acceptor> bound, Throwable failure) {
        VirtualServer config = listener.service().config();
        if (failure == null) {
            listener.bound(bound);
            listeners.add(listener);
            log.info("virtual server {}: listening on {} ({} real servers, {})", listener.service().name(),
                    listener.localAddress(), config.realServers().size(), config.scheduler().keyword());
        } else {
            counters.bindFailures.increment();
            listener.failed(failure);
            log.error("virtual server {}: cannot listen on {}: {}", listener.service().name(), listener.localAddress(),
                    ProxiedConnection.describe(failure));
        }
        return listener;
    }

    /** Runs {@code task} on every epoll loop and sums what they return. */
    private long onEpollLoops(Function<EpollLoop, Long> task) {
        long sum = 0;
        for (EpollLoop loop : epollLoops) {
            if (loop.eventLoop.isShuttingDown()) continue;
            sum += loop.eventLoop.submit(() -> task.apply(loop)).syncUninterruptibly().getNow();
        }
        return sum;
    }

    /**
     * Bytes queued in Vigil's own output buffers over all connections, both directions: what a slow
     * reader makes Vigil hold. Bounded by about the high-water mark per direction per connection.
     */
    public long pendingOutboundBytes() {
        long sum = onEpollLoops(loop -> loop.sum(EpollConnection::pendingBytes));
        for (Channel client : clients) {
            sum += pending(client);
            RelayHandler relay = client.pipeline().get(RelayHandler.class);
            if (relay != null && relay.connection.server() != null) sum += pending(relay.connection.server());
        }
        return sum;
    }

    /**
     * Closes the client connections accepted on any of {@code addresses}, and so their real-server
     * halves: once VRRP has given those VIPs to another node, their clients' packets go there, and
     * the connections here would only hold resources on both sides until the idle timeout.
     *
     * @return how many connections were closed
     */
    public int closeConnectionsTo(Collection<InetAddress> addresses) {
        Set<InetAddress> those = Set.copyOf(addresses);
        int closed = (int) onEpollLoops(loop -> (long) loop.closeAll(c -> c.acceptedOn(those)));
        for (Channel client : clients) {
            if (client.localAddress() instanceof InetSocketAddress local && addresses.contains(local.getAddress())) {
                client.close();
                closed++;
            }
        }
        return closed;
    }

    private static long pending(Channel ch) {
        var buffer = ch.unsafe().outboundBuffer();
        return buffer == null ? 0 : buffer.totalPendingWriteBytes();
    }

    void forget(VirtualServerListener listener) {
        listeners.remove(listener);
    }

    /**
     * Stops accepting on every listener, lets established connections finish until
     * {@code drainDeadline}, closes what is left and stops the event loops.
     */
    public void close(Duration drainDeadline) {
        for (VirtualServerListener l : Set.copyOf(listeners)) l.close();
        long deadline = System.nanoTime() + drainDeadline.toNanos();
        while (openConnections() > 0 && System.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        long left = openConnections();
        if (left > 0) log.info("proxy engine: closing {} connection(s) still open after the drain deadline", left);
        clients.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        onEpollLoops(loop -> (long) loop.closeAll(c -> true));
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** {@link #close(Duration)} without waiting for connections to finish. */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

}
