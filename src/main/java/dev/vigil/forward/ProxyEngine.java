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
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Vigil's user-space TCP proxy, the forwarding engine that needs no root: owns the Netty event loops
 * and one listener per virtual server address. The real server sees Vigil as the client, which is IPVS
 * NAT plus SNAT in one step.
 *
 * <p>Two paths move the bytes ({@link Options.DataPath}). On epoll (Linux) it is Vigil's own
 * ({@link EpollListener}, {@link EpollConnection}): Netty's event loops with sockets handled directly,
 * about half the system calls per connection of Netty's channels. On io_uring and NIO, or when asked,
 * connections go through Netty channels ({@link ProxiedConnection}). Both give the same behaviour, with
 * one pick and retry policy ({@link RealServerAttempts}); the test suite runs on each.
 */
public final class ProxyEngine implements ForwardingEngine {
    private static final Logger log = LoggerFactory.getLogger(ProxyEngine.class);

    /**
     * How the engine runs: threads, transport, data path, buffer bounds.
     *
     * @param eventLoops  threads moving bytes; 0 means one per available processor
     * @param transport   wanted transport, or null for the default (epoll, else NIO)
     * @param dataPath    how connections move when the transport is epoll
     * @param waterMark   per-direction output buffer bounds of the channel path: reading the other side pauses
     *                    above the high mark (the epoll path holds at most one read per direction)
     * @param maxReadSize largest buffer one read fills; bigger means fewer system calls on bulk transfers
     */
    public record Options(int eventLoops, @Nullable NettyTransport transport, DataPath dataPath, WriteBufferWaterMark waterMark,
                          int maxReadSize) {
        /** One loop per processor, the default transport, Vigil's epoll path, 64 KiB reads. */
        public static final Options DEFAULTS = new Options(0, null, DataPath.VIGIL_EPOLL,
                new WriteBufferWaterMark(64 * 1024, 256 * 1024), 64 * 1024);

        /** On epoll: Vigil's own socket calls, or Netty's epoll channels (slower; to compare, or as a fallback). */
        public enum DataPath { VIGIL_EPOLL, NETTY_CHANNELS }

        /**
         * The defaults with the tuning properties of docs/operations.md applied: {@code -Dvigil.eventLoops},
         * {@code -Dvigil.transport}, {@code -Dvigil.epollChannels}, {@code -Dvigil.maxReadSize}.
         */
        public static Options fromSystemProperties() {
            @Nullable NettyTransport transport = null;
            try {
                transport = NettyTransport.fromName(System.getProperty("vigil.transport"));
            } catch (IllegalArgumentException e) {
                log.warn("-Dvigil.transport={} is not epoll, io_uring or nio; using the default",
                        System.getProperty("vigil.transport"));
            }
            return new Options(Integer.getInteger("vigil.eventLoops", DEFAULTS.eventLoops), transport,
                    Boolean.getBoolean("vigil.epollChannels") ? DataPath.NETTY_CHANNELS : DataPath.VIGIL_EPOLL,
                    DEFAULTS.waterMark, Integer.getInteger("vigil.maxReadSize", DEFAULTS.maxReadSize));
        }

        public Options withEventLoops(int n) {
            return new Options(n, transport, dataPath, waterMark, maxReadSize);
        }

        RecvByteBufAllocator readAllocator() {
            return new AdaptiveRecvByteBufAllocator(64, 2048, Math.max(2048, maxReadSize));
        }
    }

    private final Options options;
    private final NettyTransport transport;
    private final EventLoopGroup group;
    private final ForwardCounters counters = new ForwardCounters();
    private final ConnectionLimits limits = new ConnectionLimits();
    private final ChannelGroup clients = new DefaultChannelGroup("vigil-clients", GlobalEventExecutor.INSTANCE);
    private final List<VirtualServerListener> listeners = new CopyOnWriteArrayList<>();
    /** What {@link #apply} serves: each virtual service with its listeners, one per address. */
    private final Map<VirtualService, List<VirtualServerListener>> forwarded = new LinkedHashMap<>();
    /** The epoll data path's state per event loop; empty when connections go through Netty channels. */
    private final List<EpollLoop> epollLoops = new ArrayList<>();

    public ProxyEngine(Options options) {
        this.options = options;
        this.transport = NettyTransport.choose(options.transport());
        if (options.transport() != null && options.transport() != transport) {
            log.warn("transport {} is not available here; using {}", options.transport(), transport);
        }
        int threads = options.eventLoops() > 0 ? options.eventLoops() : Runtime.getRuntime().availableProcessors();
        this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("vigil-forward"),
                transport.ioHandlerFactory());
        if (transport == NettyTransport.EPOLL && options.dataPath() == Options.DataPath.VIGIL_EPOLL) {
            for (var e : group) epollLoops.add(new EpollLoop((IoEventLoop) e, Math.max(2048, options.maxReadSize())));
        }
        log.info("proxy engine: {} transport{}, {} event loop(s)", transport.name().toLowerCase(Locale.ROOT),
                epollLoops.isEmpty() ? "" : " (Vigil's epoll data path)", threads);
    }

    @Override
    public String name() {
        return "proxy";
    }

    @Override
    public synchronized List<String> apply(List<ForwardedService> services) {
        Map<VirtualService, ForwardedService> wanted = new LinkedHashMap<>();
        for (ForwardedService f : services) wanted.put(f.service(), f);
        for (var it = forwarded.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (wanted.containsKey(e.getKey())) continue;
            e.getValue().forEach(VirtualServerListener::close);
            limits.forget(e.getKey());
            it.remove();
        }
        List<String> problems = new ArrayList<>();
        for (ForwardedService f : wanted.values()) {
            String name = "virtual server " + f.service().name();
            for (int mark : f.firewallMarks()) {
                problems.add(name + ": firewall mark " + mark + " needs the kernel engine; not served");
            }
            List<VirtualServerListener> kept = new ArrayList<>();
            for (VirtualServerListener l : forwarded.getOrDefault(f.service(), List.of())) {
                if (f.addresses().contains(l.requested())) kept.add(l); else l.close();
            }
            for (InetSocketAddress address : f.addresses()) {
                if (kept.stream().anyMatch(l -> l.requested().equals(address))) continue;
                VirtualServerListener l = open(f.service(), address);
                // A failed bind is reported and tried again by the next apply (a reload).
                if (l.failure().isPresent()) {
                    problems.add(name + ": cannot listen on " + address + ": " + l.failure().get().getMessage());
                } else {
                    kept.add(l);
                }
            }
            forwarded.put(f.service(), kept);
        }
        return problems;
    }

    @Override
    public void limitConnections(int max) {
        limits.nodeLimit(max);
    }

    /** The connection limits both data paths check when they accept a client. */
    ConnectionLimits limits() {
        return limits;
    }

    public NettyTransport transport() {
        return transport;
    }

    Options options() {
        return options;
    }

    /** The listeners {@link #apply} keeps open for {@code service}. */
    synchronized List<VirtualServerListener> listeners(VirtualService service) {
        return List.copyOf(forwarded.getOrDefault(service, List.of()));
    }

    /** The live counters, for this package's connections and listeners. */
    ForwardCounters liveCounters() {
        return counters;
    }

    @Override
    public ForwardCounters.Snapshot counters() {
        return counters.snapshot();
    }

    /** Client connections accepted and not yet fully closed. */
    public long openConnections() {
        return counters.open.sum();
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
                    .childOption(ChannelOption.RECVBUF_ALLOCATOR, options.readAllocator())
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
                                            List<? extends VirtualServerListener.Acceptor> bound, @Nullable Throwable failure) {
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

    /** Runs {@code task} on every epoll loop still running, and returns what each returned. */
    private <T> List<T> onEpollLoops(Function<EpollLoop, T> task) {
        List<T> results = new ArrayList<>();
        for (EpollLoop loop : epollLoops) {
            if (loop.eventLoop.isShuttingDown()) continue;
            results.add(loop.eventLoop.submit(() -> task.apply(loop)).syncUninterruptibly().getNow());
        }
        return results;
    }

    /**
     * Bytes queued in Vigil's own output buffers over all connections, both directions: what a slow
     * reader makes Vigil hold. Bounded by about the high-water mark per direction per connection.
     */
    public long pendingOutboundBytes() {
        long sum = 0;
        for (long n : onEpollLoops(loop -> loop.sum(EpollConnection::pendingBytes))) sum += n;
        for (Channel client : clients) {
            sum += pending(client);
            RelayHandler relay = client.pipeline().get(RelayHandler.class);
            if (relay != null && relay.connection.server() != null) sum += pending(relay.connection.server());
        }
        return sum;
    }

    @Override
    public List<ForwardedConnection> connections() {
        long now = System.nanoTime();
        List<ForwardedConnection> out = new ArrayList<>();
        for (List<ForwardedConnection> some : onEpollLoops(loop -> loop.views(now))) out.addAll(some);
        if (clients.isEmpty()) return out;
        // A channel's connection is read on its own event loop, as everything else of it is.
        for (var executor : group) {
            if (executor.isShuttingDown()) continue;
            out.addAll(executor.submit(() -> {
                List<ForwardedConnection> mine = new ArrayList<>();
                for (Channel client : clients) {
                    RelayHandler relay = client.eventLoop().inEventLoop() ? client.pipeline().get(RelayHandler.class) : null;
                    ForwardedConnection view = relay == null ? null : relay.connection.view(now);
                    if (view != null) mine.add(view);
                }
                return mine;
            }).syncUninterruptibly().getNow());
        }
        return out;
    }

    /**
     * Closes the client connections accepted on any of {@code addresses}, and so their real-server
     * halves: once VRRP has given those VIPs to another node, their clients' packets go there, and
     * the connections here would only hold resources on both sides until the idle timeout.
     */
    @Override
    @SuppressWarnings("FutureReturnValueIgnored") // a Netty close reports through the channel's pipeline
    public int addressesReleased(Collection<InetAddress> addresses) {
        Set<InetAddress> those = Set.copyOf(addresses);
        int closed = 0;
        for (int n : onEpollLoops(loop -> loop.closeAll(c -> c.acceptedOn(those)))) closed += n;
        for (Channel client : clients) {
            if (client.localAddress() instanceof InetSocketAddress local && those.contains(local.getAddress())) {
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
    @Override
    public void close(Duration drainDeadline) {
        synchronized (this) {
            forwarded.clear();
        }
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
        onEpollLoops(loop -> loop.closeAll(c -> true));
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
