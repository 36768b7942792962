package dev.vigil.health;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.Checker.ExchangeCheck.Policy;
import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.config.RealServer;
import dev.vigil.config.VirtualServer;
import dev.vigil.exchange.ExchangeTestServer;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.script.ScriptRunner;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static dev.vigil.health.ConfigFixtures.connectTo;
import static dev.vigil.health.ConfigFixtures.exchange;
import static dev.vigil.health.ConfigFixtures.realServer;
import static dev.vigil.health.ConfigFixtures.timing;
import static dev.vigil.health.ConfigFixtures.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

/** The monitor end to end against the Exchange test server, with short delays. */
@ComponentTest
class HealthMonitorTest {

    private static final InetAddress LO = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;

    private ExchangeTestServer ex;
    private ScriptRunner scripts;
    private HealthMonitor monitor;
    private final BlockingQueue<RealServerHealth> events = new LinkedBlockingQueue<>();
    private final AtomicInteger observed = new AtomicInteger();

    @BeforeEach
    void start() throws Exception {
        ex = ExchangeTestServer.start(new InetSocketAddress(LO, 0), "ex1.test.local");
        scripts = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(200));
    }

    @AfterEach
    void stop() {
        if (monitor != null) monitor.close();
        scripts.close();
        ex.close();
    }

    private static CheckTiming fast(long loopMs, long timeoutMs, int retry) {
        return timing(Duration.ofMillis(timeoutMs), retry, Duration.ofMillis(200), Duration.ZERO, Duration.ofMillis(loopMs),
                null);
    }

    private RealServer exchangeServer(CheckTiming t, Policy policy, Path notifyLog, ExchangeService... services) {
        InetSocketAddress a = ex.address();
        var check = exchange(connectTo(a.getAddress(), a.getPort()), t, List.of(services), 3, policy, List.of(),
                "ex1.test.local");
        var up = notifyLog == null ? null : ConfigFixtures.script("/bin/sh", "-c", "echo up $VIGIL_REAL_SERVER >> " + notifyLog);
        var down = notifyLog == null ? null
                : ConfigFixtures.script("/bin/sh", "-c", "echo down $VIGIL_REAL_SERVER >> " + notifyLog);
        return realServer("127.0.0.1", a.getPort(), 1, null, CheckTiming.INHERIT, up, down, check);
    }

    private void run(VirtualServer... vss) {
        monitor = new HealthMonitor(List.of(vss), scripts, events::add, new Random(1),
                (vs, rs, kind, latency, ok) -> observed.incrementAndGet(), Clock.systemUTC(), System::nanoTime);
        monitor.start();
    }

    private RealServerHealth await(Predicate<RealServerHealth> what, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            RealServerHealth e = events.poll(100, TimeUnit.MILLISECONDS);
            if (e != null && what.test(e)) return e;
        }
        throw new AssertionError("no such event within " + seconds + " s; snapshot " + monitor.snapshot());
    }

    @Test
    void perServiceLayoutTakesOutOnlyTheFailingServicesVirtualServer() throws Exception {
        Path log = dir.resolve("notify.log");
        VirtualServer owa = virtualServer("10.9.0.1", 443, fast(300, 3000, 0), false,
                exchangeServer(CheckTiming.INHERIT, Policy.ALL, log, ExchangeService.OWA));
        VirtualServer ews = virtualServer("10.9.0.2", 443, fast(300, 3000, 0), false,
                exchangeServer(CheckTiming.INHERIT, Policy.ALL, null, ExchangeService.EWS));
        run(owa, ews);
        assertThat(monitor.snapshot()).hasSize(2).allSatisfy(h -> assertThat(h.alive()).isTrue());
        Thread.sleep(700);
        events.clear();

        ex.setService(ExchangeService.OWA, Mode.UNHEALTHY);
        RealServerHealth down = await(e -> !e.alive(), 10);
        assertThat(down.virtualServer()).isEqualTo(owa.key());
        assertThat(down.reason()).isEqualTo("owa: HTTP 503 (3 tries)");
        assertThat(down.state()).isEqualTo(HealthState.DOWN);
        assertThat(down.inTable()).isFalse();
        assertThat(down.services().get(ExchangeService.OWA).up()).isFalse();
        Thread.sleep(1000);
        assertThat(events).noneMatch(e -> e.virtualServer().equals(ews.key()));
        assertThat(monitor.snapshot()).filteredOn(h -> h.virtualServer().equals(ews.key()))
                .singleElement().satisfies(h -> assertThat(h.alive()).isTrue());

        ex.setService(ExchangeService.OWA, Mode.HEALTHY);
        RealServerHealth up = await(e -> e.alive() && e.virtualServer().equals(owa.key()), 10);
        assertThat(up.weight()).isEqualTo(1);
        Thread.sleep(500);
        assertThat(Files.readAllLines(log)).containsExactly("down 127.0.0.1:" + ex.address().getPort(),
                "up 127.0.0.1:" + ex.address().getPort());
        assertThat(observed.get()).isPositive();
    }

    @Test
    void singleNamespaceLayoutKeepsPerServiceStatusAndReportsMaintenance() throws Exception {
        VirtualServer vip = virtualServer("10.9.0.1", 443, fast(300, 3000, 0), true,
                exchangeServer(CheckTiming.INHERIT, Policy.ALL, null, ExchangeService.values()));
        run(vip);
        Thread.sleep(700);
        ex.setService(ExchangeService.EAS, Mode.UNHEALTHY);
        RealServerHealth down = await(e -> !e.alive(), 10);
        assertThat(down.inTable()).as("inhibit_on_failure keeps it with weight 0").isTrue();
        assertThat(down.weight()).isZero();
        assertThat(down.services()).hasSize(8);
        assertThat(down.services().values().stream().filter(s -> !s.up()).map(ServiceStatus::service))
                .containsExactly(ExchangeService.EAS);

        ex.setAll(Mode.UNHEALTHY);
        assertThat(await(e -> e.state() == HealthState.MAINTENANCE, 10).reason()).startsWith("maintenance");
        ex.setAll(Mode.REFUSE);
        assertThat(await(e -> e.state() == HealthState.DOWN, 10).reason()).contains("connect refused");
        ex.setAll(Mode.HEALTHY);
        assertThat(await(RealServerHealth::alive, 10).state()).isEqualTo(HealthState.UP);
    }

    @Test
    void alphaStartsDownAndMiscDynamicSetsTheWeight() throws Exception {
        Path code = dir.resolve("code");
        Files.writeString(code, "12");
        Path s = dir.resolve("dyn.sh");
        Files.writeString(s, "#!/bin/sh\nexit $(cat " + code + ")\n");
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwxr-xr-x"));
        var misc = ConfigFixtures.misc(ConfigFixtures.script(s.toString()), Duration.ofSeconds(2), true,
                timing(null, null, null, Duration.ZERO, Duration.ofMillis(200), true));
        VirtualServer vs = virtualServer("10.9.0.1", 80, CheckTiming.INHERIT, false,
                realServer("127.0.0.2", 80, misc));
        run(vs);
        RealServerHealth first = await(e -> true, 2);
        assertThat(first.alive()).isFalse();
        assertThat(first.reason()).contains("alpha");
        assertThat(await(RealServerHealth::alive, 5).weight()).isEqualTo(10);
        Files.writeString(code, "22");
        assertThat(await(e -> e.weight() == 20, 5).alive()).isTrue();
        Files.writeString(code, "1");
        assertThat(await(e -> !e.alive(), 5).weight()).isZero();
    }

    @Test
    void aReloadCarriesEachRealServersStateOver() throws Exception {
        CheckTiming slowStart = timing(Duration.ofMillis(500), 0, null, Duration.ofMinutes(10), Duration.ofMinutes(10), null);
        VirtualServer vs = virtualServer("10.9.0.1", 443, slowStart, false,
                exchangeServer(CheckTiming.INHERIT, Policy.ALL, null, ExchangeService.RPC),
                realServer("127.0.0.9", 443, ConfigFixtures.tcp(dev.vigil.config.Checker.Connection.DEFAULT, CheckTiming.INHERIT)));
        RealServer first = vs.realServers().get(0);
        RealServer second = vs.realServers().get(1);
        var previous = List.of(
                new RealServerHealth(vs.key(), first, false, 0, false, HealthState.MAINTENANCE, "maintenance: x", java.util.Map.of(),
                        java.time.Instant.now()),
                new RealServerHealth(vs.key(), second, true, 7, true, HealthState.UP, "ok", java.util.Map.of(),
                        java.time.Instant.now()));
        monitor = new HealthMonitor(List.of(vs), scripts, events::add, new Random(1), CheckLatencyObserver.NONE,
                Clock.systemUTC(), System::nanoTime);
        monitor.start(previous);
        assertThat(monitor.snapshot()).extracting(RealServerHealth::alive, RealServerHealth::weight)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(false, 0), org.assertj.core.groups.Tuple.tuple(true, 7));
        assertThat(monitor.snapshot().getFirst().reason()).isEqualTo("carried over a reload: maintenance: x");
    }

    @Test
    void omegaRunsNotifyDownForLiveServersAtShutdown() throws Exception {
        Path log = dir.resolve("omega.log");
        try (var listener = new java.net.ServerSocket(0, 50, LO)) {
            var down = ConfigFixtures.script("/bin/sh", "-c", "echo $VIGIL_STATE $VIGIL_REAL_SERVER >> " + log);
            var rs = realServer("127.0.0.1", listener.getLocalPort(), 1, null, CheckTiming.INHERIT, null, down,
                    ConfigFixtures.tcp(dev.vigil.config.Checker.Connection.DEFAULT, fast(200, 2000, 0)));
            run(virtualServer("10.9.0.1", 443, CheckTiming.INHERIT, false, 1, 0, null, null, true, rs));
            Thread.sleep(300);
            monitor.close();
            assertThat(Files.readAllLines(log)).containsExactly("SHUTDOWN 127.0.0.1:" + listener.getLocalPort());
        }
    }

    @Test
    void closeStopsEveryChecker() throws Exception {
        VirtualServer vs = virtualServer("10.9.0.1", 443, fast(100, 1000, 0), false,
                exchangeServer(CheckTiming.INHERIT, Policy.ALL, null, ExchangeService.RPC));
        run(vs);
        Thread.sleep(500);
        assertThat(ex.healthRequests(ExchangeService.RPC)).isPositive();
        monitor.close();
        long after = ex.healthRequests(ExchangeService.RPC);
        Thread.sleep(500);
        assertThat(ex.healthRequests(ExchangeService.RPC)).isEqualTo(after);
        assertThat(TinyServers.establishedTo(ex.address().getPort())).isZero();
    }

    /**
     * Detection time: from the server's failure to the down event, against the bound
     * delay_loop + check time (+ retry * (delay_before_retry + check time)), where an EXCHANGE_CHECK's
     * check time is at worst attempts x connect_timeout. A hang (SLOW past the timeout) is the worst
     * case; a crash (connection refused) fails at once. About 11 s of real timers: soak tier.
     */
    @Test
    @Soak
    void failureIsActedOnWithinDelayLoopPlusTimeout() throws Exception {
        long loop = 1000;
        long timeout = 500;
        record Case(Mode mode, int retry) {}
        int n = 0;
        for (Case c : List.of(new Case(Mode.SLOW, 0), new Case(Mode.SLOW, 1), new Case(Mode.REFUSE, 0))) {
            events.clear();
            ex.setAll(Mode.HEALTHY);
            VirtualServer vs = virtualServer("10.9.0." + (++n), 443, fast(loop, timeout, c.retry()), false,
                    exchangeServer(CheckTiming.INHERIT, Policy.ALL, null, ExchangeService.RPC));
            run(vs);
            Thread.sleep(1500);
            ex.setSlowDelay(Duration.ofSeconds(30));
            long t0 = System.nanoTime();
            ex.setAll(c.mode());
            await(e -> !e.alive(), 15);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            long check = c.mode() == Mode.SLOW ? 3 * timeout : 0;
            long bound = loop + check + c.retry() * (200 + check);
            System.out.printf("detection %s: delay_loop %d ms, connect_timeout %d ms, attempts 3, retry %d, "
                    + "delay_before_retry 200 ms -> %d ms (bound %d ms)%n", c.mode(), loop, timeout, c.retry(), ms, bound);
            assertThat(ms).isLessThanOrEqualTo(bound + 1500);
            monitor.close();
            monitor = null;
        }
    }
}
