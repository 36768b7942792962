package dev.vigil.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.config.GlobalDefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The admin endpoint: status JSON, Prometheus metrics, the dashboard, and token-guarded drain, enable and
 * reload. Plain JDK HTTP server, one virtual thread per request; binds only where it is told to. Every
 * error is a short JSON object, never a stack trace. What a client may hold is bounded
 * ({@link AdminHttpLimits}); a request naming a foreign host is refused ({@link AdminHosts}); token
 * guessing is slowed per source ({@link AuthLockout}). HEAD is answered wherever GET is.
 */
public final class AdminServer implements AutoCloseable {

    public static final int DEFAULT_PORT = GlobalDefs.DEFAULT_ADMIN_PORT;
    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final String JSON = "application/json; charset=utf-8";
    private static final String NO_TOKEN = "state-changing calls are disabled because no token is configured: "
            + "set vigil_admin_token in global_defs and send it as 'Authorization: Bearer TOKEN'";
    private static final Map<String, String[]> ASSETS = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
            "/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"},
            "/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"});

    private final HttpServer server;
    private final ExecutorService executor;
    private final Optional<BearerToken> token;
    private final Supplier<StatusSnapshot> status;
    private final AdminActions actions;
    private final VigilMetrics metrics;
    private final Clock clock;
    private final AdminHosts hosts;
    private final AuthLockout lockout = new AuthLockout(System::nanoTime);
    private final AtomicLong badRequests = new AtomicLong();
    private final AtomicLong foreignHosts = new AtomicLong();

    private AdminServer(HttpServer server, ExecutorService executor, Optional<String> token, AdminHosts hosts,
                        Supplier<StatusSnapshot> status, AdminActions actions, VigilMetrics metrics, Clock clock) {
        this.server = server;
        this.executor = executor;
        this.token = token.filter(t -> !t.isBlank()).map(BearerToken::new);
        this.hosts = hosts;
        this.status = Objects.requireNonNull(status, "status");
        this.actions = Objects.requireNonNull(actions, "actions");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = clock;
    }

    /** {@code 127.0.0.1:9180}: loopback unless configured otherwise. */
    public static InetSocketAddress defaultAddress() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
    }

    /** The command line's {@code --admin} wins over {@code vigil_admin}, which wins over the default. */
    public static InetSocketAddress bindAddress(Optional<InetSocketAddress> commandLine, GlobalDefs globals) {
        return commandLine.or(globals::adminAddress).orElseGet(AdminServer::defaultAddress);
    }

    /**
     * Parses {@code HOST:PORT} as {@code --admin} takes it: an IPv4 literal, {@code [IPv6]} or a host name
     * (resolved now). An empty host is refused rather than read as "every address".
     *
     * @throws IllegalArgumentException with a message fit for the user
     */
    public static InetSocketAddress parseAddress(String hostPort) {
        if (hostPort == null || hostPort.isBlank()) throw new IllegalArgumentException("empty admin address; expected HOST:PORT");
        String s = hostPort.strip();
        int colon = s.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("'" + hostPort + "' is not HOST:PORT");
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        else if (host.indexOf(':') >= 0) throw new IllegalArgumentException("write an IPv6 admin address as [ADDR]:PORT");
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + s.substring(colon + 1) + "' is not a port number");
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port " + port + " is out of range");
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host '" + host + "'");
        }
    }

    /**
     * Binds and starts serving. Without a token ({@code vigil_admin_token}) the read-only endpoints work and
     * state-changing calls are refused with 403.
     *
     * @throws IOException if the address cannot be bound (in use, not local)
     */
    public static AdminServer start(InetSocketAddress bind, Optional<String> token, Supplier<StatusSnapshot> status,
                                    AdminActions actions, VigilMetrics metrics) throws IOException {
        return start(bind, token, List.of(), status, actions, metrics, Clock.systemUTC());
    }

    /**
     * Binds and starts serving, accepting {@code hostNames} as Host besides the bound address and loopback names.
     *
     * @param hostNames {@code vigil_admin_host_names}
     */
    public static AdminServer start(InetSocketAddress bind, Optional<String> token, List<String> hostNames,
                                    Supplier<StatusSnapshot> status, AdminActions actions, VigilMetrics metrics,
                                    Clock clock) throws IOException {
        AdminHttpLimits.apply();
        HttpServer http = HttpServer.create(bind, 64);
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("vigil-admin-", 0).factory());
        http.setExecutor(executor);
        AdminServer admin = new AdminServer(http, executor, token, new AdminHosts(bind, hostNames), status, actions,
                metrics, clock);
        http.createContext("/", admin::handle);
        http.start();
        LOG.info("admin endpoint on http://{}/ (status, metrics, dashboard){}", admin.endpoint(),
                admin.token.isPresent() ? "" : "; state-changing calls disabled: no vigil_admin_token");
        return admin;
    }

    /** The bound address (the real port when started on port 0). */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    /** Requests refused as malformed (bad JSON, unknown fields, bad addresses). */
    public long badRequests() {
        return badRequests.get();
    }

    private String endpoint() {
        InetSocketAddress a = address();
        return StatusSnapshot.endpoint(a.getAddress(), a.getPort());
    }

    private void handle(HttpExchange ex) {
        // Closed in finally, not try-with-resources: the catch blocks still answer on this exchange.
        try {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (!hostAllowed(ex)) return;
            switch (path) {
                case "/api/v1/status" -> {
                    if (allow(ex, "GET")) status(ex);
                }
                case "/api/v1/connections" -> {
                    if (allow(ex, "GET") && ready(ex)) connections(ex);
                }
                case "/metrics" -> {
                    if (allow(ex, "GET")) metrics(ex);
                }
                case "/api/v1/real-servers/drain", "/api/v1/real-servers/enable" -> {
                    if (allow(ex, "POST") && authorized(ex) && ready(ex)) drainOrEnable(ex, path.endsWith("/drain"));
                }
                case "/api/v1/reload" -> {
                    if (allow(ex, "POST") && authorized(ex) && ready(ex)) reload(ex);
                }
                default -> {
                    if (ASSETS.containsKey(path)) {
                        if (allow(ex, "GET")) asset(ex, ASSETS.get(path));
                    } else {
                        error(ex, 404, "no such endpoint: " + method + " " + path
                                + " (try GET /api/v1/status, GET /api/v1/connections, GET /metrics or GET /)");
                    }
                }
            }
        } catch (IOException e) {
            LOG.debug("admin client went away: {}", e.toString());
        } catch (RuntimeException e) {
            LOG.warn("admin request {} {} failed: {}", ex.getRequestMethod(), ex.getRequestURI().getPath(), e.toString());
            try {
                error(ex, 500, "internal error: " + e.getMessage());
            } catch (IOException | RuntimeException ignored) {
                // the response may already be under way; nothing more to tell the client
            }
        } finally {
            ex.close();
        }
    }

    /** A Host that names another site is a DNS-rebinding page in a browser: 421, and no data. */
    private boolean hostAllowed(HttpExchange ex) throws IOException {
        String host = ex.getRequestHeaders().getFirst("Host");
        if (hosts.allows(host, ex.getLocalAddress().getAddress())) return true;
        metrics.adminRefused("host");
        long n = foreignHosts.incrementAndGet();
        if (Long.bitCount(n) == 1) {
            LOG.warn("admin request {} {} from {} with Host '{}' refused: this endpoint answers to {} "
                            + "(add names to vigil_admin_host_names; {} refused so far)", ex.getRequestMethod(),
                    ex.getRequestURI().getPath(), ex.getRemoteAddress().getAddress().getHostAddress(), host,
                    hosts.describe(), n);
        }
        error(ex, 421, "this endpoint does not answer to Host '" + host + "' (DNS rebinding guard); "
                + "use its address, localhost, or a name listed in vigil_admin_host_names");
        return false;
    }

    /** GET endpoints answer HEAD too, with the same headers and no body. */
    private boolean allow(HttpExchange ex, String method) throws IOException {
        String asked = ex.getRequestMethod();
        if (asked.equals(method) || (method.equals("GET") && asked.equals("HEAD"))) return true;
        ex.getResponseHeaders().set("Allow", method.equals("GET") ? "GET, HEAD" : method);
        error(ex, 405, asked + " is not allowed on " + ex.getRequestURI().getPath() + "; use " + method);
        return false;
    }

    /** The node answers state-changing calls once all its parts run; before that, 503 and a retry hint. */
    private boolean ready(HttpExchange ex) throws IOException {
        if (actions.ready()) return true;
        ex.getResponseHeaders().set("Retry-After", "1");
        error(ex, 503, "starting: the node is not ready for " + ex.getRequestURI().getPath() + " yet; try again");
        return false;
    }

    private boolean authorized(HttpExchange ex) throws IOException {
        if (token.isEmpty()) {
            error(ex, 403, NO_TOKEN);
            return false;
        }
        InetAddress source = ex.getRemoteAddress().getAddress();
        long wait = lockout.retryAfterSeconds(source);
        if (wait > 0) {
            metrics.adminRefused("lockout");
            ex.getResponseHeaders().set("Retry-After", Long.toString(wait));
            error(ex, 429, "too many wrong tokens from " + source.getHostAddress() + "; try again in " + wait + " s");
            return false;
        }
        if (token.get().matches(ex.getRequestHeaders().getFirst("Authorization"))) {
            lockout.succeeded(source);
            return true;
        }
        lockout.failed(source);
        metrics.adminAuthFailure();
        long n = metrics.adminAuthFailures();
        if (Long.bitCount(n) == 1) {
            LOG.warn("admin request {} {} from {} refused: missing or wrong bearer token ({} refused so far)",
                    ex.getRequestMethod(), ex.getRequestURI().getPath(), ex.getRemoteAddress().getAddress().getHostAddress(), n);
        }
        ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"vigil\"");
        error(ex, 401, "missing or wrong token: send 'Authorization: Bearer TOKEN' with the vigil_admin_token");
        return false;
    }

    private void status(HttpExchange ex) throws IOException {
        StatusSnapshot snapshot;
        try {
            snapshot = status.get();
        } catch (RuntimeException e) {
            error(ex, 503, "status not available: " + e.getMessage());
            return;
        }
        send(ex, 200, JSON, StatusJson.write(snapshot, clock.instant()));
    }

    private void connections(HttpExchange ex) throws IOException {
        send(ex, 200, JSON, ConnectionsJson.write(actions.connections()));
    }

    private void metrics(HttpExchange ex) throws IOException {
        var out = new ByteArrayOutputStream(16 * 1024);
        String type = metrics.scrape(ex.getRequestHeaders().getFirst("Accept"), out);
        send(ex, 200, type, out.toByteArray());
    }

    private void asset(HttpExchange ex, String[] asset) throws IOException {
        try (InputStream in = AdminServer.class.getResourceAsStream("dashboard/" + asset[0])) {
            if (in == null) {
                error(ex, 404, "dashboard asset " + asset[0] + " is missing from this build");
                return;
            }
            ex.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            send(ex, 200, asset[1], in.readAllBytes());
        }
    }

    private void drainOrEnable(HttpExchange ex, boolean drain) throws IOException {
        DrainBody.Request request;
        switch (DrainBody.parse(ex.getRequestBody().readNBytes(DrainBody.MAX_BYTES + 1))) {
            case DrainBody.Refused refused -> {
                badRequests.incrementAndGet();
                error(ex, refused.status(), refused.message());
                return;
            }
            case DrainBody.Request r -> request = r;
        }
        Optional<ServerAddress> vs = request.virtualServer();
        ServerAddress rs = request.realServer();
        boolean matched = drain ? actions.drain(vs, rs) : actions.enable(vs, rs);
        String where = vs.map(a -> "virtual server " + a).orElse("any virtual server");
        if (!matched) {
            error(ex, 404, "no real server " + rs + " in " + where);
            return;
        }
        LOG.info("admin: {} real server {} in {}", drain ? "drained" : "enabled", rs, where);
        ObjectNode out = Json.object();
        out.put("result", drain ? "drained" : "enabled");
        out.put("real_server", rs.toString());
        if (vs.isPresent()) out.put("virtual_server", vs.get().toString());
        else out.putNull("virtual_server");
        sendJson(ex, 200, out);
    }

    private void reload(HttpExchange ex) throws IOException {
        AdminActions.ReloadResult result = actions.reload();
        ObjectNode out = Json.object();
        out.put("applied", result.applied());
        out.put("message", result.message());
        var errors = out.putArray("errors");
        result.errors().forEach(errors::add);
        sendJson(ex, result.applied() ? 200 : 422, out);
    }

    private static void error(HttpExchange ex, int code, String message) throws IOException {
        ObjectNode out = Json.object();
        out.put("error", message);
        out.put("status", code);
        sendJson(ex, code, out);
    }

    private static void sendJson(HttpExchange ex, int code, ObjectNode body) throws IOException {
        byte[] json = Json.bytes(body);
        byte[] line = Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        send(ex, code, JSON, line);
    }

    private static void send(HttpExchange ex, int code, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        if (ex.getRequestMethod().equals("HEAD")) {
            // The JDK sends no body for HEAD, and wants the length set by hand rather than passed.
            ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            ex.sendResponseHeaders(code, -1);
            ex.getResponseBody().close();
            return;
        }
        ex.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
