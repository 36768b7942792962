package dev.vigil.system;

import dev.vigil.config.Checker.ExchangeService;
import dev.vigil.exchange.ExchangeTestServer.Mode;
import dev.vigil.report.RealServerState;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The seed article's deployment, end to end: its two balancer configuration files (mapped onto
 * 10.199.0.0/24, see {@link SeedConfig}) run as two Vigil node JVMs in front of four Exchange test
 * servers, with an SMTP server and a client, all in namespaces ({@link SeedDeployment}). The steps build
 * on each other and run in order on one deployment. Every measured figure is printed and written to
 * target/system/seed-figures.txt.
 */
@RequiresRoot(commands = {"ip", "curl", "bash", "openssl"})
@RequiresVigilRun
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SeedDeploymentTest {

    static final Duration DELAY_LOOP = Duration.ofSeconds(3);
    /** What we allow on top of the master-down interval for the backup to hold the VIP (a loaded 2-core box). */
    static final Duration TAKEOVER_MARGIN = Duration.ofSeconds(3);
    /** A restarted node waits its MDI before preempting; generous, as a loaded box has been seen to take twice that. */
    static final Duration PREEMPT_BOUND = SeedConfig.masterDownInterval(SeedConfig.MASTER_PRIORITY).plusSeconds(10);
    /** Polls of the two nodes' states are not atomic; see {@link MasterWatch}. */
    static final Duration DUAL_MASTER_GRACE = Duration.ofMillis(250);
    /** vigil run drains established connections for up to 30 s by default on SIGTERM. */
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);
    static final String MASTER_ID = "exchange_balancer01.domain.ru";

    SeedDeployment d;
    MasterWatch watch;
    FigureLog figures;

    @BeforeAll
    void deploy() throws Exception {
        figures = new FigureLog(Path.of("target", "system", "seed-figures.txt"));
        d = SeedDeployment.create("ve", Path.of("target", "system", "seed"), DELAY_LOOP, SeedConfig.Check.ARTICLE_SCRIPT);
        long t0 = System.nanoTime();
        d.startNodes();
        watch = MasterWatch.start(d.nodes(), Duration.ofMillis(100));
        // the node with the article's MASTER file (priority 100) becomes master
        d.awaitMaster(1, SeedConfig.masterDownInterval(SeedConfig.MASTER_PRIORITY).multipliedBy(2).plusSeconds(20));
        figures.record("start: both JVMs launched to balancer01 sole master holding the VIP", Duration.ofNanos(System.nanoTime() - t0));
        d.awaitAllUp(1, DELAY_LOOP.plus(SeedConfig.MISC_TIMEOUT).multipliedBy(2));
    }

    @AfterAll
    void tearDown() {
        if (watch != null) watch.close();
        if (d != null) d.close();
    }

    @Test
    @Order(1)
    void wlcSpreadsNewConnectionsOverAllFourAndEveryRequestSucceeds() throws Exception {
        try (var held = ClientLoad.hold(d.bed().client(), d.vip(), 8)) {
            Map<String, Long> spread = count(held.servers());
            figures.record("wlc: 8 held connections per server", spread.toString());
            assertThat(spread).as("wlc gives each of four equal servers two of eight open connections")
                    .hasSize(4).allSatisfy((server, n) -> assertThat(n).isEqualTo(2L));
            StatusSnapshot s = d.node(1).status();
            long active = s.virtualServers().getFirst().activeConnections();
            assertThat(active).as("the master counts the held connections as active").isGreaterThanOrEqualTo(8);
        }
        try (ClientLoad load = d.startLoad(4, Duration.ofMillis(50))) {
            Thread.sleep(6_000);
            load.stop();
            List<ClientLoad.Request> all = load.requests();
            figures.record("steady load: requests, failed", all.size() + ", " + all.stream().filter(r -> !r.ok()).count());
            figures.record("steady load: answered by", ClientLoad.byServer(all).toString());
            assertThat(all).hasSizeGreaterThan(20).allSatisfy(r -> assertThat(r.ok()).as(r.error()).isTrue());
            assertThat(ClientLoad.byServer(all)).as("every Exchange server takes new connections").hasSize(4);
        }
    }

    @Test
    @Order(2)
    void aServerWhoseRpcAnswers503LeavesThePoolWithAMailAndComesBack() throws Exception {
        String address = SeedConfig.EXCHANGE_ADDRESSES.get(1);
        String fqdn = d.fleet().member(2).fqdn();
        Duration bound = DELAY_LOOP.plus(SeedConfig.MISC_TIMEOUT);
        try (ClientLoad load = d.startLoad(3, Duration.ofMillis(50))) {
            Thread.sleep(1_000);
            d.fleet().set(2, ExchangeService.RPC, Mode.UNHEALTHY);
            long failed = System.nanoTime();
            Duration detection = d.awaitRealServer(1, address, r -> !r.healthy(), bound.plusSeconds(10));
            long out = System.nanoTime();
            figures.record("MISC_CHECK (article script): 503 to out of the pool (bound delay_loop + misc_timeout = "
                    + bound.toSeconds() + " s)", detection);
            assertThat(detection).isLessThanOrEqualTo(bound);
            StatusSnapshot.RealServer down = d.realServer(1, address).orElseThrow();
            assertThat(down.state()).isEqualTo(RealServerState.DOWN);

            var mail = d.mail().await(m -> m.subject().contains("[" + address + "]:443") && m.subject().contains("DOWN")
                    && m.subject().contains(MASTER_ID), Duration.ofSeconds(15));
            assertThat(mail).as("a mail from the master names the server that went down").isPresent();
            figures.record("mail 'DOWN' seen after the server left the pool", Duration.ofNanos(mail.get().seenNanos() - out));
            figures.record("mail subject", mail.get().subject());

            Thread.sleep(3_000);
            d.fleet().set(2, ExchangeService.RPC, Mode.HEALTHY);
            long recovered = System.nanoTime();
            Duration back = d.awaitRealServer(1, address, StatusSnapshot.RealServer::healthy, bound.plusSeconds(10));
            figures.record("MISC_CHECK: recovery to back in the pool", back);
            assertThat(back).isLessThanOrEqualTo(bound);
            var upMail = d.mail().await(m -> m.subject().contains("[" + address + "]:443") && m.subject().contains("UP")
                    && m.subject().contains(MASTER_ID), Duration.ofSeconds(15));
            assertThat(upMail).as("its own mail says it is back").isPresent();
            Thread.sleep(3_000);
            load.stop();

            List<ClientLoad.Request> all = load.requests();
            long grace = Duration.ofSeconds(1).toNanos();
            List<ClientLoad.Request> whileOut = all.stream()
                    .filter(r -> r.startNanos() > out + grace && r.endNanos() < recovered).toList();
            figures.record("while out: requests, answered by the failed server", whileOut.size() + ", "
                    + whileOut.stream().filter(r -> fqdn.equals(r.server())).count());
            assertThat(whileOut).isNotEmpty().noneMatch(r -> fqdn.equals(r.server()));
            assertThat(all).allSatisfy(r -> assertThat(r.ok()).as(r.error()).isTrue());
            assertThat(all.stream().filter(r -> r.startNanos() > recovered + back.toNanos() + grace))
                    .as("the recovered server takes connections again").anyMatch(r -> fqdn.equals(r.server()));
            figures.record("health-check figures: failure at +0, out at", Duration.ofNanos(out - failed));
        }
    }

    @Test
    @Order(3)
    void notifyScriptsRanWithTheArticlesArguments() throws Exception {
        var master = d.notifyCalls(1);
        var backup = d.notifyCalls(2);
        figures.record("notify calls on balancer01", master.toString());
        figures.record("notify calls on balancer02", backup.toString());
        List<String> article = List.of(SeedConfig.NOTIFY_MASTER_ARGS, SeedConfig.NOTIFY_BACKUP_ARGS);
        assertThat(master).as("notify_master ran on the master with the article's arguments").isNotEmpty()
                .allMatch(c -> article.contains(c.arguments()));
        assertThat(master.getLast().arguments()).isEqualTo(SeedConfig.NOTIFY_MASTER_ARGS);
        assertThat(backup).as("notify_backup ran on the backup with the article's arguments").isNotEmpty()
                .allMatch(c -> article.contains(c.arguments()));
        assertThat(backup.getLast().arguments()).isEqualTo(SeedConfig.NOTIFY_BACKUP_ARGS);
        // A node that starts before the other becomes master alone and is preempted when the priority-100
        // node's master-down interval ends: then its notify_master is followed by its notify_backup.
        for (int i = 0; i < backup.size(); i++) {
            if (!backup.get(i).arguments().equals(SeedConfig.NOTIFY_MASTER_ARGS)) continue;
            assertThat(i + 1).as("the backup's notify_master is followed by its notify_backup").isLessThan(backup.size());
            assertThat(backup.get(i + 1).arguments()).isEqualTo(SeedConfig.NOTIFY_BACKUP_ARGS);
        }
    }

    @Test
    @Order(4)
    void aReloadOnSighupAppliesNewWeightsWithoutMovingTheVipOrFailingARequest() throws Exception {
        StatusSnapshot.VrrpInstance before = d.node(1).vrrp().orElseThrow();
        Path config = d.configFile(1);
        String text = java.nio.file.Files.readString(config);
        assertThat(text).contains("weight 1");
        java.nio.file.Files.writeString(config, text.replaceFirst("weight 1", "weight 3"));
        try (ClientLoad load = d.startLoad(3, Duration.ofMillis(50))) {
            Thread.sleep(1_000);
            long sent = System.nanoTime();
            assertThat(new ProcessBuilder("kill", "-HUP", Long.toString(d.node(1).pid())).start().waitFor()).isZero();
            d.awaitRealServer(1, "10.199.0.111", r -> r.weight() == 3, Duration.ofSeconds(30));
            figures.record("SIGHUP to new weight in effect", Duration.ofNanos(System.nanoTime() - sent));
            Thread.sleep(1_500);
            load.stop();
            assertThat(load.requests()).isNotEmpty();
            assertThat(load.requests()).as("no request fails across the reload").allMatch(ClientLoad.Request::ok);
        }
        assertThat(d.holdsVip(1)).as("the VIP stays on the master").isTrue();
        assertThat(d.holdsVip(2)).isFalse();
        StatusSnapshot.VrrpInstance after = d.node(1).vrrp().orElseThrow();
        assertThat(after.state()).isEqualTo(VrrpState.MASTER);
        assertThat(after.masterSince()).as("no VRRP transition").isEqualTo(before.masterSince());
        assertThat(d.state(2)).contains(VrrpState.BACKUP);
    }

    @Test
    @Order(5)
    void killingTheMasterMovesTheVipAndTheRestartedMasterPreempts() throws Exception {
        Duration mdi = SeedConfig.masterDownInterval(SeedConfig.BACKUP_PRIORITY);
        int callsBefore = d.notifyCalls(2).size();
        try (ClientLoad load = d.startLoad(3, Duration.ofMillis(50))) {
            Thread.sleep(1_500);
            long killed = System.nanoTime();
            d.node(1).kill9();
            while (!d.holdsVip(2)) {
                assertThat(Duration.ofNanos(System.nanoTime() - killed)).as("backup holds the VIP within MDI + margin")
                        .isLessThan(mdi.plus(TAKEOVER_MARGIN).plusSeconds(5));
                Thread.sleep(20);
            }
            Duration takeover = Duration.ofNanos(System.nanoTime() - killed);
            figures.record("kill -9 master: backup holds the VIP (MDI " + FigureLog.seconds(mdi) + " + margin "
                    + FigureLog.seconds(TAKEOVER_MARGIN) + ")", takeover);
            assertThat(takeover).isLessThanOrEqualTo(mdi.plus(TAKEOVER_MARGIN));
            // a killed daemon cannot remove its VIP: the host's kernel keeps it (and refuses connections to it)
            figures.record("kill -9 master: VIP still on the killed node's interface after the takeover", String.valueOf(d.holdsVip(1)));
            // The VIP is added as the node enters MASTER; its status may say so a few milliseconds later.
            long stateDeadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (!d.state(2).equals(Optional.of(VrrpState.MASTER)) && System.nanoTime() < stateDeadline) Thread.sleep(20);
            assertThat(d.state(2)).as("the VIP's new holder reports MASTER").contains(VrrpState.MASTER);
            for (int i = 0; i < 10; i++) {
                var a = dev.vigil.linux.NetworkNamespace.call(d.bed().client(),
                        () -> HttpsRequest.once(d.vip(), ClientLoad.PATH, Duration.ofSeconds(2), Duration.ofSeconds(5)));
                assertThat(a.status()).as("a new connection through the new master").isEqualTo(200);
            }
            Thread.sleep(1_000);
            assertThat(d.notifyCalls(2).subList(callsBefore, d.notifyCalls(2).size()))
                    .as("notify_master ran on the new master").anyMatch(c -> c.arguments().equals(SeedConfig.NOTIFY_MASTER_ARGS));

            long restarted = System.nanoTime();
            d.node(1).start();
            d.node(1).awaitReady(SeedDeployment.START_TIMEOUT);
            long ready = System.nanoTime();
            Duration preemption = d.awaitMaster(1, PREEMPT_BOUND.plusSeconds(5));
            long preempted = System.nanoTime();
            figures.record("restart old master: JVM start to admin answering", Duration.ofNanos(ready - restarted));
            figures.record("restart old master: admin answering to preempted (holds VIP, backup stepped down)",
                    Duration.ofNanos(preempted - ready));
            assertThat(preemption).as("the article sets preempt: the priority-100 node takes the VIP back")
                    .isLessThanOrEqualTo(PREEMPT_BOUND);
            assertThat(d.state(2)).contains(VrrpState.BACKUP);
            Thread.sleep(2_000);
            load.stop();

            List<ClientLoad.Request> all = load.requests();
            List<ClientLoad.Request> failedOnes = all.stream().filter(r -> !r.ok()).toList();
            Optional<ClientLoad.Request> firstOkAfterKill = all.stream()
                    .filter(r -> r.ok() && r.startNanos() > killed).min((a, b) -> Long.compare(a.startNanos(), b.startNanos()));
            figures.record("during kill + restart: requests, failed", all.size() + ", " + failedOnes.size());
            firstOkAfterKill.ifPresent(r -> figures.record("kill -9 to first new connection served",
                    Duration.ofNanos(r.endNanos() - killed)));
            figures.record("failed request errors", failedOnes.stream().map(ClientLoad.Request::error).distinct().limit(5).toList().toString());
            long windowEnd = killed + takeover.toNanos() + Duration.ofSeconds(2).toNanos();
            long preemptStart = ready;
            long preemptEnd = preempted + Duration.ofSeconds(2).toNanos();
            assertThat(failedOnes).as("requests fail only around the takeover and the preemption")
                    .allMatch(r -> (r.endNanos() >= killed && r.startNanos() <= windowEnd)
                            || (r.endNanos() >= preemptStart && r.startNanos() <= preemptEnd));
        }
        List<String> dual = watch.dualMasters(DUAL_MASTER_GRACE);
        figures.record("polls of both nodes so far, polls that saw two masters beyond "
                + DUAL_MASTER_GRACE.toMillis() + " ms", watch.samples().size() + ", " + dual.size());
        assertThat(dual).as("never two masters after the first advertisement").isEmpty();
    }

    @Test
    @Order(6)
    void exchangeCheckReportsAFailedServiceAndAServerInMaintenance() throws Exception {
        // a clean stop first: SIGTERM gives the VIP up
        // both at once: each may drain for up to its 30 s default
        var backupStop = java.util.concurrent.CompletableFuture.supplyAsync(() -> terminate(d.node(2)));
        int masterExit = terminate(d.node(1));
        int backupExit = backupStop.join();
        figures.record("SIGTERM exit codes (backup, master)", backupExit + ", " + masterExit);
        assertThat(d.holdsVip(1)).as("a stopped master removed the VIP").isFalse();
        assertThat(d.holdsVip(2)).isFalse();

        d.configure(SeedConfig.Check.EXCHANGE_CHECK);
        d.startNodes();
        d.awaitMaster(1, SeedConfig.masterDownInterval(SeedConfig.MASTER_PRIORITY).multipliedBy(2).plusSeconds(20));
        Duration bound = DELAY_LOOP.multipliedBy(2).plus(SeedConfig.EXCHANGE_CHECK_TIMEOUT).plusSeconds(3);
        d.awaitAllUp(1, bound.multipliedBy(2));
        String failing = SeedConfig.EXCHANGE_ADDRESSES.get(2);
        String inMaintenance = SeedConfig.EXCHANGE_ADDRESSES.get(3);
        try (ClientLoad load = d.startLoad(3, Duration.ofMillis(50))) {
            d.fleet().set(3, ExchangeService.OWA, Mode.UNHEALTHY);
            Duration owaOut = d.awaitRealServer(1, failing, r -> !r.healthy(), bound);
            figures.record("EXCHANGE_CHECK: owa 503 on one server to out of the pool", owaOut);
            StatusSnapshot.RealServer r3 = d.realServer(1, failing).orElseThrow();
            figures.record("EXCHANGE_CHECK: failed-service server reported", r3.state() + " reason=" + r3.reason().orElse("")
                    + " services=" + r3.services());
            assertThat(r3.state()).as("one failed service is a failure, not maintenance").isEqualTo(RealServerState.DOWN);
            assertThat(r3.services()).hasSize(8);
            assertThat(r3.services()).filteredOn(s -> !s.status().equalsIgnoreCase("UP")).singleElement()
                    .satisfies(s -> assertThat(s.name()).isEqualToIgnoringCase("owa"));

            d.fleet().maintenance(4);
            long maint = System.nanoTime();
            Duration maintOut = d.awaitRealServer(1, inMaintenance, r -> r.state() == RealServerState.MAINTENANCE, bound);
            figures.record("EXCHANGE_CHECK: all services 503 to reported MAINTENANCE", maintOut);
            StatusSnapshot.RealServer r4 = d.realServer(1, inMaintenance).orElseThrow();
            figures.record("EXCHANGE_CHECK: maintenance server reported", r4.state() + " reason=" + r4.reason().orElse(""));
            assertThat(r4.healthy()).isFalse();
            assertThat(r4.services()).hasSize(8).noneMatch(s -> s.status().equalsIgnoreCase("UP"));
            Duration drained = d.awaitRealServer(1, inMaintenance, r -> r.activeConnections() == 0, Duration.ofSeconds(10));
            figures.record("EXCHANGE_CHECK: maintenance server drained (0 active connections) after being reported", drained);
            Thread.sleep(4_000);
            load.stop();
            long since = maint + maintOut.toNanos() + Duration.ofSeconds(1).toNanos();
            List<ClientLoad.Request> after = load.since(since);
            figures.record("after both: answered by", ClientLoad.byServer(after).toString());
            assertThat(after).isNotEmpty().allSatisfy(r -> assertThat(r.ok()).as(r.error()).isTrue());
            assertThat(ClientLoad.byServer(after).keySet())
                    .containsExactlyInAnyOrder(d.fleet().member(1).fqdn(), d.fleet().member(2).fqdn());
        } finally {
            d.fleet().recover(3);
            d.fleet().recover(4);
        }
        d.awaitAllUp(1, bound.multipliedBy(2));
        assertThat(watch.dualMasters(DUAL_MASTER_GRACE)).isEmpty();
    }

    private static int terminate(VigilNodeProcess n) {
        try {
            return n.terminate(STOP_TIMEOUT);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Long> count(List<String> servers) {
        Map<String, Long> m = new java.util.TreeMap<>();
        for (String s : servers) m.merge(s, 1L, Long::sum);
        return m;
    }
}
