package dev.vigil.health;

import dev.vigil.config.Checker;
import dev.vigil.config.Checker.ExchangeCheck.Policy;
import dev.vigil.config.Checker.ExchangeService;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Vigil's {@code EXCHANGE_CHECK}: for each service, {@code GET https://HOST/<vdir>/healthcheck.htm} (SNI and
 * Host header = the {@code host} option, else the address with no SNI) up to {@code attempts} times; the
 * service passes the round at the first 200, as the seed article's script does. Services are asked in
 * parallel. The policy decides the verdict: ALL services, ANY one, or the LIST of required ones. When the
 * verdict is a failure and every one of several services answered 503, the server is in maintenance (its
 * components set inactive), not crashed; a single checked service answering 503 is that service down.
 */
final class ExchangeChecker implements HealthCheck {

    private static final Pattern HEALTHY_BODY = Pattern.compile("200 OK<br/>(\\S+)");

    private final Checker.ExchangeCheck config;
    private final InetSocketAddress target;
    private final Duration timeout;

    ExchangeChecker(Checker.ExchangeCheck config, InetSocketAddress target, Duration timeout) {
        this.config = config;
        this.target = target;
        this.timeout = timeout;
    }

    @Override
    public CheckResult check() throws InterruptedException {
        long t0 = System.nanoTime();
        Map<ExchangeService, ServiceStatus> statuses = new EnumMap<>(ExchangeService.class);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<ExchangeService, Future<ServiceStatus>> asked = new EnumMap<>(ExchangeService.class);
            for (ExchangeService s : config.services()) asked.put(s, threads.submit(() -> ask(s)));
            for (var e : asked.entrySet()) {
                try {
                    statuses.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    Throwable cause = Objects.requireNonNullElse(ex.getCause(), ex);
                    String why = cause.getMessage() != null ? cause.getMessage() : cause.toString();
                    statuses.put(e.getKey(), new ServiceStatus(e.getKey(), false, 0, 0, 0, why));
                }
            }
        }
        List<ExchangeService> mustPass = switch (config.policy()) {
            case ALL, ANY -> config.services();
            case LIST -> config.required().isEmpty() ? config.services() : config.required();
        };
        boolean ok = config.policy() == Policy.ANY
                ? mustPass.stream().anyMatch(s -> up(statuses, s))
                : mustPass.stream().allMatch(s -> up(statuses, s));
        List<String> failing = new ArrayList<>();
        for (ServiceStatus s : statuses.values()) if (!s.up()) failing.add(s.service().keyword() + ": " + s.detail());
        String reason = failing.isEmpty() ? "ok" : String.join("; ", failing);
        // One protocol's 503 is that protocol failing; all of several at once is the server set inactive.
        boolean maintenance = !ok && statuses.size() > 1 && statuses.values().stream().allMatch(ServiceStatus::unavailable);
        if (maintenance) reason = "maintenance: every service answers HTTP 503";
        return new CheckResult(ok, reason, OptionalInt.empty(), maintenance, statuses, TcpChecker.since(t0));
    }

    private static boolean up(Map<ExchangeService, ServiceStatus> statuses, ExchangeService s) {
        ServiceStatus st = statuses.get(s);
        return st != null && st.up();
    }

    private ServiceStatus ask(ExchangeService service) throws IOException {
        int attempts = Math.max(1, config.attempts());
        int lastStatus = 0;
        String detail = "not asked";
        String host = config.host().orElseGet(() -> HealthCheck.endpoint(target).replaceFirst(":\\d+$", ""));
        String hostHeader = host + (target.getPort() == 443 ? "" : ":" + target.getPort());
        SSLContext ctx = config.caFile().isPresent() ? TlsTrust.verifiedBy(config.caFile().get()) : TlsTrust.unverified();
        for (int i = 1; i <= attempts; i++) {
            if (Thread.currentThread().isInterrupted()) break;
            var conn = config.connection();
            try (CheckConnection c = CheckConnection.open(target, conn.bindTo(), conn.bindPort(), timeout)) {
                c.startTls(ctx, config.host());
                HttpProbe.Answer a = HttpProbe.get(c, HttpProbe.request(service.healthPath(), hostHeader, "1.1",
                        "Vigil-ExchangeCheck"));
                lastStatus = a.status();
                if (a.status() == 200) {
                    Matcher m = HEALTHY_BODY.matcher(a.bodyHead());
                    String who = m.find() ? " from " + m.group(1) : "";
                    return new ServiceStatus(service, true, 1, i, 200, "HTTP 200" + who);
                }
                detail = "HTTP " + a.status();
            } catch (IOException e) {
                lastStatus = 0;
                detail = HealthCheck.describe(e, target);
            }
        }
        String tries = attempts > 1 ? " (" + attempts + " tries)" : "";
        return new ServiceStatus(service, false, 0, attempts, lastStatus, detail + tries);
    }

    @Override
    public Duration hardTimeout() {
        return timeout.multipliedBy(Math.max(1, config.attempts())).plusSeconds(2);
    }

    @Override
    public String kind() {
        return "EXCHANGE_CHECK";
    }
}
