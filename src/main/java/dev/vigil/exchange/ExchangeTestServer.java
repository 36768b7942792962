package dev.vigil.exchange;

import dev.vigil.config.Checker.ExchangeService;
import org.jspecify.annotations.Nullable;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for one Exchange server's HTTPS front end, faithful where a balancer's checks look:
 * {@code /<vdir>/healthcheck.htm} answers {@code 200 OK<br/>FQDN} (HTTP/1.1, text/html, Content-Length,
 * as IIS does) for each of the eight protocols, and a bare {@code GET /rpc/healthcheck.htm} line with no
 * version gets the body alone and a close, as IIS answers an HTTP/0.9-style request, so the seed
 * article's {@code openssl s_client | grep "200 OK"} works. Any other path is the "application": 200
 * with the server's FQDN as the body, so a client behind the balancer sees which server answered.
 * {@code GET /vigil-test/stream?seed=N&chunks=M&pace=MS} is a long-lived download, as Outlook's MAPI
 * notification requests hold a connection: M chunks of 4 KiB of {@code new java.util.Random(N)}, one every
 * MS milliseconds, with the whole length announced, so a client behind a failover can check every byte.
 *
 * <p>Each service has a {@link Mode}. {@link Mode#TLS_FAILURE}, {@link Mode#REFUSE} and a server-wide
 * {@link Mode#DROP} act on the connection, before any request is read, so they take effect when every
 * service is in that mode ({@link #setAll}); set for a single service they drop that service's requests
 * unanswered, since the server cannot know the path before the request arrives.
 *
 * <p>Standalone: {@code java -cp vigil.jar dev.vigil.exchange.ExchangeTestServer --bind ADDR:PORT --fqdn NAME
 * [--control ADDR:PORT]}. Commands, one per line on stdin or on the control port (answer {@code ok ...} or
 * {@code error ...}): {@code set SERVICE|all MODE}, {@code slow MILLIS}, {@code status}, {@code quit}.
 * SERVICE is a Vigil keyword (rpc mapi owa ecp ews oab eas autodiscover); MODE a {@link Mode} name in any case.
 */
public final class ExchangeTestServer implements AutoCloseable {

    /** How one service (or, set for all, the whole server) behaves. */
    public enum Mode {
        /** 200 {@code 200 OK<br/>FQDN}. */
        HEALTHY,
        /** 503, as Managed Availability answers for a failed protocol or a server in maintenance. */
        UNHEALTHY,
        /** Healthy, but only after {@link #setSlowDelay the slow delay}. */
        SLOW,
        /** The TLS handshake fails (a fatal handshake_failure alert). */
        TLS_FAILURE,
        /** The listener is closed (the port stays held): connection refused. */
        REFUSE,
        /** The connection is accepted, then closed without an answer. */
        DROP
    }

    /** The long-lived download ({@link #stream}): chunks of {@value #STREAM_CHUNK} bytes. */
    public static final String STREAM_PATH = "/vigil-test/stream";
    public static final int STREAM_CHUNK = 4096;
    private static final long MAX_STREAM_CHUNKS = 1_000_000;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ROOT);
    private static final byte[] HANDSHAKE_FAILURE = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    private static final String UNAVAILABLE_BODY = "<html><head><title>Service Unavailable</title></head><body>"
            + "<h2>Service Unavailable</h2><p>HTTP Error 503. The service is unavailable.</p></body></html>";

    private final InetSocketAddress address;
    private final String fqdn;
    private final SelfSignedCertificate certificate;
    private final SSLContext tls;
    // every service has its entry in these three from the constructor on
    private final Map<ExchangeService, Mode> modes = new EnumMap<>(ExchangeService.class);
    private final Map<ExchangeService, AtomicLong> healthRequests = new ConcurrentHashMap<>();
    private final Map<ExchangeService, java.util.concurrent.atomic.AtomicInteger> failNext = new ConcurrentHashMap<>();
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile Duration slowDelay = Duration.ofSeconds(10);
    /**
     * Bound from start to close and never listening, so that the port stays this server's while
     * {@link Mode#REFUSE} has the listener closed: a socket that is only bound refuses connections, and
     * neither {@code bind(0)} elsewhere nor a bind without SO_REUSEADDR takes its port. The listener binds
     * beside it (both SO_REUSEADDR).
     */
    private final Socket portHold;
    private @Nullable ServerSocket listener;
    private @Nullable Thread acceptor;
    private boolean closed;

    private ExchangeTestServer(Socket portHold, InetSocketAddress address, String fqdn, SelfSignedCertificate certificate) {
        this.portHold = portHold;
        this.address = address;
        this.fqdn = fqdn;
        this.certificate = certificate;
        this.tls = certificate.serverContext();
        for (ExchangeService s : ExchangeService.values()) {
            modes.put(s, Mode.HEALTHY);
            healthRequests.put(s, new AtomicLong());
            failNext.put(s, new java.util.concurrent.atomic.AtomicInteger());
        }
    }

    /** Starts listening on {@code bind} (port 0 picks one; see {@link #address()}). */
    public static ExchangeTestServer start(InetSocketAddress bind, String fqdn) throws IOException {
        Socket hold = new Socket();
        ServerSocket first;
        try {
            hold.setReuseAddress(true);
            hold.bind(bind);
            first = open(new InetSocketAddress(bind.getAddress(), hold.getLocalPort()));
        } catch (IOException e) {
            hold.close();
            throw e;
        }
        InetSocketAddress actual = new InetSocketAddress(bind.getAddress(), first.getLocalPort());
        var cert = SelfSignedCertificate.create(fqdn, List.of(bind.getAddress()));
        ExchangeTestServer server = new ExchangeTestServer(hold, actual, fqdn, cert);
        synchronized (server) {
            server.listener = first;
            server.acceptOn(first);
        }
        return server;
    }

    public InetSocketAddress address() {
        return address;
    }

    public String fqdn() {
        return fqdn;
    }

    public SelfSignedCertificate certificate() {
        return certificate;
    }

    public void setSlowDelay(Duration delay) {
        this.slowDelay = delay;
    }

    public synchronized Mode mode(ExchangeService service) {
        return Objects.requireNonNull(modes.get(service));
    }

    public synchronized void setService(ExchangeService service, Mode mode) {
        modes.put(service, mode);
        applyListener();
    }

    /** Every service to {@code mode}: {@code UNHEALTHY} is how a server in maintenance answers. */
    public synchronized void setAll(Mode mode) {
        for (ExchangeService s : ExchangeService.values()) modes.put(s, mode);
        applyListener();
    }

    /**
     * The next {@code count} health requests for {@code service} answer 503 whatever its mode, as a busy
     * server that misses some checks (the seed article's reason to ask three times).
     */
    public void failNext(ExchangeService service, int count) {
        Objects.requireNonNull(failNext.get(service)).set(count);
    }

    /** How many {@code healthcheck.htm} requests for {@code service} arrived. */
    public long healthRequests(ExchangeService service) {
        return Objects.requireNonNull(healthRequests.get(service)).get();
    }

    /** Server-side connections still open. */
    public int openConnections() {
        return connections.size();
    }

    private synchronized Optional<Mode> serverWideMode() {
        Mode first = Objects.requireNonNull(modes.get(ExchangeService.RPC));
        for (Mode m : modes.values()) if (m != first) return Optional.empty();
        return Optional.of(first);
    }

    private void applyListener() {
        if (closed) return;
        boolean refuse = serverWideMode().orElse(null) == Mode.REFUSE;
        try {
            if (refuse && listener != null) {
                closeListener();
            } else if (!refuse && listener == null) {
                listener = open(address);
                acceptOn(listener);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot reopen " + address + ": " + e.getMessage(), e);
        }
    }

    private static ServerSocket open(InetSocketAddress bind) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(bind, 128);
        return s;
    }

    /** Closes the listener and waits for its accept loop to end, so the port refuses at once. */
    private void closeListener() throws IOException {
        Objects.requireNonNull(listener).close();
        listener = null;
        try {
            if (acceptor != null) acceptor.join(Duration.ofSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptOn(ServerSocket socket) {
        acceptor = Thread.ofVirtual().name("exchange-accept-" + fqdn).start(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    connections.add(c);
                    Thread.ofVirtual().name("exchange-conn").start(() -> serve(c));
                } catch (IOException e) {
                    if (socket.isClosed()) return;
                }
            }
        });
    }

    private void serve(Socket raw) {
        try (raw) {
            raw.setSoTimeout(30_000);
            Mode wide = serverWideMode().orElse(null);
            if (wide == Mode.DROP) return;
            if (wide == Mode.TLS_FAILURE) {
                raw.setSoTimeout(2_000);
                raw.getInputStream().read(new byte[512]);
                raw.getOutputStream().write(HANDSHAKE_FAILURE);
                raw.getOutputStream().flush();
                return;
            }
            SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
            try (s) {
                s.setUseClientMode(false);
                s.startHandshake();
                exchange(s);
            }
        } catch (IOException | InterruptedException e) {
            // client went away or sent garbage: nothing to answer
        } finally {
            connections.remove(raw);
        }
    }

    private void exchange(SSLSocket s) throws IOException, InterruptedException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        boolean keepAlive = true;
        while (keepAlive) {
            String requestLine = readLine(in);
            if (requestLine == null || requestLine.isEmpty()) return;
            String[] parts = requestLine.trim().split("\\s+");
            boolean bare = parts.length < 3;
            keepAlive = false;
            if (!bare) {
                boolean http11 = parts[2].equalsIgnoreCase("HTTP/1.1");
                keepAlive = http11;
                for (String h; (h = readLine(in)) != null && !h.isEmpty(); ) {
                    String lower = h.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("connection:")) {
                        keepAlive = lower.contains("keep-alive") || (http11 && !lower.contains("close"));
                    }
                }
            }
            if (!answer(parts, bare, out)) return;
            out.flush();
        }
    }

    /** Writes the answer; false means the connection is to be dropped unanswered. */
    private boolean answer(String[] parts, boolean bare, OutputStream out) throws IOException, InterruptedException {
        String method = parts[0];
        String path = parts.length > 1 ? parts[1] : "/";
        int q = path.indexOf('?');
        String query = q >= 0 ? path.substring(q + 1) : "";
        if (q >= 0) path = path.substring(0, q);
        if (method.equals("GET") && !bare && path.equals(STREAM_PATH)) return stream(query, out);
        Optional<ExchangeService> service = serviceFor(path);
        if (!method.equals("GET") && !method.equals("HEAD")) {
            write(out, bare, 405, "Method Not Allowed", "text/html", "", false);
            return true;
        }
        if (service.isEmpty()) {
            write(out, bare, 200, "OK", "text/html", fqdn, method.equals("HEAD"));
            return true;
        }
        Objects.requireNonNull(healthRequests.get(service.get())).incrementAndGet();
        Mode mode = Objects.requireNonNull(failNext.get(service.get())).getAndUpdate(n -> Math.max(0, n - 1)) > 0
                ? Mode.UNHEALTHY : mode(service.get());
        switch (mode) {
            case SLOW -> Thread.sleep(slowDelay);
            case UNHEALTHY -> {
                write(out, bare, 503, "Service Unavailable", "text/html", UNAVAILABLE_BODY, method.equals("HEAD"));
                return true;
            }
            case DROP, TLS_FAILURE, REFUSE -> {
                return false;
            }
            case HEALTHY -> { }
        }
        write(out, bare, 200, "OK", "text/html", "200 OK<br/>" + fqdn, method.equals("HEAD"));
        return true;
    }

    /** The long-lived download; a malformed query gets a 400. */
    private boolean stream(String query, OutputStream out) throws IOException, InterruptedException {
        Map<String, Long> p = new java.util.HashMap<>();
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) continue;
            try {
                p.put(pair.substring(0, eq), Long.parseLong(pair.substring(eq + 1)));
            } catch (NumberFormatException e) {
                // left out: answered as missing
            }
        }
        Long seed = p.get("seed"), chunks = p.get("chunks"), pace = p.getOrDefault("pace", 50L);
        if (seed == null || chunks == null || chunks < 0 || chunks > MAX_STREAM_CHUNKS || pace < 0 || pace > 60_000) {
            write(out, false, 400, "Bad Request", "text/html", "seed, chunks (at most " + MAX_STREAM_CHUNKS
                    + ") and pace (ms) are needed", false);
            return false;
        }
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nServer: Microsoft-IIS/10.0\r\n"
                + "Content-Length: " + chunks * STREAM_CHUNK + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        java.util.Random random = new java.util.Random(seed);
        byte[] chunk = new byte[STREAM_CHUNK];
        for (long i = 0; i < chunks; i++) {
            random.nextBytes(chunk);
            out.write(chunk);
            out.flush();
            if (pace > 0) Thread.sleep(pace);
        }
        return false; // one download per connection
    }

    private static Optional<ExchangeService> serviceFor(String path) {
        for (ExchangeService s : ExchangeService.values()) {
            if (s.healthPath().equalsIgnoreCase(path)) return Optional.of(s);
        }
        return Optional.empty();
    }

    private void write(OutputStream out, boolean bare, int status, String reason, String type, String body,
                       boolean head) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (bare) {
            // An HTTP/0.9-style request gets the entity alone, and the connection ends with it.
            out.write(bytes);
            return;
        }
        String shortName = fqdn.contains(".") ? fqdn.substring(0, fqdn.indexOf('.')) : fqdn;
        String headers = "HTTP/1.1 " + status + " " + reason + "\r\n"
                + "Content-Type: " + type + "\r\n"
                + "Server: Microsoft-IIS/10.0\r\n"
                + "X-FEServer: " + shortName.toUpperCase(Locale.ROOT) + "\r\n"
                + "X-Powered-By: ASP.NET\r\n"
                + "Date: " + HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC)) + "\r\n"
                + "Content-Length: " + bytes.length + "\r\n\r\n";
        out.write(headers.getBytes(StandardCharsets.US_ASCII));
        if (!head) out.write(bytes);
    }

    /** A line ending in LF (CR stripped); null at end of stream. Bounded to keep garbage from growing it. */
    private static @Nullable String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') break;
            if (line.size() > 8192) throw new IOException("request line too long");
            line.write(b);
        }
        if (b < 0 && line.size() == 0) return null;
        String s = line.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Closes the listener and every open connection. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            if (listener != null) {
                try {
                    closeListener();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                portHold.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        for (Socket s : List.copyOf(connections)) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    /** One control command; the answer line. */
    public String command(String line) {
        String[] w = line.trim().split("\\s+", -1);
        try {
            return switch (w[0].toLowerCase(Locale.ROOT)) {
                case "set" -> {
                    if (w.length != 3) yield "error usage: set SERVICE|all MODE";
                    Mode mode = Mode.valueOf(w[2].toUpperCase(Locale.ROOT));
                    if (w[1].equalsIgnoreCase("all")) {
                        setAll(mode);
                    } else {
                        ExchangeService s = ExchangeService.fromKeyword(w[1]).orElseThrow(
                                () -> new IllegalArgumentException("unknown service " + w[1]));
                        setService(s, mode);
                    }
                    yield "ok " + status();
                }
                case "slow" -> {
                    setSlowDelay(Duration.ofMillis(Long.parseLong(w[1])));
                    yield "ok slow " + w[1];
                }
                case "status" -> "ok " + status();
                case "quit" -> "ok bye";
                default -> "error unknown command " + w[0] + " (set, slow, status, quit)";
            };
        } catch (RuntimeException e) {
            return "error " + e.getMessage();
        }
    }

    private synchronized String status() {
        StringBuilder b = new StringBuilder();
        for (var e : modes.entrySet()) {
            b.append(e.getKey().keyword()).append('=').append(e.getValue().name().toLowerCase(Locale.ROOT)).append(' ');
        }
        return b.toString().trim();
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress bind = null;
        InetSocketAddress control = null;
        String fqdn = null;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--bind" -> bind = parse(args[i + 1]);
                case "--fqdn" -> fqdn = args[i + 1];
                case "--control" -> control = parse(args[i + 1]);
                default -> { }
            }
        }
        if (bind == null || fqdn == null) {
            System.err.println("usage: ExchangeTestServer --bind ADDR:PORT --fqdn NAME [--control ADDR:PORT]");
            System.exit(2);
            return;
        }
        ExchangeTestServer server = start(bind, fqdn);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        if (control != null) {
            ServerSocket cs = open(control);
            Thread.ofVirtual().start(() -> {
                while (true) {
                    try (Socket c = cs.accept();
                         var r = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                         var w = new PrintWriter(c.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        for (String l; (l = r.readLine()) != null; ) {
                            if (l.isBlank()) continue;
                            w.println(server.command(l));
                            if (l.trim().equalsIgnoreCase("quit")) System.exit(0);
                        }
                    } catch (IOException e) {
                        // next control client
                    }
                }
            });
        }
        PrintStream out = System.out;
        out.println("listening " + server.address().getAddress().getHostAddress() + ":" + server.address().getPort()
                + " fqdn " + fqdn);
        out.flush();
        var stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String l; (l = stdin.readLine()) != null; ) {
            if (l.isBlank()) continue;
            out.println(server.command(l));
            out.flush();
            if (l.trim().equalsIgnoreCase("quit")) {
                server.close();
                System.exit(0);
            }
        }
        // stdin closed (e.g. started in the background): keep serving until killed
        Thread.currentThread().join();
    }

    private static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
        try {
            return new InetSocketAddress(InetAddress.getByName(host), Integer.parseInt(hostPort.substring(colon + 1)));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bad address " + hostPort);
        }
    }

}
