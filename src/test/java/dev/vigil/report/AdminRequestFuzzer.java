package dev.vigil.report;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Jazzer target (scripts/fuzz admin): what the admin endpoint reads from a client. The first byte picks the
 * reader, the rest is its input: the {@code Host} header ({@link AdminHosts}), the {@code Authorization}
 * header ({@link BearerToken}), a drain or enable body ({@link DrainBody}), an address alone
 * ({@link ServerAddress#parse}) or the {@code Accept} header of a scrape ({@link VigilMetrics}). None may
 * throw, except ServerAddress.parse with its own refusal; what they accept must hold up (a drain request
 * written back as JSON reads as the same request, an address prints as text that parses to itself).
 */
public final class AdminRequestFuzzer {
    private static final String TOKEN = "fuzzing-token-0123456789";
    private static final BearerToken BEARER = new BearerToken(TOKEN);
    private static final List<InetAddress> LOCALS = List.of(InetAddress.ofLiteral("127.0.0.1"),
            InetAddress.ofLiteral("::1"), InetAddress.ofLiteral("10.0.0.5"), InetAddress.ofLiteral("fe80::5"));
    private static final List<AdminHosts> HOSTS = List.of(
            new AdminHosts(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9180), List.of()),
            new AdminHosts(new InetSocketAddress(named("lb1.example.", "10.0.0.5"), 9180), List.of("LB1", "vigil.example.")),
            new AdminHosts(new InetSocketAddress(InetAddress.ofLiteral("fe80::5"), 9180), List.of("lb1")));
    private static final VigilMetrics METRICS = new VigilMetrics(() -> {
        throw new IllegalStateException("the target never scrapes");
    });

    private AdminRequestFuzzer() {}

    /**
     * Called by Jazzer before the first input: Jackson's first read loads (and Jazzer instruments) hundreds
     * of classes, seconds that would otherwise count against that input's timeout.
     */
    public static void fuzzerInitialize() {
        DrainBody.parse("{\"real_server\":\"10.0.0.11:443\"}".getBytes(StandardCharsets.UTF_8));
    }

    public static void fuzzerTestOneInput(byte[] data) {
        if (data.length == 0) return;
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        // header values reach the handler as the JDK server decodes them: one char per byte
        String header = new String(input, StandardCharsets.ISO_8859_1);
        switch ((data[0] & 0xff) % 5) {
            case 0 -> {
                for (AdminHosts hosts : HOSTS) for (InetAddress local : LOCALS) hosts.allows(header, local);
            }
            case 1 -> {
                if (BEARER.matches(header) && !header.contains(TOKEN)) throw new AssertionError("accepted " + header);
            }
            case 2 -> drainBody(input);
            case 3 -> address(new String(input, StandardCharsets.UTF_8));
            default -> METRICS.writerFor(header).getContentType();
        }
    }

    private static void drainBody(byte[] body) {
        switch (DrainBody.parse(body)) {
            case DrainBody.Refused r -> {
                if ((r.status() != 400 && r.status() != 413) || r.message().isEmpty()) throw new AssertionError(r.toString());
            }
            case DrainBody.Request r -> {
                var out = Json.object();
                out.put("real_server", r.realServer().toString());
                r.virtualServer().ifPresent(vs -> out.put("virtual_server", vs.toString()));
                DrainBody again = DrainBody.parse(out.toString().getBytes(StandardCharsets.UTF_8));
                if (!again.equals(r)) throw new AssertionError(r + " written back reads as " + again);
            }
        }
    }

    private static void address(String text) {
        ServerAddress a;
        try {
            a = ServerAddress.parse(text);
        } catch (IllegalArgumentException e) {
            // its documented refusal, thrown by parse itself with a message for the user; a NumberFormatException
            // or an exception from deeper down would be a finding
            StackTraceElement top = e.getStackTrace()[0];
            boolean own = e.getClass() == IllegalArgumentException.class && e.getMessage() != null
                    && top.getClassName().equals(ServerAddress.class.getName()) && top.getMethodName().equals("parse");
            if (!own) throw new AssertionError("not ServerAddress.parse's refusal", e);
            return;
        }
        if (!ServerAddress.parse(a.toString()).equals(a)) throw new AssertionError(a + " does not parse to itself");
        if (a.port() < 1 || a.port() > 65535) throw new AssertionError("port " + a.port());
    }

    private static InetAddress named(String name, String literal) {
        try {
            return InetAddress.getByAddress(name, InetAddress.ofLiteral(literal).getAddress());
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
