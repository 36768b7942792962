package dev.vigil.health;

import dev.vigil.config.Checker;
import dev.vigil.config.RealServer;
import dev.vigil.config.Script;
import dev.vigil.config.VirtualServer;
import dev.vigil.script.ScriptLint;
import dev.vigil.script.ScriptRunner;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Watches every real server of the given virtual servers: each checker runs on its own virtual thread,
 * on keepalived's schedule (warmup, delay_loop, retry/delay_before_retry) decided by the pure
 * {@link RealServerPolicy}; each check is abandoned at its hard timeout. Changes are published to the
 * {@link HealthListener}, logged, and run {@code notify_up}/{@code notify_down} through the
 * {@link ScriptRunner} without waiting. {@link #snapshot()} gives the current state for status pages.
 *
 * <p>Every wait is measured on the monotonic clock, so an NTP step of the wall clock neither stalls nor
 * rushes a checker; the wall clock only stamps the published events.
 */
public final class HealthMonitor implements AutoCloseable {

    /** How long a notify_up/notify_down script may run. */
    public static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final ScriptRunner scripts;
    private final HealthListener listener;
    private final RandomGenerator random;
    private final CheckLatencyObserver latency;
    private final Clock wallClock;
    private final LongSupplier nanoTime;
    private final List<Watch> watches = new ArrayList<>();
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running;

    public HealthMonitor(List<VirtualServer> virtualServers, ScriptRunner scripts, HealthListener listener) {
        this(virtualServers, scripts, listener, RandomGenerator.getDefault(), CheckLatencyObserver.NONE,
                Clock.systemUTC(), System::nanoTime);
    }

    /**
     * @param wallClock stamps the events ({@link RealServerHealth#at()}); decides nothing
     * @param nanoTime  the monotonic clock every schedule is kept on; it must advance with real time, as the
     *                  checker threads sleep for its differences
     */
    public HealthMonitor(List<VirtualServer> virtualServers, ScriptRunner scripts, HealthListener listener,
                         RandomGenerator random, CheckLatencyObserver latency, Clock wallClock, LongSupplier nanoTime) {
        this.scripts = scripts;
        this.listener = listener;
        this.random = random;
        this.latency = latency;
        this.wallClock = wallClock;
        this.nanoTime = nanoTime;
        for (VirtualServer vs : virtualServers) {
            for (RealServer rs : vs.realServers()) watches.add(new Watch(vs, rs));
        }
    }

    /** Publishes every real server's starting state, then starts its checkers. */
    public void start() {
        start(List.of());
    }

    /**
     * As {@link #start()}, but a real server found in {@code previous} (same virtual server key, address and
     * port: the old monitor's {@link #snapshot()} before a reload) starts in its previous state instead of
     * the configured one, so a reload does not flap servers. Only servers still having checkers are seeded.
     */
    public synchronized void start(List<RealServerHealth> previous) {
        if (running) return;
        running = true;
        Instant at = wallClock.instant();
        long now = nanoTime.getAsLong();
        for (Watch w : watches) {
            synchronized (w) {
                if (!w.checks.isEmpty()) {
                    for (RealServerHealth p : previous) {
                        if (p.virtualServer().equals(w.vs.key()) && p.realServer().address().equals(w.rs.address())
                                && p.realServer().port() == w.rs.port()) {
                            // a weight set by misc_dynamic is kept unless the configured weight changed
                            boolean sameWeight = p.realServer().weight() == w.rs.weight();
                            w.policy.seed(p.alive(), p.alive() && sameWeight ? p.weight() : w.rs.weight(),
                                    "carried over a reload: " + p.reason());
                        }
                    }
                }
                w.current = w.event(at, w.policy.verdict());
                publish(w.current);
            }
            for (int i = 0; i < w.checks.size(); i++) {
                int index = i;
                long first = w.policy.checkers().get(i).firstCheck(now, random);
                threads.execute(() -> loop(w, index, first));
            }
        }
    }

    /** The latest health of every real server, in configuration order. */
    public List<RealServerHealth> snapshot() {
        List<RealServerHealth> all = new ArrayList<>();
        for (Watch w : watches) {
            RealServerHealth h = w.current;
            all.add(h != null ? h : w.event(wallClock.instant(), w.policy.verdict()));
        }
        return all;
    }

    private void loop(Watch w, int index, long firstDue) {
        HealthCheck check = w.checks.get(index);
        long due = firstDue;
        try (ExecutorService attempt = Executors.newVirtualThreadPerTaskExecutor()) {
            while (running) {
                long wait = due - nanoTime.getAsLong();
                if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                if (!running) return;
                try {
                    due = checkOnce(w, index, check, attempt);
                } catch (RuntimeException e) {
                    // A bug must not end the watch: say so and try again a delay_loop later.
                    LOG.error("{} {} {}: {}", w.vs.key(), w.rs.endpoint(), check.kind(), e.toString());
                    due = nanoTime.getAsLong() + w.policy.checkers().get(index).timing().delayLoop().toNanos();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long checkOnce(Watch w, int index, HealthCheck check, ExecutorService attempt)
            throws InterruptedException {
        CheckResult result = guarded(check, attempt);
        try {
            latency.observe(w.vs.key(), w.rs, check.kind(), result.latency(), result.ok());
        } catch (RuntimeException e) {
            LOG.debug("latency observer failed: {}", e.toString());
        }
        if (!result.ok()) LOG.debug("{} {} {}: {}", w.vs.key(), w.rs.endpoint(), check.kind(), result.reason());
        synchronized (w) {
            // Published under the real server's lock so that its events arrive in order.
            long due = w.policy.record(index, nanoTime.getAsLong(), result);
            RealServerHealth next = w.event(wallClock.instant(), w.policy.verdict());
            if (differs(w.current, next)) {
                RealServerHealth before = w.current;
                w.current = next;
                notifyScripts(w, before, next);
                publish(next);
            }
            return due;
        }
    }

    private static CheckResult guarded(HealthCheck check, ExecutorService attempt) throws InterruptedException {
        long t0 = System.nanoTime();
        Future<CheckResult> f = attempt.submit(check::check);
        try {
            return f.get(check.hardTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // Interrupting a virtual thread blocked on a socket closes that socket.
            f.cancel(true);
            return CheckResult.fail(check.kind() + " exceeded its hard timeout of " + check.hardTimeout().toMillis()
                    + " ms", Duration.ofNanos(System.nanoTime() - t0));
        } catch (java.util.concurrent.ExecutionException e) {
            return CheckResult.fail(check.kind() + " failed: " + e.getCause(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            f.cancel(true);
            throw e;
        }
    }

    private static boolean differs(@Nullable RealServerHealth a, RealServerHealth b) {
        if (a == null) return true;
        if (a.alive() != b.alive() || a.weight() != b.weight() || a.state() != b.state()) return true;
        for (var e : b.services().entrySet()) {
            ServiceStatus old = a.services().get(e.getKey());
            if (old == null || old.up() != e.getValue().up()) return true;
        }
        return false;
    }

    private void publish(RealServerHealth event) {
        if (event.alive()) {
            LOG.info("{} real server {}: {} weight {}{}", event.virtualServer(), event.endpoint(), event.state(),
                    event.weight(), servicesText(event));
        } else {
            LOG.warn("{} real server {}: {} ({}){}{}", event.virtualServer(), event.endpoint(), event.state(),
                    event.reason(), event.inTable() ? ", kept with weight 0" : ", removed", servicesText(event));
        }
        try {
            listener.onTransition(event);
        } catch (RuntimeException e) {
            LOG.error("health listener failed on {}: {}", event.endpoint(), e.toString());
        }
    }

    private static String servicesText(RealServerHealth e) {
        if (e.services().isEmpty()) return "";
        StringBuilder b = new StringBuilder();
        e.services().values().forEach(s -> b.append(s.service().keyword()).append(s.up() ? "+ " : "- "));
        return " [" + b.toString().trim() + "]";
    }

    private void notifyScripts(Watch w, @Nullable RealServerHealth before, RealServerHealth after) {
        if (before == null || before.alive() == after.alive()) return;
        Optional<Script> script = after.alive() ? w.rs.notifyUp() : w.rs.notifyDown();
        script.ifPresent(s -> scripts.run(s, NOTIFY_TIMEOUT, Map.of("VIGIL_REAL_SERVER", w.rs.endpoint(),
                "VIGIL_VIRTUAL_SERVER", w.vs.key().toString(), "VIGIL_STATE", after.state().name())));
    }

    /**
     * Stops every checker (their sockets close, their scripts are killed by the runner's owner). With
     * {@code omega} on a virtual server, notify_down runs for its alive real servers first, as keepalived does.
     */
    @Override
    public void close() {
        List<CompletableFuture<?>> omega = new ArrayList<>();
        synchronized (this) {
            if (running) {
                for (Watch w : watches) {
                    synchronized (w) {
                        if (w.vs.omega() && w.current != null && w.current.alive() && w.rs.notifyDown().isPresent()) {
                            omega.add(scripts.run(w.rs.notifyDown().get(), NOTIFY_TIMEOUT,
                                    Map.of("VIGIL_REAL_SERVER", w.rs.endpoint(), "VIGIL_STATE", "SHUTDOWN")));
                        }
                    }
                }
            }
            running = false;
        }
        threads.shutdownNow();
        try {
            CompletableFuture.allOf(omega.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            LOG.warn("omega notify_down scripts did not finish: {}", e.toString());
        }
    }

    /** One real server in one virtual server: its checks, its policy, its last published health. */
    private final class Watch {
        final VirtualServer vs;
        final RealServer rs;
        final List<HealthCheck> checks = new ArrayList<>();
        final RealServerPolicy policy;
        /** Written under the watch's lock, read without it by {@link #snapshot()}. */
        volatile @Nullable RealServerHealth current;

        Watch(VirtualServer vs, RealServer rs) {
            this.vs = vs;
            this.rs = rs;
            List<CheckerPolicy> policies = new ArrayList<>();
            for (Checker c : rs.checkers()) {
                CheckerTiming t = CheckerTiming.resolve(c, rs, vs);
                policies.add(new CheckerPolicy(t));
                checks.add(build(c, t));
            }
            this.policy = new RealServerPolicy(rs.weight(), rs.inhibitOnFailure().orElse(vs.inhibitOnFailure()),
                    policies);
        }

        private HealthCheck build(Checker c, CheckerTiming t) {
            InetSocketAddress target = new InetSocketAddress(c.connection().connectIp().orElse(rs.address()),
                    c.connection().connectPort().orElse(rs.port()));
            return switch (c) {
                case Checker.TcpCheck tcp -> new TcpChecker(tcp.connection(), target, t.connectTimeout());
                case Checker.HttpCheck http -> new HttpChecker(http, target, rs.virtualhost().or(vs::virtualhost),
                        t.connectTimeout());
                case Checker.SmtpCheck smtp -> new SmtpChecker(smtp, target, t.connectTimeout());
                case Checker.MiscCheck misc -> {
                    ScriptLint.dashLetTrap(Path.of(misc.script().path()))
                            .ifPresent(w -> LOG.warn("MISC_CHECK of {} ({}): {}", rs.endpoint(), misc.source(), w));
                    yield new MiscChecker(misc, scripts, misc.timeout().orElse(t.delayLoop()));
                }
                case Checker.ExchangeCheck ex -> new ExchangeChecker(ex, target, t.connectTimeout());
            };
        }

        RealServerHealth event(Instant at, RealServerPolicy.Verdict v) {
            return new RealServerHealth(vs.key(), rs, v.alive(), v.weight(), v.inTable(), v.state(), v.reason(),
                    v.services(), at);
        }
    }
}
