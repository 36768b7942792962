package dev.vigil.forward;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** A real server for tests: a loopback listener whose every accepted connection runs {@code behaviour} on a virtual thread. */
final class TestBackend implements AutoCloseable {
    interface Behaviour {
        void serve(Socket s) throws IOException;
    }

    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();

    TestBackend(Behaviour behaviour) throws IOException {
        this(behaviour, 4096);
    }

    TestBackend(Behaviour behaviour, int backlog) throws IOException {
        this(behaviour, backlog, InetAddress.getLoopbackAddress());
    }

    TestBackend(Behaviour behaviour, int backlog, InetAddress at) throws IOException {
        server = new ServerSocket(0, backlog, at);
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    sockets.add(s);
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            behaviour.serve(s);
                        } catch (IOException e) {
                            errors.add(e);
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port());
    }

    /** Writes one id byte, then echoes until EOF. */
    static Behaviour identify(int id) {
        return s -> {
            s.getOutputStream().write(id);
            s.getOutputStream().flush();
            echo(s);
        };
    }

    static Behaviour echo() {
        return TestBackend::echo;
    }

    static void echo(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) >= 0; ) out.write(buf, 0, n);
        s.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
