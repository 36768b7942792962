package dev.vigil.system;

import dev.vigil.linux.NetworkNamespace;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A plain HTTP/1.0 real server in a namespace that answers every request with its name, or misbehaves
 * as told: resets each connection as soon as it is accepted, accepts and never answers, or tar-pits
 * (an endless SMTP greeting, one byte at a time). A server that drops SYNs is made by the network, not
 * here: see {@link RealServerFaultsSystemTest}. The listener is opened on a thread inside the namespace
 * and stays there.
 */
final class MisbehavingServer implements AutoCloseable {

    enum Mode {
        /** {@code 200} with the server's name as the body. */
        HEALTHY,
        /** Accepted, then closed with SO_LINGER 0: the peer gets a RST. */
        RESET,
        /** Accepted and read, never answered, held until the peer closes. */
        SILENT,
        /** Accepted, then one byte every {@link #TARPIT_BYTE_INTERVAL} of "220-" greeting lines that never end. */
        TARPIT
    }

    static final Duration TARPIT_BYTE_INTERVAL = Duration.ofMillis(1500);
    private static final byte[] TARPIT_LINE = "220-tarpit.example.com ESMTP, slowly\r\n".getBytes(StandardCharsets.US_ASCII);

    private final String name;
    private final ServerSocket listener;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile Mode mode = Mode.HEALTHY;

    private MisbehavingServer(String name, ServerSocket listener) {
        this.name = name;
        this.listener = listener;
        this.acceptor = Thread.ofPlatform().daemon().name("rs-" + name).unstarted(this::acceptLoop);
    }

    static MisbehavingServer start(String namespace, InetSocketAddress bind, String name) throws Exception {
        ServerSocket listener = NetworkNamespace.call(namespace, () -> {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(bind, 1024);
            return s;
        });
        MisbehavingServer server = new MisbehavingServer(name, listener);
        server.acceptor.start();
        return server;
    }

    void set(Mode next) {
        mode = next;
    }

    String name() {
        return name;
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket s;
            try {
                s = listener.accept();
            } catch (IOException e) {
                return;
            }
            Mode now = mode;
            if (now == Mode.RESET) {
                reset(s);
                continue;
            }
            open.add(s);
            Thread.ofVirtual().start(() -> serve(s, now));
        }
    }

    private static void reset(Socket s) {
        try (s) {
            s.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // the RST goes out on close either way
        }
    }

    private void serve(Socket s, Mode now) {
        try (s) {
            s.setSoTimeout(now == Mode.SILENT ? 0 : 5_000);
            if (now == Mode.TARPIT) {
                for (int i = 0; ; i++) {
                    s.getOutputStream().write(TARPIT_LINE[i % TARPIT_LINE.length]);
                    s.getOutputStream().flush();
                    Thread.sleep(TARPIT_BYTE_INTERVAL);
                }
            }
            InputStream in = s.getInputStream();
            if (now == Mode.SILENT) {
                while (in.read() >= 0) {
                    // read and never answer, until the peer gives up
                }
                return;
            }
            readHead(in);
            byte[] body = name.getBytes(StandardCharsets.US_ASCII);
            s.getOutputStream().write(("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length
                    + "\r\nConnection: close\r\n\r\n" + name).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException ignored) {
            // the peer went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(s);
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < end.length && (b = in.read()) >= 0) matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
