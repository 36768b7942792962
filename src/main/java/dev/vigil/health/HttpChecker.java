package dev.vigil.health;

import dev.vigil.config.Checker;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code HTTP_GET} and {@code SSL_GET}: every {@code url} must answer a status in its {@code status_code}
 * ranges (default 200-299), with the MD5 of the body equal to {@code digest} and the body matching
 * {@code regex} when given. Host header: the url's, checker's, real server's or virtual server's
 * {@code virtualhost}, else the address. SSL_GET sends SNI only with {@code enable_sni} ({@code sni_name},
 * else the virtualhost) and, as keepalived, does not verify the certificate unless Vigil's {@code ca_file}
 * is set.
 */
final class HttpChecker implements HealthCheck {

    private final Checker.HttpCheck config;
    private final InetSocketAddress target;
    private final Optional<String> outerVirtualhost;
    private final Duration timeout;

    HttpChecker(Checker.HttpCheck config, InetSocketAddress target, Optional<String> outerVirtualhost,
                Duration timeout) {
        this.config = config;
        this.target = target;
        this.outerVirtualhost = outerVirtualhost;
        this.timeout = timeout;
    }

    @Override
    public CheckResult check() {
        long t0 = System.nanoTime();
        if (config.urls().isEmpty()) return CheckResult.fail("no url configured", TcpChecker.since(t0));
        for (Checker.Url url : config.urls()) {
            Optional<String> failure = checkUrl(url);
            if (failure.isPresent()) return CheckResult.fail(failure.get(), TcpChecker.since(t0));
        }
        return CheckResult.pass(TcpChecker.since(t0));
    }

    private Optional<String> checkUrl(Checker.Url url) {
        Optional<String> vhost = url.virtualhost().or(config::virtualhost).or(() -> outerVirtualhost);
        int defaultPort = config.tls() ? 443 : 80;
        String host = vhost.orElseGet(() -> HealthCheck.endpoint(target).replaceFirst(":\\d+$", ""))
                + (target.getPort() == defaultPort ? "" : ":" + target.getPort());
        var conn = config.connection();
        try (CheckConnection c = CheckConnection.open(target, conn.bindTo(), conn.bindPort(), timeout)) {
            if (config.tls()) {
                SSLContext ctx = config.caFile().isPresent() ? TlsTrust.verifiedBy(config.caFile().get())
                        : TlsTrust.unverified();
                Optional<String> sni = config.enableSni() ? config.sniName().or(() -> vhost) : Optional.empty();
                c.startTls(ctx, sni);
            }
            HttpProbe.Answer a = HttpProbe.get(c, HttpProbe.request(url.path(), host, config.httpProtocol(),
                    "KeepAliveClient"));
            if (!url.accepts(a.status())) return Optional.of(url.path() + ": HTTP " + a.status());
            if (url.digest().isPresent() && !url.digest().get().equalsIgnoreCase(a.md5())) {
                return Optional.of(url.path() + ": digest " + a.md5() + " differs from " + url.digest().get());
            }
            if (url.regex().isPresent()) {
                boolean found = Pattern.compile(url.regex().get()).matcher(a.bodyHead()).find();
                if (found == url.regexNoMatch()) {
                    return Optional.of(url.path() + ": regex " + (found ? "matched" : "did not match"));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(url.path() + ": " + HealthCheck.describe(e, target));
        } catch (RuntimeException e) {
            return Optional.of(url.path() + ": " + e);
        }
    }

    @Override
    public Duration hardTimeout() {
        return timeout.multipliedBy(Math.max(1, config.urls().size())).plusSeconds(2);
    }

    @Override
    public String kind() {
        return config.tls() ? "SSL_GET" : "HTTP_GET";
    }
}
