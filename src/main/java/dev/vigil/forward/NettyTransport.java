package dev.vigil.forward;

import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelOption;
import io.netty.channel.ReflectiveChannelFactory;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.jspecify.annotations.Nullable;

import java.util.Locale;

/**
 * The Netty transports the proxy can run on. Epoll is the default on Linux: on this project's
 * benchmark machine it measured at least as fast as io_uring (see docs/performance.md). NIO is the
 * portable fallback, which cannot bind a virtual IP that is not yet local.
 */
public enum NettyTransport {
    EPOLL, IO_URING, NIO;

    /** The transport to use when {@code wanted} (may be null) is unavailable: epoll, else NIO. */
    public static NettyTransport choose(@Nullable NettyTransport wanted) {
        if (wanted != null && wanted.available()) return wanted;
        return EPOLL.available() ? EPOLL : NIO;
    }

    /** {@code epoll}, {@code io_uring} or {@code nio}, as written in {@code -Dvigil.transport}. */
    public static @Nullable NettyTransport fromName(@Nullable String name) {
        return name == null || name.isBlank() ? null : valueOf(name.trim().toUpperCase(Locale.ROOT));
    }

    public boolean available() {
        return switch (this) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case NIO -> true;
        };
    }

    IoHandlerFactory ioHandlerFactory() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }

    /**
     * Makes listening channels: AF_INET ones for an IPv4 address on epoll, so that accepted sockets
     * are not IPv6 sockets carrying mapped IPv4 addresses (longer addresses to convert on every accept).
     */
    ChannelFactory<? extends ServerChannel> serverChannelFactory(boolean ipv4) {
        if (this == EPOLL && ipv4) return () -> new EpollServerSocketChannel(SocketProtocolFamily.INET);
        return new ReflectiveChannelFactory<>(serverChannel());
    }

    /** A new, unregistered client-side socket channel; an IPv4-only socket where asked and supported. */
    SocketChannel newSocketChannel(boolean ipv4) {
        return switch (this) {
            case EPOLL -> ipv4 ? new EpollSocketChannel(SocketProtocolFamily.INET) : new EpollSocketChannel();
            case IO_URING -> new IoUringSocketChannel();
            case NIO -> new NioSocketChannel();
        };
    }

    /** IP_FREEBIND where the transport has it: listen on a VIP before VRRP makes it local. */
    @Nullable ChannelOption<Boolean> freeBind() {
        return switch (this) {
            case EPOLL -> EpollChannelOption.IP_FREEBIND;
            case IO_URING -> IoUringChannelOption.IP_FREEBIND;
            case NIO -> null;
        };
    }
}
