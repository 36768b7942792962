package dev.vigil.health;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * One check of one real server by one checker: blocking (the monitor runs it on a virtual thread), bounded
 * by its own timeouts, and reporting a server's faults as a failed {@link CheckResult}, never by throwing.
 */
interface HealthCheck {

    CheckResult check() throws InterruptedException;

    /** The longest a check may take before the monitor abandons it (its own timeouts plus a margin). */
    Duration hardTimeout();

    /** The keepalived keyword: TCP_CHECK, HTTP_GET, SSL_GET, SMTP_CHECK, MISC_CHECK, EXCHANGE_CHECK. */
    String kind();

    /** A failure's short text: "connect refused", "timeout", "TLS: ...". */
    static String describe(IOException e, InetSocketAddress target) {
        return switch (e) {
            case ConnectException c -> "connect refused by " + endpoint(target);
            case SocketTimeoutException t -> "timeout talking to " + endpoint(target);
            case NoRouteToHostException n -> "no route to " + endpoint(target);
            case javax.net.ssl.SSLException s -> "TLS: " + s.getMessage();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
    }

    static String endpoint(InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
