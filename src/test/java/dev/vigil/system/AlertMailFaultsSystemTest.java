package dev.vigil.system;

import dev.vigil.report.VrrpState;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alert mail to SMTP servers that do not work, from two {@code vigil run} nodes in a VRRP pair that
 * alert on every transition of 40 flapping real servers (about 40 alerts a second each): lb1's server is
 * dead (its address is there but answers nothing, not even a RST), lb2's is a tar pit (it accepts, then
 * sends one byte of an endless greeting every 1.5 s, never slow enough for a read to time out). The
 * queues must fill to their bound and drop, counted; each mail must fail within its deadline, counted;
 * the admin endpoints must answer throughout; and when lb1 is killed, lb2 must hold the VIP within its
 * master-down interval, as without mail. lb2's clean stop must end within the 5 s given to queued mail.
 * <pre>
 *   node 1  lb1, priority 150, smtp_server 10.199.0.3 (dead)
 *   node 2  lb2, priority 100, smtp_server 10.199.0.4 (tar pit)
 *   node 3  the dead host: blackhole routes back to both nodes
 *   node 4  the tar pit, port 25
 * </pre>
 */
@RequiresRoot(commands = {"ip", "bash"})
@RequiresVigilRun
class AlertMailFaultsSystemTest {

    static final String VIP = "10.199.0.50";
    static final int FLAPPING = 40;
    static final Duration SMTP_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /** MailAlerter.conversationDeadline: three smtp_connect_timeouts for a whole conversation. */
    static final Duration MAIL_DEADLINE = SMTP_CONNECT_TIMEOUT.multipliedBy(3);
    /** v2, advert_int 1, priority 100: 3 s + 156/256 s. */
    static final Duration BACKUP_MDI = Duration.ofMillis(3609);
    static final Duration SLACK = Duration.ofMillis(500);
    static final int QUEUE_CAPACITY = 256;

    static String config(String routerId, int priority, String smtpServer, Path flap) {
        StringBuilder c = new StringBuilder("""
                global_defs {
                    router_id %s
                    notification_email {
                        ops@example.com
                    }
                    notification_email_from %s@example.com
                    smtp_server %s 25
                    smtp_connect_timeout %d
                    smtp_alert
                }
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 53
                    priority %d
                    advert_int 1
                    virtual_ipaddress {
                        %s/24
                    }
                }
                virtual_server %s 80 {
                    delay_loop 1
                    lb_algo rr
                    lb_kind NAT
                    protocol TCP
                """.formatted(routerId, routerId, smtpServer, SMTP_CONNECT_TIMEOUT.toSeconds(), priority, VIP, VIP));
        for (int i = 1; i <= FLAPPING; i++) {
            c.append("""
                        real_server 10.199.1.%d 80 {
                            MISC_CHECK {
                                misc_path "%s"
                                misc_timeout 1
                            }
                        }
                    """.formatted(i, flap));
        }
        return c.append("}\n").toString();
    }

    @Test
    void deadAndTarpittingSmtpServersNeitherDelayFailoverNorBlockTheNodes() throws Exception {
        FigureLog figures = new FigureLog(Path.of("target", "system", "faults-alert-mail.txt"));
        Path dir = Files.createDirectories(Path.of("target", "system", "faults", "alert-mail").toAbsolutePath());
        Path flap = dir.resolve("flap.sh");
        // up in even seconds, down in odd ones: a transition, so an alert, at nearly every check
        Files.writeString(flap, "#!/bin/bash\nexit $(( $(date +%s) % 2 ))\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(flap, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("lb1.conf"), config("lb1", 150, "10.199.0.3", flap));
        Files.writeString(dir.resolve("lb2.conf"), config("lb2", 100, "10.199.0.4", flap));
        try (NetnsBed bed = NetnsBed.create("fxm", 4, false);
             var lb1 = new VigilNodeProcess(bed, "lb1", bed.node(1), dir.resolve("lb1.conf"),
                     new InetSocketAddress("10.199.0.1", 9180), dir.resolve("lb1.log"));
             var lb2 = new VigilNodeProcess(bed, "lb2", bed.node(2), dir.resolve("lb2.conf"),
                     new InetSocketAddress("10.199.0.2", 9180), dir.resolve("lb2.log"));
             var tarpit = MisbehavingServer.start(bed.node(4), new InetSocketAddress("10.199.0.4", 25), "tarpit")) {
            tarpit.set(MisbehavingServer.Mode.TARPIT);
            for (String node : List.of("10.199.0.1/32", "10.199.0.2/32")) {
                NetnsBed.mustRun("ip", "-n", bed.node(3), "route", "add", "blackhole", node);
            }
            lb1.start();
            lb2.start();
            lb1.awaitReady(Duration.ofSeconds(60));
            lb2.awaitReady(Duration.ofSeconds(60));
            awaitTrue(() -> holdsVip(bed, 1) && lb2.vrrp().map(v -> v.state() == VrrpState.BACKUP).orElse(false),
                    Duration.ofSeconds(20), "lb1 master, lb2 backup");

            // alerts pile up until both queues are full and dropping, and each server has cost a failed mail
            List<Duration> adminLatencies = new ArrayList<>();
            int adminFailures = 0;
            long start = System.nanoTime();
            Map<String, Double> m1 = Map.of();
            Map<String, Double> m2 = Map.of();
            double mostQueued = 0;
            try (MasterWatch watch = MasterWatch.start(List.of(lb1, lb2), Duration.ofMillis(200))) {
                while (true) {
                    for (VigilNodeProcess lb : List.of(lb1, lb2)) {
                        long t0 = System.nanoTime();
                        try {
                            Map<String, Double> m = mail(lb);
                            adminLatencies.add(Duration.ofNanos(System.nanoTime() - t0));
                            mostQueued = Math.max(mostQueued, m.getOrDefault("vigil_mail_queued", 0.0));
                            if (lb == lb1) m1 = m;
                            else m2 = m;
                        } catch (IOException e) {
                            adminFailures++;
                        }
                    }
                    boolean settled = m1.getOrDefault("vigil_mail_dropped_total", 0.0) > 0
                            && m2.getOrDefault("vigil_mail_dropped_total", 0.0) > 0
                            && m1.getOrDefault("vigil_mail_failed_total", 0.0) >= 2
                            && m2.getOrDefault("vigil_mail_failed_total", 0.0) >= 1;
                    if (settled) break;
                    if (System.nanoTime() - start > Duration.ofSeconds(40).toNanos()) {
                        throw new AssertionError("mail counters did not move as expected: lb1 " + m1 + ", lb2 " + m2);
                    }
                    Thread.sleep(250);
                }
                assertThat(watch.dualMasters(SeedDeploymentTest.DUAL_MASTER_GRACE)).as("two masters while mail piled up").isEmpty();
            }
            Duration piledUp = Duration.ofNanos(System.nanoTime() - start);
            long transitions1 = transitions(lb1);

            // lb1 dies with its queue full; lb2, whose sender sits in the tar pit, takes over
            long kill = System.nanoTime();
            lb1.kill9();
            awaitTrue(() -> holdsVip(bed, 2), BACKUP_MDI.plusSeconds(5), "lb2 to take the VIP");
            Duration takeover = Duration.ofNanos(System.nanoTime() - kill);
            // The status follows the state machine's transition a moment after the VIP is up.
            awaitTrue(() -> lb2.vrrp().map(v -> v.state() == VrrpState.MASTER).orElse(false), Duration.ofSeconds(2),
                    "lb2's status to say MASTER");
            Map<String, Double> afterTakeover = mail(lb2);

            long term = System.nanoTime();
            int exit = lb2.terminate(Duration.ofSeconds(20));
            Duration stop = Duration.ofNanos(System.nanoTime() - term);

            // the first two polls are each JVM's first /metrics, which builds the registry
            List<Duration> warm = adminLatencies.subList(2, adminLatencies.size());
            Duration worstAdmin = warm.stream().max(Duration::compareTo).orElseThrow();
            figures.record("first /metrics of each node", FigureLog.seconds(adminLatencies.get(0)) + ", "
                    + FigureLog.seconds(adminLatencies.get(1)));
            figures.record("real-server transitions alerted by lb1 until both queues dropped", transitions1);
            figures.record("until then", piledUp);
            figures.record("lb1 (dead server): sent, failed, dropped, queued", counters(m1));
            figures.record("lb2 (tar pit): sent, failed, dropped, queued", counters(m2));
            figures.record("most mails queued at one poll (capacity " + QUEUE_CAPACITY + ")", (long) mostQueued);
            figures.record("admin polls answered, failed, slowest after the first", adminLatencies.size() + ", " + adminFailures + ", "
                    + FigureLog.seconds(worstAdmin));
            figures.record("lb1 killed: lb2 holds the VIP after (MDI " + FigureLog.seconds(BACKUP_MDI)
                    + "; 2.95 s measured without mail, docs/vrrp.md)", takeover);
            figures.record("lb2 after the takeover: sent, failed, dropped, queued", counters(afterTakeover));
            figures.record("lb2 SIGTERM to exit (queued mail gets 5 s), exit code", FigureLog.seconds(stop) + ", " + exit);

            assertThat(m1.get("vigil_mail_sent_total")).isZero();
            assertThat(m2.get("vigil_mail_sent_total")).isZero();
            assertThat(mostQueued).as("queued mails: full, never beyond").isBetween(QUEUE_CAPACITY - 5.0, (double) QUEUE_CAPACITY);
            assertThat(adminFailures).isZero();
            // a node blocked by its mail would not answer at all; 2 s leaves room for a loaded 2-core box
            assertThat(worstAdmin).isLessThan(Duration.ofSeconds(2));
            assertThat(takeover).isLessThanOrEqualTo(BACKUP_MDI.plus(SLACK));
            assertThat(afterTakeover.get("vigil_mail_dropped_total")).as("lb2 still drops, and counts it")
                    .isGreaterThanOrEqualTo(m2.get("vigil_mail_dropped_total"));
            assertThat(stop).as("clean stop with the sender in the tar pit").isLessThan(Duration.ofSeconds(10));
            assertThat(exit).isZero();
        }
    }

    /** The {@code vigil_mail_*} lines of a node's /metrics. */
    static Map<String, Double> mail(VigilNodeProcess lb) throws IOException {
        Map<String, Double> m = new TreeMap<>();
        for (String line : NamespaceHttp.get(lb.namespace(), lb.admin(), "/metrics", VigilNodeProcess.STATUS_TIMEOUT).lines().toList()) {
            if (!line.startsWith("vigil_mail_")) continue;
            String[] f = line.split(" ", -1);
            m.put(f[0], Double.parseDouble(f[1]));
        }
        return m;
    }

    static long transitions(VigilNodeProcess lb) throws IOException {
        double sum = 0;
        for (String line : NamespaceHttp.get(lb.namespace(), lb.admin(), "/metrics", VigilNodeProcess.STATUS_TIMEOUT).lines().toList()) {
            if (line.startsWith("vigil_real_server_transitions_total{")) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        return (long) sum;
    }

    static String counters(Map<String, Double> m) {
        return (long) (double) m.getOrDefault("vigil_mail_sent_total", -1.0) + ", "
                + (long) (double) m.getOrDefault("vigil_mail_failed_total", -1.0) + ", "
                + (long) (double) m.getOrDefault("vigil_mail_dropped_total", -1.0) + ", "
                + (long) (double) m.getOrDefault("vigil_mail_queued", -1.0);
    }

    static boolean holdsVip(NetnsBed bed, int node) {
        try {
            return NetnsBed.mustRun("ip", "-n", bed.node(node), "-4", "-o", "addr", "show", "dev", NetnsBed.INTERFACE)
                    .contains(" " + VIP + "/");
        } catch (IOException e) {
            return false;
        }
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(20);
        }
    }
}
