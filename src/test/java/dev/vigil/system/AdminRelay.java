package dev.vigil.system;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * Makes a node's admin endpoint (dashboard, API) reachable from the machine's own loopback: listens on
 * 127.0.0.1:PORT in the JVM's namespace and pipes each connection to the admin address inside the
 * node's namespace. Nothing is added to the host's network configuration, and it ends with the JVM.
 */
final class AdminRelay implements AutoCloseable {

    private final ServerSocket listener;

    private AdminRelay(ServerSocket listener) {
        this.listener = listener;
    }

    static AdminRelay start(int localPort, String namespace, InetSocketAddress admin) throws IOException {
        ServerSocket s = new ServerSocket(localPort, 50, InetAddress.getLoopbackAddress());
        AdminRelay relay = new AdminRelay(s);
        Thread.ofVirtual().name("relay-" + localPort).start(() -> {
            while (!s.isClosed()) {
                try {
                    Socket client = s.accept();
                    Thread.ofVirtual().start(() -> relay(client, namespace, admin));
                } catch (IOException e) {
                    if (s.isClosed()) return;
                }
            }
        });
        return relay;
    }

    private static void relay(Socket client, String namespace, InetSocketAddress admin) {
        try (client; Socket upstream = NamespaceHttp.connect(namespace, admin, Duration.ofSeconds(3))) {
            Thread back = Thread.ofVirtual().start(() -> pump(upstream, client));
            pump(client, upstream);
            back.join();
        } catch (IOException | InterruptedException e) {
            // the node is down or the browser went away: the browser shows the failed request
        }
    }

    private static void pump(Socket from, Socket to) {
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            to.shutdownOutput();
        } catch (IOException e) {
            try {
                to.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    int port() {
        return listener.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
