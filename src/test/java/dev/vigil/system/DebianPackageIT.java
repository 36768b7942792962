package dev.vigil.system;

import dev.vigil.linux.NetworkNamespace;
import dev.vigil.report.VrrpState;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.vigil.system.SplitBrainSystemTest.VIP;
import static dev.vigil.system.SplitBrainSystemTest.await;
import static dev.vigil.system.SplitBrainSystemTest.holdsVip;
import static dev.vigil.system.SplitBrainSystemTest.state;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package as an operator gets it: {@code target/vigil_VERSION_amd64.deb}, built by {@code mvn package}
 * (this test builds nothing), installed into a fresh Debian 12 root that has no Java ({@link DebianRoot}).
 * There it answers {@code --version}, checks its own sample configuration and has a man page; two nodes run
 * from that root inside network namespaces as the user {@code vigil} with only the unit's capabilities, and
 * the backup holds the VIP once the master is stopped as an upgrade stops it (SIGTERM); a capability less
 * and the node refuses to start, naming it. An upgrade keeps a changed conffile, {@code dpkg -r} leaves only
 * the conffile and {@code dpkg --purge} leaves nothing.
 */
@RequiresRoot(commands = {"ip", "debootstrap", "dpkg-deb", "chroot", "tar", "mount", "umount"})
class DebianPackageIT {
    private static final String VERSION = System.getProperty("vigil.version", "0.1.0");
    private static final Path DEB = Path.of(System.getProperty("vigil.deb", "target/vigil_" + VERSION + "_amd64.deb"));
    private static final Path LOGS = Path.of("target", "system", "debian-package");
    private static final int REAL_PORT = 8080;

    private static DebianRoot installed() throws IOException {
        assertThat(DEB).as("the package (mvn package builds it; -Dvigil.deb.skip=true leaves it out)").isRegularFile();
        DebianRoot root = DebianRoot.create();
        try {
            install(root, DEB);
        } catch (IOException | RuntimeException e) {
            root.close();
            throw e;
        }
        return root;
    }

    private static void install(DebianRoot root, Path deb, String... options) throws IOException {
        Files.copy(deb, root.path("/tmp/vigil.deb"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        List<String> command = new ArrayList<>(List.of("dpkg", "-i"));
        command.addAll(List.of(options));
        command.add("/tmp/vigil.deb");
        root.mustRun(command.toArray(String[]::new));
    }

    @Test
    void installedItRunsWithoutJavaChecksItsSampleAndHasItsManPage() throws Exception {
        try (DebianRoot root = installed()) {
            assertThat(root.mustRun("dpkg-query", "-W", "-f", "${db:Status-Abbrev}${Package} ${Version}", "vigil"))
                    .isEqualTo("ii vigil " + VERSION);
            assertThat(root.mustRun("sh", "-c", "dpkg -l | grep -iE 'jdk|jre|java' || true")).isEmpty();
            assertThat(root.mustRun("find", "/", "-xdev", "-name", "java", "-type", "f").strip())
                    .isEqualTo("/usr/lib/vigil/runtime/bin/java");

            assertThat(root.mustRun("vigil", "--version").strip()).isEqualTo("vigil " + VERSION);
            NetnsBed.Result check = root.run("vigil", "check-config", "-f", "/etc/vigil/keepalived.conf");
            assertThat(check.exitCode()).as(check.stderr()).isZero();
            assertThat(check.stdout()).contains("/etc/vigil/keepalived.conf: OK: 1 VRRP instances, 1 virtual servers")
                    .contains("(0 warnings)");
            // as the service runs it: the user vigil can read its configuration, which others cannot
            assertThat(root.mustRun("setpriv", "--reuid=vigil", "--regid=vigil", "--init-groups",
                    "vigil", "check-config", "-f", "/etc/vigil/keepalived.conf")).contains(": OK: ");
            assertThat(root.mustRun("stat", "-c", "%U:%G %a", "/etc/vigil/keepalived.conf").strip()).isEqualTo("root:vigil 640");
            assertThat(root.mustRun("getent", "passwd", "vigil")).contains(":/var/lib/vigil:/usr/sbin/nologin");

            String man = root.mustRun("env", "MANPAGER=cat", "MANWIDTH=100", "man", "vigil");
            assertThat(man).contains("VIGIL(8)", "check-config", "--use-file=FILE", "release-vips", "/etc/vigil/keepalived.conf");
            assertThat(root.mustRun("bash", "-c", ". /usr/share/bash-completion/completions/vigil && complete -p vigil"))
                    .contains("vigil");

            // the unit as systemd reads it, inside the root where its commands exist
            NetnsBed.Result verify = root.run("systemd-analyze", "verify", "/usr/lib/systemd/system/vigil.service");
            assertThat(verify.exitCode()).as(verify.stdout() + verify.stderr()).isZero();
            assertThat(verify.stderr()).doesNotContain("vigil.service:");
            NetnsBed.Result security = root.run("systemd-analyze", "security", "--offline=true",
                    "/usr/lib/systemd/system/vigil.service");
            String score = security.stdout().lines().filter(l -> l.contains("Overall exposure level")).findFirst().orElse("");
            Files.createDirectories(LOGS);
            Files.writeString(LOGS.resolve("systemd-analyze-security.txt"), security.stdout());
            System.out.println("systemd-analyze security vigil.service: " + score.strip());
            assertThat(score).as(security.stdout() + security.stderr()).matches(".*Overall exposure level for vigil.service: "
                    + "[0-4]\\.\\d (OK|MEDIUM).*");
        }
    }

    @Test
    void twoNodesFromThePackageFailOverAsTheUserVigilWithOnlyTheUnitsCapabilities() throws Exception {
        Files.createDirectories(LOGS);
        try (DebianRoot root = installed(); NetnsBed bed = NetnsBed.create("vdeb", 2, true);
             var realServer = new NamedServer(bed.client(), new InetSocketAddress("10.199.0.100", REAL_PORT))) {
            List<String> caps = unitCapabilities(root);
            assertThat(caps).containsExactlyInAnyOrder("CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_NET_BIND_SERVICE", "CAP_BPF");
            for (int i = 1; i <= 2; i++) {
                Path conf = root.path("/etc/vigil/lb" + i + ".conf");
                Files.writeString(conf, config("lb" + i, i == 1 ? 150 : 100));
                root.mustRun("chgrp", "vigil", "/etc/vigil/lb" + i + ".conf");
                Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r-----"));
            }

            // one capability less than the unit grants: the node says which, and does not start
            List<String> noRaw = caps.stream().filter(c -> !c.equals("CAP_NET_RAW")).toList();
            NetnsBed.Result refused = bed.run(bed.node(1), asVigil(root, noRaw, 1).toArray(String[]::new));
            assertThat(refused.exitCode()).as(refused.stdout() + refused.stderr()).isEqualTo(1);
            assertThat(refused.stderr()).contains("vigil run: missing capability CAP_NET_RAW (VRRP instance VI_1: raw VRRP "
                    + "and ARP sockets): run Vigil as root or grant it");
            assertThat(holdsVip(bed, 1)).isFalse();

            InetSocketAddress admin = new InetSocketAddress("127.0.0.1", 9180);
            try (var lb1 = new VigilNodeProcess(bed, "lb1", bed.node(1), asVigil(root, caps, 1), admin, LOGS.resolve("lb1.log"));
                 var lb2 = new VigilNodeProcess(bed, "lb2", bed.node(2), asVigil(root, caps, 2), admin, LOGS.resolve("lb2.log"))) {
                lb1.start();
                lb2.start();
                lb1.awaitReady(Duration.ofSeconds(90));
                lb2.awaitReady(Duration.ofSeconds(90));
                await(() -> holdsVip(bed, 1) && state(lb2).equals(Optional.of(VrrpState.BACKUP)), Duration.ofSeconds(30),
                        "lb1 master with the VIP, lb2 backup; logs:\n" + lb1.logTail(20) + "\n" + lb2.logTail(20));
                String vigilUid = root.mustRun("id", "-u", "vigil").strip();
                String status = Files.readString(Path.of("/proc", String.valueOf(lb1.pid()), "status"));
                assertThat(status).containsPattern("(?m)^Uid:\\s+" + vigilUid + "\\s+" + vigilUid)
                        // CAP_NET_BIND_SERVICE (10), CAP_NET_ADMIN (12), CAP_NET_RAW (13), CAP_BPF (39): nothing else
                        .containsPattern("(?m)^CapEff:\\s+0000008000003400$");
                assertThat(hello(bed)).isEqualTo("rs1");

                // an upgrade's restart stops it with SIGTERM: priority 0, VIP released, the backup takes it
                assertThat(lb1.terminate(Duration.ofSeconds(40))).as(lb1.logTail(30)).isZero();
                Duration takeover = await(() -> holdsVip(bed, 2), Duration.ofSeconds(5), "lb2 to take the VIP");
                System.out.println("packaged node: SIGTERM on the master to the VIP on the backup: " + takeover.toMillis() + " ms");
                assertThat(holdsVip(bed, 1)).isFalse();
                assertThat(hello(bed)).isEqualTo("rs1");
                assertThat(Files.readString(lb1.log())).contains("releasing VIPs").doesNotContain("Exception");
                assertThat(lb2.terminate(Duration.ofSeconds(40))).as(lb2.logTail(30)).isZero();
            }
            assertThat(realServer.accepted()).as("connections reaching the real server (checks and clients)").isGreaterThan(2);
        }
    }

    @Test
    void anUpgradeKeepsAChangedConffileRemoveLeavesItAndPurgeLeavesNothing() throws Exception {
        try (DebianRoot root = DebianRoot.create()) {
            List<String> before = root.files();
            install(root, DEB);
            Path conf = root.path("/etc/vigil/keepalived.conf");
            String mine = Files.readString(conf).replace("router_id lb1", "router_id my-balancer");
            Files.writeString(conf, mine);

            // the next version, whose sample changed too: dpkg must not replace the operator's file
            Path next = nextVersion(root);
            install(root, next, "--force-confold");
            assertThat(root.mustRun("dpkg-query", "-W", "-f", "${Version}", "vigil")).isEqualTo(VERSION + "+test1");
            assertThat(Files.readString(conf)).isEqualTo(mine);
            assertThat(Files.readString(root.path("/etc/vigil/keepalived.conf.dpkg-dist"))).contains("! changed in the next version");
            Files.delete(root.path("/etc/vigil/keepalived.conf.dpkg-dist"));

            root.mustRun("dpkg", "-r", "vigil");
            assertThat(root.mustRun("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", "vigil").strip()).isEqualTo("rc");
            List<String> left = new ArrayList<>(root.files());
            left.removeAll(before);
            assertThat(withoutShadowBackups(left)).containsExactly("/etc/vigil", "/etc/vigil/keepalived.conf");

            root.mustRun("dpkg", "--purge", "vigil");
            List<String> after = new ArrayList<>(root.files());
            after.removeAll(before);
            assertThat(withoutShadowBackups(after)).isEmpty();
            assertThat(root.run("getent", "passwd", "vigil").exitCode()).isNotZero();
            assertThat(root.run("getent", "group", "vigil").exitCode()).isNotZero();
        }
    }

    /** useradd and userdel keep /etc/passwd- and its kin: the previous copy of a file that stays, not a leftover. */
    private static List<String> withoutShadowBackups(List<String> paths) {
        return paths.stream().filter(p -> !p.matches("/etc/(passwd|group|shadow|gshadow|subuid|subgid)-")).toList();
    }

    /** The same package as version VERSION+test1, its sample changed by a comment line. */
    private static Path nextVersion(DebianRoot root) throws IOException {
        root.mustRun("dpkg-deb", "-R", "/tmp/vigil.deb", "/tmp/next");
        Path control = root.path("/tmp/next/DEBIAN/control");
        Files.writeString(control, Files.readString(control).replace("Version: " + VERSION, "Version: " + VERSION + "+test1"));
        Files.writeString(root.path("/tmp/next/etc/vigil/keepalived.conf"), "! changed in the next version\n",
                java.nio.file.StandardOpenOption.APPEND);
        root.mustRun("sh", "-c", "cd /tmp/next && find etc usr -type f -exec md5sum {} + > DEBIAN/md5sums");
        // uncompressed: xz, dpkg-deb's default, takes minutes for the runtime on a loaded machine
        root.mustRun("dpkg-deb", "--root-owner-group", "-Znone", "-b", "/tmp/next", "/tmp/vigil-next.deb");
        root.mustRun("rm", "-rf", "/tmp/next");
        return root.path("/tmp/vigil-next.deb");
    }

    /** The capabilities the installed unit grants ({@code AmbientCapabilities=}). */
    private static List<String> unitCapabilities(DebianRoot root) throws IOException {
        String unit = Files.readString(root.path("/usr/lib/systemd/system/vigil.service"));
        String line = unit.lines().filter(l -> l.startsWith("AmbientCapabilities=")).findFirst().orElseThrow();
        return Arrays.asList(line.substring(line.indexOf('=') + 1).strip().split("\\s+"));
    }

    /** {@code vigil run} of node {@code i}'s configuration, in the root, as the user vigil with {@code caps} only. */
    private static List<String> asVigil(DebianRoot root, List<String> caps, int i) {
        String set = "-all" + caps.stream().map(c -> ",+" + c.substring(4).toLowerCase(Locale.ROOT)).reduce("", String::concat);
        return root.chroot("setpriv", "--reuid=vigil", "--regid=vigil", "--init-groups", "--inh-caps=" + set,
                "--ambient-caps=" + set, "--bounding-set=" + set, "--no-new-privs",
                "/usr/bin/vigil", "run", "-f", "/etc/vigil/lb" + i + ".conf", "--admin", "127.0.0.1:9180");
    }

    private static String config(String routerId, int priority) {
        return """
                global_defs {
                    router_id %s
                }
                vrrp_instance VI_1 {
                    interface eth0
                    virtual_router_id 51
                    priority %d
                    advert_int 1
                    virtual_ipaddress {
                        %s/24
                    }
                }
                virtual_server %s 80 {
                    delay_loop 1
                    lb_algo rr
                    protocol TCP
                    real_server 10.199.0.100 %d {
                        TCP_CHECK {
                            connect_timeout 1
                        }
                    }
                }
                """.formatted(routerId, priority, VIP, VIP, REAL_PORT);
    }

    /** A line from the real server through the VIP's port 80, from the client namespace. */
    private static String hello(NetnsBed bed) throws Exception {
        return NetworkNamespace.call(bed.client(), () -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getByName(VIP), 80), 5000);
                s.setSoTimeout(5000);
                return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
            }
        });
    }

    /** A real server in a namespace that says "rs1" to every client and closes. */
    private static final class NamedServer implements AutoCloseable {
        private final ServerSocket socket;
        private final Thread acceptor;
        private final java.util.concurrent.atomic.AtomicInteger accepted = new java.util.concurrent.atomic.AtomicInteger();

        NamedServer(String namespace, InetSocketAddress bind) throws Exception {
            socket = NetworkNamespace.call(namespace, () -> {
                ServerSocket s = new ServerSocket();
                s.bind(bind);
                return s;
            });
            acceptor = Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket c = socket.accept(); OutputStream out = c.getOutputStream()) {
                        accepted.incrementAndGet();
                        out.write("rs1\n".getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        // closed, or a health check that hung up first
                    }
                }
            });
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            try {
                acceptor.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
