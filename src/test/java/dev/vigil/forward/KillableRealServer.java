package dev.vigil.forward;

import dev.vigil.testing.HeldPort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real server of {@link ForwardingSoakTest} that can die (its listener and every connection closed, so
 * that connects to its port are refused) and come back on the same port. It echoes every connection;
 * the client's first byte says what the connection is, so that the test can tell how many idle
 * connections a death cost: {@code 'I'} an idle one, anything else short or bulk (echoed through a
 * larger buffer). Health checks connect and close without a byte.
 */
final class KillableRealServer implements AutoCloseable {

    static final int IDLE = 'I';

    private final HeldPort port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Set<Socket> idle = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile ServerSocket listener;

    KillableRealServer() throws IOException {
        port = HeldPort.forServer();
        listener = listen();
    }

    int port() {
        return port.port();
    }

    long accepted() {
        return accepted.get();
    }

    int idleOpen() {
        return idle.size();
    }

    /** Closes the listener and every connection; returns how many of those were idle ones. */
    synchronized int kill() throws IOException {
        listener.close();
        int idleLost = idle.size();
        for (Socket s : open) s.close();
        return idleLost;
    }

    /** Listens again on the same port. */
    synchronized void restore() throws IOException {
        if (!listener.isClosed()) throw new IllegalStateException("real server on " + port() + " is alive");
        listener = listen();
    }

    private ServerSocket listen() throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true); // the port is held by HeldPort, and kills leave TIME_WAIT behind
        s.bind(port.address(), 4096);
        Thread.ofVirtual().start(() -> acceptAll(s));
        return s;
    }

    private void acceptAll(ServerSocket server) {
        while (true) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // killed
            }
            accepted.incrementAndGet();
            open.add(s);
            Thread.ofVirtual().start(() -> serve(s));
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            int first = in.read();
            if (first < 0) return;
            // under the lock of kill(), so that an idle connection is counted lost exactly when its client saw it open
            synchronized (this) {
                if (listener.isClosed()) return;
                if (first == IDLE) idle.add(s);
                out.write(first);
            }
            // small for the thousands of idle connections, large for bulk transfers
            byte[] buf = new byte[first == IDLE ? 16 : 64 * 1024];
            for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
        } catch (IOException ignored) {
            // killed, or the client went away: the test judges by what the clients received
        } finally {
            idle.remove(s);
            open.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        kill();
        port.close();
    }
}
