package dev.vigil.system;

import dev.vigil.report.RealServerState;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.ProcessTable;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Check scripts that misbehave in a {@code vigil run} node that is VRRP master: a script that hangs (its
 * child sleeps an hour) and a bounded fork bomb (it ignores SIGTERM, forks 200 sleepers, one in two
 * detached at once, and hangs). Both run again every {@code delay_loop}. The checker must time each out
 * and take the real server down; nothing the scripts started may survive a round (every process carries
 * a tag in its {@code argv[0]}, and /proc is scanned); the admin endpoint must answer throughout, the
 * node must stay master and keep advertising on the wire, and no zombie may be left under the node.
 */
@RequiresRoot(commands = {"ip", "bash", "tshark", "setsid"})
@RequiresVigilRun
class CheckScriptFaultsSystemTest {

    static final Duration DELAY_LOOP = Duration.ofSeconds(2);
    static final Duration MISC_TIMEOUT = Duration.ofSeconds(1);
    /** ScriptRunner's grace between SIGTERM and SIGKILL. */
    static final Duration KILL_GRACE = Duration.ofMillis(500);
    static final Duration DETECTION_BOUND = DELAY_LOOP.plus(MISC_TIMEOUT).plus(KILL_GRACE);
    /** The admin poll, and the kill of 200 processes on a loaded 2-core box. */
    static final Duration SLACK = Duration.ofSeconds(1);
    static final Duration ADVERT_INT = Duration.ofSeconds(1);
    /** How long the faults last once detected: several rounds of both scripts. */
    static final Duration FAULT_ROUNDS = DELAY_LOOP.multipliedBy(3);
    static final String VIP = "10.199.0.50";
    static final String HEALTHY_SCRIPT = "#!/bin/bash\nexit 0\n";

    static String config(Path hung, Path bomb, String tag) {
        return """
                global_defs {
                    router_id fxk
                }
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 52
                    priority 150
                    advert_int %d
                    virtual_ipaddress {
                        %s/24
                    }
                }
                virtual_server 10.199.0.1 80 {
                    delay_loop %d
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                    real_server 10.199.0.2 80 {
                        MISC_CHECK {
                            misc_path "%s %s-hung"
                            misc_timeout %d
                        }
                    }
                    real_server 10.199.0.3 80 {
                        MISC_CHECK {
                            misc_path "%s %s-bomb"
                            misc_timeout %d
                        }
                    }
                }
                """.formatted(ADVERT_INT.toSeconds(), VIP, DELAY_LOOP.toSeconds(), hung, tag, MISC_TIMEOUT.toSeconds(),
                bomb, tag, MISC_TIMEOUT.toSeconds());
    }

    @Test
    void hungAndForkBombingScriptsAreKilledWholeWhileTheNodeKeepsAnsweringAndAdvertising() throws Exception {
        FigureLog figures = new FigureLog(Path.of("target", "system", "faults-check-scripts.txt"));
        Path dir = Files.createDirectories(Path.of("target", "system", "faults", "check-scripts").toAbsolutePath());
        String tag = "fx-" + ProcessHandle.current().pid() + "-" + Long.toString(System.nanoTime(), 36);
        Path hung = dir.resolve("hung.sh");
        Path bomb = dir.resolve("bomb.sh");
        install(hung, HEALTHY_SCRIPT);
        install(bomb, HEALTHY_SCRIPT);
        Files.writeString(dir.resolve("vigil.conf"), config(hung, bomb, tag));
        try (NetnsBed bed = NetnsBed.create("fxk", 1, true);
             var lb = new VigilNodeProcess(bed, "lb", bed.node(1), dir.resolve("vigil.conf"),
                     new InetSocketAddress("10.199.0.1", 9180), dir.resolve("vigil.log"))) {
            lb.start();
            lb.awaitReady(Duration.ofSeconds(60));
            awaitMaster(lb, Duration.ofSeconds(15));
            for (int n = 2; n <= 3; n++) awaitState(lb, n, RealServerState.UP, DELAY_LOOP.multipliedBy(3));
            Path adverts = dir.resolve("adverts.txt");
            Files.deleteIfExists(adverts);
            Process tshark = bed.start(bed.client(), List.of("tshark", "-l", "-i", NetnsBed.INTERFACE, "-f", "ip proto 112",
                    "-T", "fields", "-e", "frame.time_epoch", "-e", "ip.src"), adverts);
            long tsharkStart = System.nanoTime();
            while (advertTimes(adverts).size() < 2) {
                if (System.nanoTime() - tsharkStart > Duration.ofSeconds(15).toNanos()) throw new AssertionError("tshark saw no advert");
                Thread.sleep(100);
            }

            long fault = System.nanoTime();
            double faultEpoch = System.currentTimeMillis() / 1000.0;
            install(hung, """
                    #!/bin/bash
                    (exec -a "$1" sleep 3600)
                    """);
            install(bomb, """
                    #!/bin/bash
                    trap '' TERM
                    for i in $(seq 200); do
                      if (( i % 2 )); then (exec -a "$1" sleep 3600) & else ( (exec -a "$1" sleep 3600) & ) fi
                    done
                    exec -a "$1" sleep 3600
                    """);
            List<Duration> adminLatencies = new ArrayList<>();
            List<String> adminFailures = new ArrayList<>();
            List<String> notMaster = new ArrayList<>();
            int mostBombProcesses = 0;
            Duration[] detected = new Duration[4];
            long end = Long.MAX_VALUE;
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                Optional<StatusSnapshot> s;
                try {
                    s = Optional.of(lb.status());
                    adminLatencies.add(Duration.ofNanos(System.nanoTime() - t0));
                } catch (IOException e) {
                    s = Optional.empty();
                    adminFailures.add(e.getMessage());
                }
                long at = System.nanoTime();
                if (s.isPresent()) {
                    StatusSnapshot status = s.get();
                    if (status.vrrp().getFirst().state() != VrrpState.MASTER) notMaster.add(status.vrrp().getFirst().toString());
                    for (int n = 2; n <= 3; n++) {
                        if (detected[n] == null && realServer(status, n).map(r -> r.state() == RealServerState.DOWN).orElse(false)) {
                            detected[n] = Duration.ofNanos(at - fault);
                        }
                    }
                    if (detected[2] != null && detected[3] != null && end == Long.MAX_VALUE) end = at + FAULT_ROUNDS.toNanos();
                }
                if (at - fault > DETECTION_BOUND.plusSeconds(10).toNanos() && end == Long.MAX_VALUE) {
                    throw new AssertionError("scripts not detected: hung " + detected[2] + ", bomb " + detected[3]);
                }
                mostBombProcesses = Math.max(mostBombProcesses, ProcessTable.tagged(tag + "-bomb").size());
                Thread.sleep(100);
            }
            StatusSnapshot during = lb.status();
            String hungReason = realServer(during, 2).flatMap(StatusSnapshot.RealServer::reason).orElse("");
            String bombReason = realServer(during, 3).flatMap(StatusSnapshot.RealServer::reason).orElse("");

            // the faults end: the next round of each script passes
            long healed = System.nanoTime();
            double healedEpoch = System.currentTimeMillis() / 1000.0;
            install(hung, HEALTHY_SCRIPT);
            install(bomb, HEALTHY_SCRIPT);
            for (int n = 2; n <= 3; n++) awaitState(lb, n, RealServerState.UP, DELAY_LOOP.plus(MISC_TIMEOUT).plus(KILL_GRACE).plusSeconds(5));
            Duration back = Duration.ofNanos(System.nanoTime() - healed);
            Thread.sleep(1_500); // the node's reaper runs every second
            List<Long> leftHung = ProcessTable.tagged(tag + "-hung");
            List<Long> leftBomb = ProcessTable.tagged(tag + "-bomb");
            List<Long> zombies = ProcessTable.zombieChildren(lb.pid());
            bed.kill(tshark);
            List<Double> times = advertTimes(adverts);
            double longestGap = 0;
            for (int i = 1; i < times.size(); i++) longestGap = Math.max(longestGap, times.get(i) - times.get(i - 1));
            long duringFaults = times.stream().filter(t -> t >= faultEpoch && t <= healedEpoch).count();
            Duration worstAdmin = adminLatencies.stream().max(Duration::compareTo).orElseThrow();

            figures.record("hung script: real server down after (bound delay_loop + misc_timeout + kill grace = "
                    + FigureLog.seconds(DETECTION_BOUND) + ")", detected[2]);
            figures.record("fork bomb: real server down after (same bound)", detected[3]);
            figures.record("reasons", hungReason + " | " + bombReason);
            figures.record("most processes of the fork bomb alive at one poll", mostBombProcesses);
            figures.record("fault rounds watched", FAULT_ROUNDS);
            figures.record("admin polls answered, failed, slowest", adminLatencies.size() + ", " + adminFailures.size()
                    + ", " + FigureLog.seconds(worstAdmin));
            figures.record("adverts on the wire during the faults, longest gap (advert_int 1 s)",
                    duringFaults + ", " + String.format(java.util.Locale.ROOT, "%.3f s", longestGap));
            figures.record("processes left after the last round: hung, bomb; zombies under the node",
                    leftHung.size() + ", " + leftBomb.size() + "; " + zombies.size());
            figures.record("scripts healthy again: both up after", back);

            assertThat(detected[2]).isLessThanOrEqualTo(DETECTION_BOUND.plus(SLACK));
            assertThat(detected[3]).isLessThanOrEqualTo(DETECTION_BOUND.plus(SLACK));
            assertThat(hungReason).contains("timed out");
            assertThat(bombReason).contains("timed out");
            assertThat(mostBombProcesses).as("the bomb did fork").isGreaterThan(100);
            assertThat(adminFailures).as("admin endpoint failures").isEmpty();
            assertThat(worstAdmin).isLessThan(Duration.ofSeconds(1));
            assertThat(notMaster).as("polls that found the node not master").isEmpty();
            assertThat(longestGap).as("longest gap between adverts, s").isLessThan(ADVERT_INT.toMillis() / 1000.0 + 0.5);
            assertThat(duringFaults).as("adverts during the faults")
                    .isGreaterThanOrEqualTo((long) ((healedEpoch - faultEpoch) / (ADVERT_INT.toMillis() / 1000.0)) - 1);
            assertThat(leftHung).as("left by the hung script").isEmpty();
            assertThat(leftBomb).as("left by the fork bomb").isEmpty();
            assertThat(zombies).as("zombies under the node").isEmpty();
        } finally {
            // whatever a failed run left behind: the node's JVM is gone, so its orphans went to init
            for (long pid : ProcessTable.tagged(tag + "-hung")) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            for (long pid : ProcessTable.tagged(tag + "-bomb")) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Replaces a script in one step: a round that starts meanwhile runs the old file or the new one, whole. */
    static void install(Path script, String text) throws IOException {
        Path next = script.resolveSibling(script.getFileName() + ".next");
        Files.writeString(next, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.move(next, script, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The capture times (epoch seconds) of the adverts from the node. */
    static List<Double> advertTimes(Path capture) throws IOException {
        if (!Files.exists(capture)) return List.of();
        return Files.readAllLines(capture, StandardCharsets.UTF_8).stream().map(l -> l.split("\t", -1))
                .filter(f -> f.length == 2 && f[1].equals("10.199.0.1")).map(f -> Double.parseDouble(f[0])).toList();
    }

    static Optional<StatusSnapshot.RealServer> realServer(StatusSnapshot s, int n) {
        String address = "10.199.0." + n;
        return s.virtualServers().stream().flatMap(v -> v.realServers().stream()).filter(r -> r.address().equals(address)).findFirst();
    }

    static void awaitState(VigilNodeProcess lb, int n, RealServerState state, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (lb.tryStatus().flatMap(s -> realServer(s, n)).map(r -> r.state() != state).orElse(true)) {
            if (System.nanoTime() > end) throw new AssertionError("10.199.0." + n + " not " + state + " within " + timeout);
            Thread.sleep(50);
        }
    }

    static void awaitMaster(VigilNodeProcess lb, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!lb.vrrp().map(v -> v.state() == VrrpState.MASTER).orElse(false)) {
            if (System.nanoTime() > end) throw new AssertionError("the node did not become master within " + timeout);
            Thread.sleep(50);
        }
    }
}
