package dev.vigil.forward;

import dev.vigil.balance.RealServerSnapshot;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.VirtualServer;
import dev.vigil.linux.ConntrackEvents;
import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel engine's accounting end to end, in {@link NatTestbed}'s namespaces: long-lived connections
 * through the engine are each real server's active connections, closed ones become inactive (TIME_WAIT)
 * and then go, a known transfer's bytes are the real server's, and a receive buffer too small for a burst
 * still ends with the right counts.
 */
@RequiresRoot(commands = {"ip", "nft", "sysctl", "conntrack"})
class KernelAccountingSystemTest {
    private static final String VIP = NatTestbed.VIP;
    private static final int PORT = 80, BACKEND_PORT = NatTestbed.BACKEND_PORT;
    private static final List<String> SERVERS = List.of("10.198.0.2", "10.198.0.3", "10.198.0.4");
    private static NatTestbed net;
    private static NetnsBed bed;
    private static String balancer;
    private KernelEngine engine;

    @BeforeAll
    static void network() throws Exception {
        net = NatTestbed.create("ka");
        bed = net.bed();
        balancer = net.balancer();
        // Closed connections leave conntrack within seconds instead of two minutes.
        bed.exec(balancer, "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_timeout_time_wait=4");
    }

    @AfterAll
    static void tearDown() {
        if (net != null) net.close();
    }

    @AfterEach
    void closeEngine() {
        if (engine != null) engine.close();
        engine = null;
    }

    private VirtualService serve(ConntrackEvents.Options conntrack) throws Exception {
        // Connections of the test before are still in TIME_WAIT: they would be counted (rightly) for this one.
        bed.exec(balancer, "conntrack", "-F");
        String text = "virtual_server " + VIP + " " + PORT + " {\n  lb_algo rr\n  vigil_engine kernel\n"
                + SERVERS.stream().map(a -> "  real_server " + a + " " + BACKEND_PORT + " {\n  }\n").reduce("", String::concat)
                + "}\n";
        ParseResult r = ConfigParser.parse(text, "t.conf", new ParseOptions("ka", true, false));
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer), conntrack));
        VirtualServer vs = s.config();
        assertThat(engine.apply(List.of(new ForwardedService(s, List.of(new InetSocketAddress(VIP, PORT)), List.of(),
                EngineChoice.of(c, vs))))).isEmpty();
        return s;
    }

    private static Map<String, Long> per(VirtualService s, Function<RealServerSnapshot, Long> field) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (RealServerSnapshot r : s.snapshot().realServers()) out.put(r.address().getHostAddress(), field.apply(r));
        return out;
    }

    private static Map<String, Long> each(long n) {
        Map<String, Long> out = new java.util.TreeMap<>();
        for (String a : SERVERS) out.put(a, n);
        return out;
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(20);
        }
    }

    @Test
    void longLivedConnectionsAreActiveThenInactiveOnceClosedThenGone() throws Exception {
        VirtualService s = serve(new ConntrackEvents.Options(8 << 20, Duration.ofSeconds(1)));
        assertThat(bed.exec(balancer, "sysctl", "-n", "net.netfilter.nf_conntrack_acct").strip()).isEqualTo("1");
        List<KernelConnectionCounts> heard = new CopyOnWriteArrayList<>();
        engine.addCountsListener(heard::add);
        List<Socket> open = new ArrayList<>();
        try {
            // rr: rs2, rs3, rs4, rs2, rs3, rs4; each real server waits for a line, so they stay open.
            for (int i = 0; i < 6; i++) open.add(net.connect(new InetSocketAddress(VIP, PORT)));
            await("two active connections per real server: " + per(s, RealServerSnapshot::activeConnections),
                    () -> per(s, RealServerSnapshot::activeConnections).equals(each(2)));
            assertThat(per(s, RealServerSnapshot::inactiveConnections)).isEqualTo(each(0));
            assertThat(per(s, RealServerSnapshot::totalConnections)).isEqualTo(each(2));
            assertThat(engine.counters().openConnections()).isEqualTo(6);
            assertThat(engine.counters().accepted()).isEqualTo(6);
            KernelConnectionCounts.Counts two = new KernelConnectionCounts.Counts(2, 0);
            await("the reconciled counts to a listener", () -> heard.stream().anyMatch(c -> c.of(s).size() == 3
                    && c.of(s).values().stream().allMatch(two::equals)));
            assertThat(engine.connectionCounts().of(s)).containsEntry(new InetSocketAddress("10.198.0.3", BACKEND_PORT), two);

            // The first three (one per server) end: the real server answers and closes, the client closes.
            for (int i = 0; i < 3; i++) {
                Socket c = open.get(i);
                c.setSoTimeout(5000);
                c.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine()).startsWith("rs");
                c.close();
            }
            await("one active and one inactive (TIME_WAIT) per real server: "
                    + per(s, RealServerSnapshot::activeConnections) + " " + per(s, RealServerSnapshot::inactiveConnections),
                    () -> per(s, RealServerSnapshot::activeConnections).equals(each(1))
                            && per(s, RealServerSnapshot::inactiveConnections).equals(each(1)));
            assertThat(engine.counters().openConnections()).isEqualTo(3);
            await("the closed ones gone once TIME_WAIT (4 s here) ends: " + per(s, RealServerSnapshot::inactiveConnections),
                    () -> per(s, RealServerSnapshot::inactiveConnections).equals(each(0)));
            assertThat(per(s, RealServerSnapshot::activeConnections)).isEqualTo(each(1));
            assertThat(per(s, RealServerSnapshot::totalConnections)).isEqualTo(each(2));
        } finally {
            for (Socket c : open) c.close();
        }
    }

    @Test
    void aKnownTransfersBytesAreItsRealServers() throws Exception {
        VirtualService s = serve(new ConntrackEvents.Options(8 << 20, Duration.ofSeconds(1)));
        long received = 0;
        try (Socket bulk = net.connect(new InetSocketAddress(VIP, PORT))) {
            bulk.setSoTimeout(20_000);
            bulk.getOutputStream().write("bulk\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = bulk.getInputStream();
            byte[] buffer = new byte[64 << 10];
            for (int n; (n = in.read(buffer)) > 0; ) received += n;
        }
        long payload = received;
        assertThat(payload).isGreaterThan(NatTestbed.BULK);
        Function<RealServerSnapshot, Long> out = RealServerSnapshot::bytesOut;
        await("the transfer's bytes counted: " + per(s, out), () -> per(s, out).get("10.198.0.2") >= payload);
        RealServerSnapshot rs2 = s.snapshot().realServers().getFirst();
        // IP and TCP headers on top: 52 bytes a segment of at least 1,448 (at most ~3.6 %), plus the handshake.
        assertThat(rs2.bytesOut()).isBetween(payload, payload + payload * 5 / 100);
        assertThat(rs2.bytesIn()).as("the request, the ACKs and the FIN").isBetween(5L, payload * 5 / 100);
        assertThat(per(s, out).get("10.198.0.3")).isZero();
        var sums = s.snapshot();
        assertThat(sums.bytesOut()).isEqualTo(rs2.bytesOut());
    }

    @Test
    void aBufferTooSmallForABurstStillEndsWithTheRightCounts() throws Exception {
        // The kernel's smallest receive buffer: a burst of events overruns it; the dumps that follow put it right.
        VirtualService s = serve(new ConntrackEvents.Options(1, Duration.ofSeconds(1)));
        List<Socket> open = new ArrayList<>();
        try {
            List<Thread> openers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                openers.add(Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < 10; i++) {
                        try {
                            Socket c = net.connect(new InetSocketAddress(VIP, PORT));
                            synchronized (open) {
                                open.add(c);
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }));
            }
            for (Thread t : openers) t.join();
            assertThat(open).hasSize(30);
            await("ten active connections per real server: " + per(s, RealServerSnapshot::activeConnections),
                    () -> per(s, RealServerSnapshot::activeConnections).equals(each(10))
                            && per(s, RealServerSnapshot::inactiveConnections).equals(each(0)));
            System.out.println("overruns of the smallest buffer with 30 connections opened at once: "
                    + engine.conntrackOverruns());
        } finally {
            synchronized (open) {
                for (Socket c : open) c.close();
            }
        }
    }
}
