package dev.vigil.forward;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits at the end of the client's or the real server's pipeline and hands every event to the
 * {@link ProxiedConnection} that both channels belong to. A real server's channel from an earlier,
 * failed attempt may still fire events (an error after its connect failed) while the next attempt
 * is under way; those are not the connection's any more and are dropped here.
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
        if (stale(ctx)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        connection.relay(clientSide, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!stale(ctx)) connection.readComplete(clientSide);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (!stale(ctx)) connection.writabilityChanged(clientSide);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent && !stale(ctx)) connection.inputShutdown(clientSide);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!stale(ctx)) connection.failed(clientSide, cause);
    }

    private boolean stale(ChannelHandlerContext ctx) {
        return !clientSide && !ctx.channel().equals(connection.server());
    }
}
