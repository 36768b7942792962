package dev.vigil.system;

import dev.vigil.report.StatusSnapshot;
import dev.vigil.linux.Bpf;
import dev.vigil.linux.NetworkInterfaces;
import dev.vigil.linux.NetworkNamespace;
import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code vigil run} with the kernel engine, in the balancer's namespace of a {@link NatTestbed}: the daemon
 * chooses the engine from the configuration and its status says which and why, a TCP_CHECK takes a stopped
 * real server of {@code inhibit_on_failure} out of the map while its open connections go on, a stop leaves no
 * table and no eBPF program, and a kill -9 then a start leaves exactly one of each.
 */
@RequiresRoot(commands = {"ip", "nft"})
@RequiresVigilRun
class KernelNodeSystemTest {
    private static final InetSocketAddress VS = new InetSocketAddress(NatTestbed.VIP, 80);

    private static String config() {
        StringBuilder b = new StringBuilder("global_defs {\n  router_id ke\n  vigil_engine kernel\n}\n"
                + "virtual_server " + NatTestbed.VIP + " 80 {\n  lb_algo rr\n  delay_loop 1\n");
        for (int i = 2; i <= 4; i++) {
            b.append("  real_server 10.198.0.").append(i).append(' ').append(NatTestbed.BACKEND_PORT)
                    .append(i == 3 ? " {\n    inhibit_on_failure\n" : " {\n")
                    .append("    TCP_CHECK {\n      connect_timeout 1\n      retry 1\n      delay_before_retry 1\n"
                            + "    }\n  }\n");
        }
        b.append("}\n");
        // A counted scheduler: its eBPF selector must not outlive the process either.
        b.append("virtual_server ").append(NatTestbed.VIP).append(" 81 {\n  lb_algo wlc\n");
        for (int i = 2; i <= 4; i++) {
            b.append("  real_server 10.198.0.").append(i).append(' ').append(NatTestbed.BACKEND_PORT).append(" {\n  }\n");
        }
        return b.append("}\n").toString();
    }

    /** The tcx programs on the balancer's interface. */
    private static int selectors(NatTestbed net) throws Exception {
        return NetworkNamespace.call(net.balancer(),
                () -> Bpf.tcxIngressPrograms(NetworkInterfaces.indexOf(NetnsBed.INTERFACE)).size());
    }

    @Test
    void theDaemonNatsInTheKernelFollowsItsChecksAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        try (NatTestbed net = NatTestbed.create("ke")) {
            Path conf = dir.resolve("keepalived.conf");
            Files.writeString(conf, config());
            try (var lb = new VigilNodeProcess(net.bed(), "lb", net.balancer(), conf,
                    new InetSocketAddress("10.199.0.1", 9180), dir.resolve("lb.log"))) {
                lb.start();
                lb.awaitReady(Duration.ofSeconds(60));
                run(net, lb);
            }
        }
    }

    private static void run(NatTestbed net, VigilNodeProcess lb) throws Exception {
        try {
            steps(net, lb);
        } catch (Exception | AssertionError e) {
            throw new AssertionError(e + "; the node's log ends:\n" + lb.logTail(40) + "\nits ruleset:\n"
                    + net.bed().run(net.balancer(), "nft", "list", "ruleset").stdout(), e);
        }
    }

    private static void steps(NatTestbed net, VigilNodeProcess lb) throws Exception {
                assertThat(Files.readString(lb.log())).contains(
                        "virtual server 10.199.0.50:80: kernel (vigil_engine kernel of global_defs) engine",
                        "turned on net.ipv4.ip_forward", "forwarding with the kernel engine");
                assertThat(net.names(VS, 3)).containsExactlyInAnyOrder("rs2", "rs3", "rs4");
                assertThat(net.hello(VS)).matches("rs\\d 10\\.199\\.0\\.100:\\d+");
                var chosen = lb.status().virtualServers().getFirst();
                assertThat(chosen.engine() + " (" + chosen.engineReason() + ")").isEqualTo("kernel (vigil_engine kernel of global_defs)");
                // The status counts the kernel's connections per real server as it counts the proxy's.
                assertThat(Files.readString(lb.log())).contains("turned on net.netfilter.nf_conntrack_acct");
                try (Socket _ = net.connect(VS)) {
                    long t = System.nanoTime();
                    while (active(lb) != 1) {
                        assertThat(System.nanoTime() - t).as("one active connection in the status")
                                .isLessThan(Duration.ofSeconds(15).toNanos());
                        Thread.sleep(100);
                    }
                    StatusSnapshot.VirtualServer vs = lb.status().virtualServers().getFirst();
                    assertThat(vs.totalConnections()).isEqualTo(5);
                    assertThat(vs.inactiveConnections()).as("the four closed, in TIME_WAIT").isEqualTo(4);
                    // Their answers' bytes, once a dump (every 5 s) read the entries.
                    while (lb.status().virtualServers().getFirst().bytesOut() == 0) {
                        assertThat(System.nanoTime() - t).as("bytes out in the status")
                                .isLessThan(Duration.ofSeconds(15).toNanos());
                        Thread.sleep(100);
                    }
                }
                assertThat(net.names(new InetSocketAddress(NatTestbed.VIP, 81), 3)).containsExactly("rs2", "rs3", "rs4");
                assertThat(selectors(net)).isEqualTo(1);

                // Three idle connections, one on each server (rr), open across rs3's failure.
                List<java.net.Socket> open = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++) open.add(net.connect(VS));
                net.stopTcp(3);
                long t0 = System.nanoTime();
                // Until the check notices, connections sent to rs3 are refused by it.
                while (stillReachesRs3(net)) {
                    assertThat(System.nanoTime() - t0).as("rs3 still gets connections")
                            .isLessThan(Duration.ofSeconds(15).toNanos());
                    Thread.sleep(200);
                }
                System.out.printf("TCP_CHECK failure to no new connections on rs3: %d ms%n",
                        (System.nanoTime() - t0) / 1_000_000);
                // Round robin over the two left, wherever the sequence stands.
                List<String> left = net.names(VS, 4);
                assertThat(left).containsOnly("rs2", "rs4");
                for (int i = 1; i < left.size(); i++) assertThat(left.get(i)).isNotEqualTo(left.get(i - 1));
                // inhibit_on_failure: rs3 stays listed with weight 0, and its open connection is served.
                assertThat(Files.readString(lb.log())).contains("real server 10.198.0.3:8080: DOWN").contains("kept with weight 0");
                var rs3 = lb.status().virtualServers().getFirst().realServers().stream()
                        .filter(r -> r.address().equals("10.198.0.3")).findFirst().orElseThrow();
                assertThat(rs3.healthy()).isFalse();
                assertThat(rs3.effectiveWeight()).isZero();
                List<String> served = new java.util.ArrayList<>();
                for (java.net.Socket s : open) {
                    try (s) {
                        s.setSoTimeout(5000);
                        s.getOutputStream().write("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        served.add(new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                                java.nio.charset.StandardCharsets.US_ASCII)).readLine().split(" ")[0]);
                    }
                }
                assertThat(served).containsExactlyInAnyOrder("rs2", "rs3", "rs4");

                // kill -9: the table stays; the next start replaces it, and there is exactly one.
                lb.kill9();
                assertThat(tables(net)).containsExactly("table inet vigil");
                // The selector's tcx link was held by the process's fds only (nothing pinned): gone with it.
                assertThat(selectors(net)).isZero();
                lb.start();
                lb.awaitReady(Duration.ofSeconds(60));
                assertThat(tables(net)).containsExactly("table inet vigil");
                assertThat(selectors(net)).isEqualTo(1);
                // A start takes every real server as up until its check says otherwise, as keepalived does.
                assertThat(net.names(VS, 1)).containsExactly("rs2");

                assertThat(lb.terminate(Duration.ofSeconds(30))).as(lb.logTail(30)).isZero();
                assertThat(Files.readString(lb.log())).contains("kernel engine: table inet vigil removed")
                        .doesNotContain("Exception");
                assertThat(tables(net)).isEmpty();
                assertThat(selectors(net)).isZero();
    }

    private static long active(VigilNodeProcess lb) throws Exception {
        return lb.status().virtualServers().getFirst().realServers().stream()
                .mapToLong(StatusSnapshot.RealServer::activeConnections).sum();
    }

    private static boolean stillReachesRs3(NatTestbed net) throws Exception {
        try {
            return net.names(VS, 3).contains("rs3");
        } catch (java.net.ConnectException e) {
            return true;
        }
    }

    private static List<String> tables(NatTestbed net) throws Exception {
        Matcher m = Pattern.compile("(?m)^table .*$").matcher(net.bed().exec(net.balancer(), "nft", "list", "tables"));
        List<String> out = new java.util.ArrayList<>();
        while (m.find()) out.add(m.group());
        return out;
    }
}
