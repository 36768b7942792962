package dev.vigil.system;

import dev.vigil.linux.NetworkNamespace;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Steady client traffic through the virtual IP from the client namespace: each worker makes one request
 * (an HTTPS GET, or what {@link #start(String, int, Duration, Duration, Attempt)} is given) per fresh
 * connection, pauses, and repeats, recording when each request started and ended, whether
 * it succeeded and which Exchange server answered. Workers are platform threads inside the namespace.
 */
public final class ClientLoad implements AutoCloseable {

    /** One request; times are {@link System#nanoTime()}. {@code server} is empty on failure, {@code error} on success. */
    public record Request(long startNanos, long endNanos, boolean ok, String server, String error) {
        public Duration duration() {
            return Duration.ofNanos(endNanos - startNanos);
        }
    }

    public static final String PATH = "/owa/";
    static final Duration CONNECT_TIMEOUT = Duration.ofMillis(1500);
    static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    /** One request on a fresh connection: the answering server, or an IOException, or a refusal in {@link Refused}. */
    @FunctionalInterface
    interface Attempt {
        String run() throws IOException;
    }

    /** A request answered, but not as it should be; its message is the request's error. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    private final ConcurrentLinkedQueue<Request> done = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> workers = new ArrayList<>();
    private final Duration longestRequest;

    private ClientLoad(Duration longestRequest) {
        this.longestRequest = longestRequest;
    }

    /** Starts {@code workers} workers in {@code namespace}, each pausing {@code pause} between HTTPS requests. */
    public static ClientLoad start(String namespace, InetSocketAddress vip, int workers, Duration pause) {
        return start(namespace, workers, pause, CONNECT_TIMEOUT.plus(READ_TIMEOUT), () -> {
            HttpsRequest.Answer a = HttpsRequest.once(vip, PATH, CONNECT_TIMEOUT, READ_TIMEOUT);
            if (a.status() != 200) throw new Refused("HTTP " + a.status());
            return a.server();
        });
    }

    /** Starts {@code workers} workers in {@code namespace} that repeat {@code attempt}, pausing {@code pause}. */
    static ClientLoad start(String namespace, int workers, Duration pause, Duration longestRequest, Attempt attempt) {
        ClientLoad load = new ClientLoad(longestRequest);
        for (int i = 0; i < workers; i++) {
            load.workers.add(Thread.ofPlatform().name("client-load-" + i).daemon().start(() -> {
                try {
                    NetworkNamespace.call(namespace, () -> {
                        load.loop(attempt, pause);
                        return null;
                    });
                } catch (Exception e) {
                    load.done.add(new Request(System.nanoTime(), System.nanoTime(), false, "", "worker died: " + e));
                }
            }));
        }
        return load;
    }

    private void loop(Attempt attempt, Duration pause) throws InterruptedException {
        while (running.get()) {
            long start = System.nanoTime();
            try {
                String server = attempt.run();
                done.add(new Request(start, System.nanoTime(), true, server, ""));
            } catch (Refused e) {
                done.add(new Request(start, System.nanoTime(), false, "", e.getMessage()));
            } catch (IOException | RuntimeException e) {
                done.add(new Request(start, System.nanoTime(), false, "", e.getClass().getSimpleName() + ": " + e.getMessage()));
            }
            Thread.sleep(pause);
        }
    }

    /** Every request finished so far, in completion order. */
    public List<Request> requests() {
        return List.copyOf(done);
    }

    /** Requests that started at or after {@code fromNanos}. */
    public List<Request> since(long fromNanos) {
        return done.stream().filter(r -> r.startNanos() >= fromNanos).toList();
    }

    /** Successful requests per answering server. */
    public static Map<String, Long> byServer(List<Request> requests) {
        Map<String, Long> m = new TreeMap<>();
        for (Request r : requests) if (r.ok()) m.merge(r.server(), 1L, Long::sum);
        return m;
    }

    /** Failed requests per error text. */
    static Map<String, Long> errors(List<Request> requests) {
        Map<String, Long> m = new TreeMap<>();
        for (Request r : requests) if (!r.ok()) m.merge(r.error(), 1L, Long::sum);
        return m;
    }

    /** Stops the workers and waits for their last request. */
    public void stop() {
        running.set(false);
        for (Thread t : workers) {
            try {
                t.join(longestRequest.plusSeconds(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    /**
     * Opens {@code n} connections to the VIP one after another, asks once on each (keep-alive) and leaves
     * them open, so the balancer counts them as active while the next one is scheduled.
     */
    public static HeldConnections hold(String namespace, InetSocketAddress vip, int n) throws Exception {
        return NetworkNamespace.call(namespace, () -> {
            HeldConnections held = new HeldConnections();
            try {
                for (int i = 0; i < n; i++) {
                    SSLSocket s = HttpsRequest.open(vip, CONNECT_TIMEOUT, READ_TIMEOUT);
                    held.sockets.add(s);
                    held.servers.add(HttpsRequest.get(s, PATH, true).server());
                }
                return held;
            } catch (IOException | RuntimeException e) {
                held.close();
                throw e;
            }
        });
    }

    /** Open client connections and the server that answered on each. */
    public static final class HeldConnections implements AutoCloseable {
        private final List<SSLSocket> sockets = new ArrayList<>();
        private final List<String> servers = new ArrayList<>();

        public List<String> servers() {
            return List.copyOf(servers);
        }

        @Override
        public void close() {
            for (SSLSocket s : sockets) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }
    }
}
