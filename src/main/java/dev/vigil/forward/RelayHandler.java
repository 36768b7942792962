package dev.vigil.forward;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;

/**
 * Sits at the end of the client's or the real server's pipeline and hands every event to the
 * {@link ProxiedConnection} that both channels belong to.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
    final ProxiedConnection connection;
    private final boolean clientSide;

    RelayHandler(ProxiedConnection connection, boolean clientSide) {
        this.connection = connection;
        this.clientSide = clientSide;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (clientSide) connection.start();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.closed(clientSide, ctx.channel());
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        connection.relay(clientSide, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        connection.readComplete(clientSide);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        connection.writabilityChanged(clientSide);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) connection.inputShutdown(clientSide);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        connection.failed(clientSide, cause);
    }
}
