package dev.vigil.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A loopback port that stays the test's own until closed. A port found free and closed again belongs
 * to whoever binds it next, another test JVM included (seen: a "refusing" real server that answered).
 * This holds it with a TCP socket that is bound but never listens: Linux refuses connections to it, and
 * {@code bind(0)} anywhere else never picks it.
 */
public final class HeldPort implements AutoCloseable {

    private final Socket socket = new Socket();

    private HeldPort(boolean letAServerBindIt) throws IOException {
        socket.setReuseAddress(letAServerBindIt);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    /** A port that refuses every connection while held: without SO_REUSEADDR, no other socket can bind it. */
    public static HeldPort refusing() throws IOException {
        return new HeldPort(false);
    }

    /**
     * A port for a server the test starts later, in this JVM or another: a socket with SO_REUSEADDR
     * (Vigil's listeners, {@code ServerSocket}, the JDK's HTTP server, chromedriver) may bind and listen
     * on it while it is held, because it is not listening itself; {@code bind(0)} elsewhere still never
     * picks it, nor can a socket without SO_REUSEADDR bind it. Hold it until the test ends.
     */
    public static HeldPort forServer() throws IOException {
        return new HeldPort(true);
    }

    public int port() {
        return socket.getLocalPort();
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
