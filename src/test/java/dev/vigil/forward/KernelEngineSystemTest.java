package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.VirtualServer;
import dev.vigil.linux.NetworkNamespace;
import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel engine end to end, in namespaces ({@link NatTestbed}): a client, a balancer running the engine
 * in this JVM on a thread inside its namespace, and three real servers that answer their own name and the
 * client's address as they see it, routing through the balancer (lb_kind NAT).
 */
@RequiresRoot(commands = {"ip", "nft", "conntrack"})
class KernelEngineSystemTest {
    private static final String VIP = NatTestbed.VIP, VIP6 = NatTestbed.VIP6;
    private static final int TCP_PORT = 80, UDP_PORT = 53, BACKEND_PORT = NatTestbed.BACKEND_PORT, BULK = NatTestbed.BULK;
    private static NatTestbed net;
    private static NetnsBed bed;
    private static String balancer;
    private KernelEngine engine;

    @BeforeAll
    static void network() throws Exception {
        net = NatTestbed.create("ke");
        bed = net.bed();
        balancer = net.balancer();
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

    private static VirtualService service(String block) {
        NodeConfig config = config(block);
        return new VirtualService(config.virtualServers().getFirst());
    }

    private static NodeConfig config(String text) {
        ParseResult r = ConfigParser.parse(text, "t.conf", new ParseOptions("ke", true, false));
        assertThat(r.errors()).isEmpty();
        return r.config().orElseThrow();
    }

    private static ForwardedService forwarded(VirtualService s, NodeConfig c) {
        VirtualServer vs = s.config();
        var key = (VirtualServer.ByAddress) vs.key();
        return new ForwardedService(s, List.of(new InetSocketAddress(key.address(), key.port())), List.of(),
                EngineChoice.of(c, vs));
    }

    private VirtualService serve(String text) throws Exception {
        NodeConfig c = config(text);
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        if (engine == null) engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        assertThat(engine.apply(List.of(forwarded(s, c)))).isEmpty();
        return s;
    }

    private static String tcpBlock(String scheduler, int w2, int w3, int w4, String extra) {
        return "virtual_server " + VIP + " " + TCP_PORT + " {\n  lb_algo " + scheduler + "\n  vigil_engine kernel\n" + extra
                + "  real_server 10.198.0.2 " + BACKEND_PORT + " {\n    weight " + w2 + "\n  }\n"
                + "  real_server 10.198.0.3 " + BACKEND_PORT + " {\n    weight " + w3 + "\n  }\n"
                + "  real_server 10.198.0.4 " + BACKEND_PORT + " {\n    weight " + w4 + "\n  }\n}\n";
    }

    /** One connection to the VIP: what the real server answered ("rs2 10.199.0.100:40000"). */
    private static String hello() throws Exception {
        return net.hello(new InetSocketAddress(VIP, TCP_PORT));
    }

    private static String hello(InetSocketAddress to) throws Exception {
        return net.hello(to);
    }

    private static List<String> names(int connections) throws Exception {
        return net.names(new InetSocketAddress(VIP, TCP_PORT), connections);
    }

    @Test
    void wrrIsExactlyByWeightAndRealServersSeeTheClient() throws Exception {
        serve(tcpBlock("wrr", 3, 2, 1, ""));
        String first = hello();
        assertThat(first).matches("rs2 10\\.199\\.0\\.100:\\d+");
        List<String> got = new ArrayList<>(List.of(first.split(" ")[0]));
        got.addAll(names(11));
        assertThat(got).containsExactly("rs2", "rs2", "rs3", "rs2", "rs3", "rs4", "rs2", "rs2", "rs3", "rs2", "rs3", "rs4");
        ForwardCounters.Snapshot c = engine.counters();
        assertThat(c.accepted()).isEqualTo(12);
        assertThat(c.noRealServer()).isZero();
        assertThat(bed.exec(balancer, "sysctl", "-n", "net.ipv4.ip_forward").strip()).isEqualTo("1");
    }

    @Test
    void rrTakesEachServerInTurnAndWeightZeroLeaves() throws Exception {
        VirtualService s = serve(tcpBlock("rr", 1, 5, 1, ""));
        assertThat(names(6)).containsExactly("rs2", "rs3", "rs4", "rs2", "rs3", "rs4");
        s.setHealth(new InetSocketAddress("10.198.0.3", BACKEND_PORT), true, 0);
        assertThat(names(4)).containsExactly("rs2", "rs4", "rs2", "rs4");
        s.setDrained(new InetSocketAddress("10.198.0.2", BACKEND_PORT), true);
        s.setDrained(new InetSocketAddress("10.198.0.4", BACKEND_PORT), true);
        // No server left: new connections are counted and dropped.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(KernelEngineSystemTest::hello))
                .isInstanceOf(IOException.class);
        assertThat(engine.counters().noRealServer()).isGreaterThanOrEqualTo(1);
        s.setDrained(new InetSocketAddress("10.198.0.4", BACKEND_PORT), false);
        assertThat(names(2)).containsExactly("rs4", "rs4");
    }

    @Test
    void aServerTakenDownGetsNoNewConnectionsWhileItsTransferCompletesIntact() throws Exception {
        VirtualService s = serve(tcpBlock("rr", 1, 1, 1, ""));
        try (Socket bulk = net.connect(new InetSocketAddress(VIP, TCP_PORT))) {
            bulk.setSoTimeout(10_000);
            bulk.getOutputStream().write("bulk\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = bulk.getInputStream();
            String header = readLine(in);
            assertThat(header).startsWith("rs2 10.199.0.100:");
            List<ForwardedConnection> open = engine.connections();
            assertThat(open).anySatisfy(c -> {
                assertThat(c.realServer()).contains(new InetSocketAddress("10.198.0.2", BACKEND_PORT));
                assertThat(c.virtual()).isEqualTo(new InetSocketAddress(VIP, TCP_PORT));
                assertThat(c.client().getAddress().getHostAddress()).isEqualTo("10.199.0.100");
                assertThat(c.state()).isEqualTo(ForwardedConnection.State.ESTABLISHED);
            });

            s.setHealth(new InetSocketAddress("10.198.0.2", BACKEND_PORT), false, 1);
            assertThat(names(4)).containsExactly("rs3", "rs4", "rs3", "rs4");

            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[64 << 10];
            long received = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
                received += n;
            }
            assertThat(received).isEqualTo(BULK);
            assertThat(HexFormat.of().formatHex(sha.digest())).isEqualTo(expectedSha());
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) >= 0 && c != '\n'; ) b.append((char) c);
        return b.toString();
    }

    private static String expectedSha() throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(42);
        byte[] chunk = new byte[64 << 10];
        for (int sent = 0; sent < BULK; sent += chunk.length) {
            random.nextBytes(chunk);
            sha.update(chunk);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Test
    void udpIsRoundRobinPerFlow() throws Exception {
        serve("virtual_server " + VIP + " " + UDP_PORT + " {\n  lb_algo rr\n  protocol UDP\n"
                + "  real_server 10.198.0.2 " + BACKEND_PORT + " {\n  }\n"
                + "  real_server 10.198.0.3 " + BACKEND_PORT + " {\n  }\n"
                + "  real_server 10.198.0.4 " + BACKEND_PORT + " {\n  }\n}\n");
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            try (DatagramSocket socket = NetworkNamespace.call(bed.client(), DatagramSocket::new)) {
                socket.setSoTimeout(3000);
                byte[] q = "q".getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(q, q.length, new InetSocketAddress(VIP, UDP_PORT)));
                DatagramPacket answer = new DatagramPacket(new byte[512], 512);
                socket.receive(answer);
                assertThat(answer.getAddress().getHostAddress()).as("the answer comes from the VIP").isEqualTo(VIP);
                String text = new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII);
                assertThat(text).matches("rs\\d 10\\.199\\.0\\.100:\\d+");
                got.add(text.split(" ")[0]);
            }
        }
        assertThat(got).containsExactly("rs2", "rs3", "rs4", "rs2", "rs3", "rs4");
        assertThat(engine.connections()).hasSize(6).allSatisfy(c -> assertThat(c.protocol().name()).isEqualTo("UDP"));
    }

    @Test
    void snatToTheVipMakesRealServersSeeTheVip() throws Exception {
        serve(tcpBlock("rr", 1, 1, 1, "  vigil_snat " + VIP + "\n"));
        assertThat(hello()).matches("rs2 10\\.199\\.0\\.50:\\d+");
    }

    @Test
    void theGuardDropsANonSynThatWouldOpenAConnection() throws Exception {
        serve(tcpBlock("rr", 1, 1, 1, ""));
        try (Socket s = net.connect(new InetSocketAddress(VIP, TCP_PORT))) {
            // The balancer forgets the connection (as a backup that took over without its entries would
            // not know it): the client's next segment is not a SYN, so the guard drops it instead of NAT.
            bed.exec(balancer, "conntrack", "-F");
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (engine.counters().guardDrops() == 0 && System.nanoTime() < deadline) Thread.sleep(50);
            assertThat(engine.counters().guardDrops()).isGreaterThanOrEqualTo(1);
        }
    }

    @Test
    void closeLeavesNoTableAndARestartAfterACrashLeavesExactlyOne() throws Exception {
        KernelEngine crashed = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        VirtualService s = service(tcpBlock("rr", 1, 1, 1, ""));
        NodeConfig c = config(tcpBlock("rr", 1, 1, 1, ""));
        assertThat(crashed.apply(List.of(forwarded(s, c)))).isEmpty();
        assertThat(names(1)).containsExactly("rs2");
        // Not closed: as after kill -9. The next start replaces the table.
        engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        assertThat(tables()).containsExactly("table inet vigil");
        assertThat(bed.exec(balancer, "nft", "list", "chain", "inet", "vigil", "dispatch")).doesNotContain("jump");
        VirtualService again = service(tcpBlock("rr", 1, 1, 1, ""));
        assertThat(engine.apply(List.of(forwarded(again, c)))).isEmpty();
        assertThat(names(3)).containsExactly("rs2", "rs3", "rs4");
        engine.close();
        engine = null;
        assertThat(tables()).isEmpty();
    }

    @Test
    void ipv6IsNattedTheSameWay() throws Exception {
        serve(tcpBlock("wrr", 2, 1, 1, "").replace(VIP + " ", VIP6 + " ").replace("10.198.0.", "fd00:198::"));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String answer = hello(new InetSocketAddress(VIP6, TCP_PORT));
            assertThat(answer).matches("rs\\d fd00:199:0:0:0:0:0:100:\\d+");
            got.add(answer.split(" ")[0]);
        }
        assertThat(got).containsExactly("rs2", "rs2", "rs3", "rs4");
        assertThat(bed.exec(balancer, "sysctl", "-n", "net.ipv6.conf.all.forwarding").strip()).isEqualTo("1");
    }

    @Test
    void aReloadRemovesChangesAndAddsServicesInOneApply() throws Exception {
        engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        NodeConfig first = config(tcpBlock("rr", 1, 1, 1, "") + tcpBlock("wrr", 2, 1, 1, "").replace(" 80 {", " 81 {"));
        VirtualService a = new VirtualService(first.virtualServers().get(0));
        VirtualService b = new VirtualService(first.virtualServers().get(1));
        assertThat(engine.apply(List.of(forwarded(a, first), forwarded(b, first)))).isEmpty();
        assertThat(names(1)).containsExactly("rs2");
        assertThat(hello(new InetSocketAddress(VIP, 81))).startsWith("rs2 ");

        // The reload: :80 goes, :81 changes to rr over two servers, a UDP service comes.
        NodeConfig second = config(tcpBlock("rr", 1, 1, 0, "").replace(" 80 {", " 81 {")
                + "virtual_server " + VIP + " " + UDP_PORT + " {\n  lb_algo rr\n  protocol UDP\n"
                + "  real_server 10.198.0.4 " + BACKEND_PORT + " {\n  }\n}\n");
        b.reconfigure(second.virtualServers().get(0));
        VirtualService udp = new VirtualService(second.virtualServers().get(1));
        assertThat(engine.apply(List.of(forwarded(b, second), forwarded(udp, second)))).isEmpty();
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) got.add(hello(new InetSocketAddress(VIP, 81)).split(" ")[0]);
        assertThat(got).containsExactly("rs2", "rs3", "rs2", "rs3");
        // Nothing serves :80 any more: the VIP itself answers, with a reset.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(KernelEngineSystemTest::hello))
                .isInstanceOf(java.net.ConnectException.class);
        String table = bed.exec(balancer, "nft", "list", "chain", "inet", "vigil", "dispatch")
                + bed.exec(balancer, "nft", "list", "map", "inet", "vigil", "services4");
        assertThat(table).contains(". tcp . 81 : jump vs2", ". udp . 53 : jump vs3").doesNotContain("vs1");
        // The removed service's listener is gone: a change to it touches nothing.
        a.setHealth(new InetSocketAddress("10.198.0.2", BACKEND_PORT), false, 1);
        assertThat(engine.apply(List.of())).isEmpty();
        assertThat(bed.exec(balancer, "nft", "list", "map", "inet", "vigil", "services4")).doesNotContain("jump");
    }

    @Test
    void theSorryServerTakesNewConnectionsWhileTheQuorumIsLost() throws Exception {
        VirtualService s = serve("virtual_server " + VIP + " " + TCP_PORT + " {\n  lb_algo rr\n  vigil_engine kernel\n"
                + "  quorum 2\n  sorry_server 10.198.0.4 " + BACKEND_PORT + "\n"
                + "  real_server 10.198.0.2 " + BACKEND_PORT + " {\n  }\n"
                + "  real_server 10.198.0.3 " + BACKEND_PORT + " {\n  }\n}\n");
        assertThat(names(2)).containsExactly("rs2", "rs3");
        s.setHealth(new InetSocketAddress("10.198.0.3", BACKEND_PORT), false, 1);
        assertThat(s.quorumUp()).isFalse();
        assertThat(names(2)).containsExactly("rs4", "rs4");
        s.setHealth(new InetSocketAddress("10.198.0.3", BACKEND_PORT), true, 1);
        assertThat(names(2)).containsExactly("rs2", "rs3");
    }

    @Test
    void closeStopsNewConnectionsAtOnceAndWaitsForTheOpenOnes() throws Exception {
        serve(tcpBlock("rr", 1, 1, 1, ""));
        Socket open = net.connect(new InetSocketAddress(VIP, TCP_PORT));
        open.setSoTimeout(5000);
        KernelEngine closing = engine;
        engine = null;
        long t0 = System.nanoTime();
        Thread closer = Thread.ofPlatform().start(() -> closing.close(Duration.ofSeconds(20)));
        Thread.sleep(300);
        assertThat(closer.isAlive()).as("close waits for the open connection").isTrue();
        // New connections reach the VIP itself, which resets them; the open one still goes through.
        assertThat(org.assertj.core.api.Assertions.catchThrowable(KernelEngineSystemTest::hello))
                .isInstanceOf(java.net.ConnectException.class);
        open.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readLine(open.getInputStream())).startsWith("rs2 10.199.0.100:");
        open.close(); // the real server has closed its side already: both FINs, the entry leaves ESTABLISHED
        closer.join(Duration.ofSeconds(20));
        assertThat(closer.isAlive()).isFalse();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
        assertThat(tables()).isEmpty();
    }

    private static List<String> tables() throws IOException {
        Matcher m = Pattern.compile("(?m)^table .*$").matcher(bed.exec(balancer, "nft", "list", "tables"));
        List<String> out = new ArrayList<>();
        while (m.find()) out.add(m.group());
        return out;
    }
}
