package dev.vigil.report;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one admin client may hold of the process that also carries the proxied traffic: time to send a
 * request, connections, headers. The JDK's HTTP server (module {@code jdk.httpserver}) takes these only
 * as system properties, read once when the first server of the JVM is created, and without them it
 * waits for a request head forever. So {@link #apply} sets them before {@link AdminServer} creates its
 * server (the only JDK HTTP server in Vigil); a {@code -D} given on the command line wins.
 *
 * <p>The JDK enforces them so: a request (head and body) still incomplete after {@link #REQUEST_TIMEOUT}
 * has its connection closed by a timer of one-second granularity; so has a connection that sent nothing
 * at all within that time, and a keep-alive connection idle for {@link #IDLE_TIMEOUT} (both checked every
 * second, {@code sun.net.httpserver.clockTick}); the handler and the sending of the answer get
 * {@link #RESPONSE_TIMEOUT} (a reload that takes longer still completes; only its answer is lost); a
 * connection accepted while {@link #MAX_CONNECTIONS} are open is closed at once.
 */
final class AdminHttpLimits {

    /** Head and body of one request: HAProxy's customary {@code timeout http-request}. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /** From the complete request to the last byte of the answer; a reload is the slowest handler. */
    static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    /** A keep-alive connection between requests (the JDK's default, stated here to be documented). */
    static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    /** Open connections, active and idle: a dashboard, a scraper and a few operators need a handful. */
    static final int MAX_CONNECTIONS = 64;
    static final int MAX_IDLE_CONNECTIONS = 16;
    /** Header fields per request, and their total size: a browser sends about 20 fields and under 8 KiB. */
    static final int MAX_HEADERS = 64;
    static final int MAX_HEADER_BYTES = 32 * 1024;

    private AdminHttpLimits() {
    }

    /**
     * The properties and values, in the units JDK 25 reads: seconds for the three times (its module
     * documentation says milliseconds, but {@code ServerImpl} multiplies them by 1000), milliseconds for
     * the tick.
     */
    static Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("sun.net.httpserver.maxReqTime", Long.toString(REQUEST_TIMEOUT.toSeconds()));
        p.put("sun.net.httpserver.maxRspTime", Long.toString(RESPONSE_TIMEOUT.toSeconds()));
        p.put("sun.net.httpserver.idleInterval", Long.toString(IDLE_TIMEOUT.toSeconds()));
        p.put("sun.net.httpserver.clockTick", "1000");
        p.put("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        p.put("sun.net.httpserver.maxIdleConnections", Integer.toString(MAX_IDLE_CONNECTIONS));
        p.put("sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_HEADERS));
        p.put("sun.net.httpserver.maxReqHeaderSize", Integer.toString(MAX_HEADER_BYTES));
        return p;
    }

    /** Sets every property not already set; call before the JVM's first HTTP server is created. */
    static synchronized void apply() {
        properties().forEach((name, value) -> {
            if (System.getProperty(name) == null) System.setProperty(name, value);
        });
    }
}
