package dev.vigil.system;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.testing.RequiresRoot;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed deployment under steady client load while, cycle after cycle, an Exchange server fails and
 * recovers, the master is killed with SIGKILL, and restarted (it preempts). Every request is accounted
 * for: a failed request must overlap a takeover window (from the kill, or the preemption, to the VIP
 * settled on the new master plus one client connect timeout and a second). The surviving node's file
 * descriptors and threads, and the connections the balancers and servers hold, must not grow.
 *
 * <p>About 3 minutes by default; {@code -Dvigil.soak.seconds=N} runs longer. Figures go to
 * target/system/soak-figures.txt.
 */
@RequiresRoot(commands = {"ip", "bash", "openssl"})
@RequiresVigilRun
@Soak
class SoakTest {

    static final Duration DELAY_LOOP = Duration.ofSeconds(3);
    static final Duration SOAK = Duration.ofSeconds(Long.getLong("vigil.soak.seconds", 170));
    static final Duration SETTLE = ClientLoad.CONNECT_TIMEOUT.plusSeconds(1);
    static final Duration TAKEOVER_BOUND = SeedConfig.masterDownInterval(SeedConfig.BACKUP_PRIORITY).plusSeconds(3);
    /** Generous: on a loaded 2-core box the restarted node has been seen to take twice its MDI. */
    static final Duration PREEMPT_BOUND = SeedConfig.masterDownInterval(SeedConfig.MASTER_PRIORITY).plusSeconds(10);

    static final int WORKERS = 3;

    /** A span in which client failures are expected: [start, end] in nanoTime. */
    record Window(String what, long start, long end) {
        boolean overlaps(ClientLoad.Request r) {
            return r.endNanos() >= start && r.startNanos() <= end;
        }
    }

    /** The survivor's resources at the end of a cycle. */
    record Resources(int cycle, int fds, int threads, long rssKiB, long activeConnections) {}

    @Test
    void steadyLoadThroughServerFailuresAndMasterKills() throws Exception {
        FigureLog figures = new FigureLog(Path.of("target", "system", "soak-figures.txt"));
        figures.record("soak length (vigil.soak.seconds)", SOAK);
        try (SeedDeployment d = SeedDeployment.create("vs", Path.of("target", "system", "soak"), DELAY_LOOP,
                SeedConfig.Check.ARTICLE_SCRIPT)) {
            d.startNodes();
            d.awaitMaster(1, SeedConfig.masterDownInterval(SeedConfig.MASTER_PRIORITY).multipliedBy(2).plusSeconds(20));
            d.awaitAllUp(1, Duration.ofSeconds(30));

            List<Window> windows = new ArrayList<>();
            List<Resources> survivor = new ArrayList<>();
            List<Duration> takeovers = new ArrayList<>();
            List<Duration> preemptions = new ArrayList<>();
            List<Duration> detections = new ArrayList<>();
            long soakStart = System.nanoTime();
            long soakEnd = soakStart + SOAK.toNanos();
            List<ClientLoad.Request> requests;
            List<String> dualMasters;
            long pollCount;
            try (ClientLoad load = d.startLoad(WORKERS, Duration.ofMillis(60));
                 MasterWatch watch = MasterWatch.start(d.nodes(), Duration.ofMillis(200))) {
                Thread.sleep(3_000);
                survivor.add(resources(d, 0));
                long lastCycle = 0;
                for (int cycle = 1; System.nanoTime() + lastCycle < soakEnd || cycle == 1; cycle++) {
                    long cycleStart = System.nanoTime();
                    // an Exchange server's Outlook Anywhere fails and comes back
                    int k = (cycle - 1) % 4 + 1;
                    String address = SeedConfig.EXCHANGE_ADDRESSES.get(k - 1);
                    d.fleet().set(k, ExchangeService.RPC, Mode.UNHEALTHY);
                    detections.add(d.awaitRealServer(1, address, r -> !r.healthy(), DELAY_LOOP.plus(SeedConfig.MISC_TIMEOUT)));
                    Thread.sleep(1_000);
                    d.fleet().set(k, ExchangeService.RPC, Mode.HEALTHY);
                    d.awaitRealServer(1, address, StatusSnapshot.RealServer::healthy, DELAY_LOOP.plus(SeedConfig.MISC_TIMEOUT));

                    // the master dies, the backup takes over
                    long killed = System.nanoTime();
                    d.node(1).kill9();
                    while (!d.holdsVip(2)) {
                        assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("cycle " + cycle + ": takeover")
                                .isLessThan(TAKEOVER_BOUND.plusSeconds(5));
                        Thread.sleep(20);
                    }
                    long moved = System.nanoTime();
                    takeovers.add(Duration.ofNanos(moved - killed));
                    windows.add(new Window("cycle " + cycle + " kill -9", killed, moved + SETTLE.toNanos()));

                    // it comes back and preempts
                    d.node(1).start();
                    d.node(1).awaitReady(SeedDeployment.START_TIMEOUT);
                    long ready = System.nanoTime();
                    preemptions.add(d.awaitMaster(1, PREEMPT_BOUND));
                    long preempted = System.nanoTime();
                    windows.add(new Window("cycle " + cycle + " preemption", ready, preempted + SETTLE.toNanos()));
                    Thread.sleep(SETTLE.toMillis());
                    survivor.add(resources(d, cycle));
                    lastCycle = System.nanoTime() - cycleStart;
                    figures.record("cycle " + cycle, "server " + k + " out after " + FigureLog.seconds(detections.getLast())
                            + ", takeover " + FigureLog.seconds(takeovers.getLast())
                            + ", preemption after restart " + FigureLog.seconds(preemptions.getLast())
                            + ", cycle " + FigureLog.seconds(Duration.ofNanos(lastCycle)));
                }
                Thread.sleep(2_000);
                load.stop();
                requests = load.requests();
                dualMasters = watch.dualMasters(Duration.ofMillis(250));
                pollCount = watch.samples().size();
            }
            long soakNanos = System.nanoTime() - soakStart;

            // every request accounted for
            List<ClientLoad.Request> failed = requests.stream().filter(r -> !r.ok()).toList();
            List<ClientLoad.Request> outside = failed.stream().filter(r -> windows.stream().noneMatch(w -> w.overlaps(r))).toList();
            figures.record("soak: duration, cycles", FigureLog.seconds(Duration.ofNanos(soakNanos)) + ", " + takeovers.size());
            figures.record("soak: requests, succeeded, failed, failed outside takeover windows",
                    requests.size() + ", " + (requests.size() - failed.size()) + ", " + failed.size() + ", " + outside.size());
            figures.record("soak: answered by", ClientLoad.byServer(requests).toString());
            for (Window w : windows) {
                List<ClientLoad.Request> inWindow = failed.stream().filter(w::overlaps).toList();
                long lastFailure = inWindow.stream().mapToLong(ClientLoad.Request::endNanos).max().orElse(w.start());
                long servedAgain = requests.stream().filter(r -> r.ok() && r.startNanos() >= lastFailure)
                        .mapToLong(ClientLoad.Request::endNanos).min().orElse(lastFailure);
                figures.record(w.what(), String.format(Locale.ROOT,
                        "window %.3f s, failed requests %d, last failure ended at +%.3f s, served again at +%.3f s",
                        (w.end() - w.start()) / 1e9, inWindow.size(), (lastFailure - w.start()) / 1e9,
                        (servedAgain - w.start()) / 1e9));
            }
            figures.record("soak: failed request errors", failed.stream().map(ClientLoad.Request::error)
                    .map(e -> e.length() > 60 ? e.substring(0, 60) : e).distinct().limit(6).toList().toString());
            figures.record("soak: takeover times", takeovers.stream().map(FigureLog::seconds).toList().toString());
            figures.record("soak: preemption times (admin up to sole master)", preemptions.stream().map(FigureLog::seconds).toList().toString());
            figures.record("soak: server failure detection times", detections.stream().map(FigureLog::seconds).toList().toString());
            figures.record("soak: survivor (balancer02) per cycle: fds, threads, RSS KiB, active connections",
                    survivor.stream().map(r -> r.cycle() + ":" + r.fds() + "/" + r.threads() + "/" + r.rssKiB() + "/" + r.activeConnections()).toList().toString());
            figures.record("soak: status polls, polls with two masters beyond 250 ms", pollCount + ", " + dualMasters.size());

            assertThat(requests).as("steady load ran").hasSizeGreaterThan((int) (SOAK.toSeconds() * 10));
            assertThat(outside).as("no request fails outside a takeover window").isEmpty();
            assertThat(takeovers).allSatisfy(t -> assertThat(t).isLessThanOrEqualTo(TAKEOVER_BOUND));
            assertThat(dualMasters).isEmpty();

            // nothing leaks across the cycles
            Resources first = survivor.get(1);
            Resources last = survivor.getLast();
            assertThat(last.fds()).as("balancer02's file descriptors across " + takeovers.size() + " takeovers")
                    .isLessThanOrEqualTo(first.fds() + 16);
            assertThat(last.threads()).as("balancer02's threads").isLessThanOrEqualTo(first.threads() + 8);
            // The master's connections all close. The backup may keep the few that were open through it
            // when the old master preempted: the clients were reset by the new master, but the backup's
            // proxy hears nothing and keeps them until its idle timeout. A leak on the normal path would
            // show hundreds (one per request), so bound them by what preemption can strand.
            long strandedBound = (long) WORKERS * preemptions.size();
            long masterActive = awaitNoActiveConnections(d.node(1));
            long backupActive = active(d.node(2));
            // health checks (three openssl connections per check) come and go on the server side
            int serverSide = awaitServersAtMost(d, backupActive);
            figures.record("soak: active connections after the load stopped (master, backup), bound for the backup",
                    masterActive + ", " + backupActive + ", " + strandedBound);
            figures.record("soak: connections open on the Exchange servers after the load stopped", serverSide);
            assertThat(masterActive).isZero();
            assertThat(backupActive).as("connections stranded on the backup by preemption").isLessThanOrEqualTo(strandedBound);
            assertThat((long) serverSide).as("server-side connections: the stranded ones and health checks in flight")
                    .isLessThanOrEqualTo(strandedBound);
        }
    }

    private static Resources resources(SeedDeployment d, int cycle) throws Exception {
        VigilNodeProcess n = d.node(2);
        long active = n.status().virtualServers().stream().mapToLong(StatusSnapshot.VirtualServer::activeConnections).sum();
        return new Resources(cycle, n.openFileDescriptors(), n.threads(), n.residentKiB(), active);
    }

    private static long active(VigilNodeProcess n) throws Exception {
        return n.status().virtualServers().stream().mapToLong(StatusSnapshot.VirtualServer::activeConnections).sum();
    }

    private static long awaitNoActiveConnections(VigilNodeProcess n) throws Exception {
        long active = -1;
        for (int i = 0; i < 50; i++) {
            active = active(n);
            if (active == 0) return 0;
            Thread.sleep(200);
        }
        return active;
    }

    /** Health checks open short connections too, so wait for a moment with no more than {@code limit} open. */
    private static int awaitServersAtMost(SeedDeployment d, long limit) throws InterruptedException {
        int open = -1;
        for (int i = 0; i < 200; i++) {
            open = d.fleet().openConnections();
            if (open <= limit) return open;
            Thread.sleep(25);
        }
        return open;
    }
}
