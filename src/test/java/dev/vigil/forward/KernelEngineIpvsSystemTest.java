package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.linux.NetworkNamespace;
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
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * What the kernel engine does as IPVS does, end to end in namespaces ({@link NatTestbed}): firewall-mark
 * services (the operator marks packets in a table of its own), port 0, persistence with its granularity,
 * timeout and the servers that lose their clients, and {@code inhibit_on_failure}.
 */
@RequiresRoot(commands = {"ip", "nft", "conntrack"})
class KernelEngineIpvsSystemTest {
    private static final String VIP = NatTestbed.VIP, VIP6 = NatTestbed.VIP6;
    private static final int BACKEND_PORT = NatTestbed.BACKEND_PORT;
    /** Client addresses beside 10.199.0.100: one in the same /24, one in another. */
    private static final String NEIGHBOUR = "10.199.0.101", OTHER_NET = "10.197.0.100";
    private static NatTestbed net;
    private static NetnsBed bed;
    private static String balancer;
    private KernelEngine engine;

    @BeforeAll
    static void network() throws Exception {
        net = NatTestbed.create("ki");
        bed = net.bed();
        balancer = net.balancer();
        bed.exec(bed.client(), "ip", "addr", "add", NEIGHBOUR + "/24", "dev", "eth0");
        bed.exec(bed.client(), "ip", "addr", "add", OTHER_NET + "/24", "dev", "eth0");
        bed.exec(balancer, "ip", "route", "add", "10.197.0.0/24", "via", "10.199.0.100");
    }

    @AfterAll
    static void tearDown() {
        if (net != null) net.close();
    }

    @AfterEach
    void closeEngine() throws Exception {
        if (engine != null) engine.close();
        engine = null;
        bed.run(balancer, "nft", "delete", "table", "inet", "operator");
        // The next test counts its own connections only.
        bed.run(balancer, "conntrack", "-F");
    }

    private static NodeConfig config(String text) {
        ParseResult r = ConfigParser.parse(text, "t.conf", new ParseOptions("ki", true, false));
        assertThat(r.errors()).isEmpty();
        return r.config().orElseThrow();
    }

    /** Serves the first virtual server of {@code text}, its clients arriving at {@code addresses} and {@code marks}. */
    private VirtualService serve(String text, List<InetSocketAddress> addresses, List<Integer> marks) throws Exception {
        NodeConfig c = config(text);
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        if (engine == null) engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        assertThat(engine.apply(List.of(new ForwardedService(s, addresses, marks, EngineChoice.of(c, s.config())))))
                .isEmpty();
        return s;
    }

    private static String block(String key, String extra, String port) {
        StringBuilder b = new StringBuilder("virtual_server " + key + " {\n  lb_algo rr\n" + extra);
        for (int i = 2; i <= 4; i++) b.append("  real_server 10.198.0.").append(i).append(port).append(" {\n  }\n");
        return b.append("}\n").toString();
    }

    /** The operator's own table: packets to {@code match} get mark {@code mark} before Vigil's nat chain. */
    private static void operatorMarks(int mark, String... matches) throws Exception {
        StringBuilder b = new StringBuilder("add table inet operator\n"
                + "add chain inet operator mangle { type filter hook prerouting priority mangle; policy accept; }\n");
        for (String m : matches) b.append("add rule inet operator mangle ").append(m).append(" meta mark set ").append(mark).append('\n');
        bed.exec(balancer, "nft", b.toString());
    }

    /** One connection from {@code source} (a client address) to {@code to}: what the real server answered. */
    private static String hello(String source, InetSocketAddress to) throws Exception {
        try (Socket s = NetworkNamespace.call(bed.client(), () -> {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(to, 3000);
            return socket;
        })) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private static String name(String source, InetSocketAddress to) throws Exception {
        return hello(source, to).split(" ")[0];
    }

    private static List<String> names(String source, InetSocketAddress to, int n) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(name(source, to));
        return out;
    }

    private static String udp(InetSocketAddress to) throws Exception {
        try (DatagramSocket socket = NetworkNamespace.call(bed.client(), DatagramSocket::new)) {
            socket.setSoTimeout(3000);
            byte[] q = "q".getBytes(StandardCharsets.US_ASCII);
            socket.send(new DatagramPacket(q, q.length, to));
            DatagramPacket answer = new DatagramPacket(new byte[512], 512);
            socket.receive(answer);
            return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void aFirewallMarkServiceTakesWhatTheOperatorMarkedAndKeepsThePortOfARealServerOfPortZero() throws Exception {
        operatorMarks(5, "ip daddr " + VIP + " tcp dport { 7777, " + BACKEND_PORT + " }");
        serve(block("fwmark 5", "", ""), List.of(), List.of(5));
        InetSocketAddress marked = new InetSocketAddress(VIP, BACKEND_PORT);
        assertThat(names("10.199.0.100", marked, 4)).containsExactly("rs2", "rs3", "rs4", "rs2");
        assertThat(hello("10.199.0.100", marked)).as("the real server sees the client")
                .matches("rs3 10\\.199\\.0\\.100:\\d+");
        assertThat(engine.connections()).hasSize(5).allSatisfy(c -> assertThat(c.realServer()).isPresent());
        // Port 7777 is marked too and kept: the real servers do not listen there and reset it.
        assertThat(catchThrowable(() -> hello("10.199.0.100", new InetSocketAddress(VIP, 7777))))
                .isInstanceOf(ConnectException.class);
        // Unmarked packets are not the service's: the VIP itself answers port 9 with a reset.
        assertThat(catchThrowable(() -> hello("10.199.0.100", new InetSocketAddress(VIP, 9))))
                .isInstanceOf(ConnectException.class);
        // UDP carrying the mark is the service's too, as in IPVS.
        operatorMarks(5, "ip daddr " + VIP + " udp dport " + BACKEND_PORT);
        assertThat(udp(new InetSocketAddress(VIP, BACKEND_PORT))).matches("rs\\d 10\\.199\\.0\\.100:\\d+");
    }

    @Test
    void aRealServerWithAPortRewritesTheMarkedPortAndIpv6MarksAreServedToo() throws Exception {
        operatorMarks(7, "ip daddr " + VIP + " tcp dport 7000", "ip6 daddr " + VIP6 + " tcp dport 7000");
        serve(block("fwmark 7", "", " " + BACKEND_PORT), List.of(), List.of(7));
        assertThat(names("10.199.0.100", new InetSocketAddress(VIP, 7000), 3)).containsExactly("rs2", "rs3", "rs4");
        engine.close();
        engine = null;
        serve(block("fwmark 7", "", " " + BACKEND_PORT).replace("10.198.0.", "fd00:198::"), List.of(), List.of(7));
        assertThat(hello("fd00:199::100", new InetSocketAddress(VIP6, 7000)))
                .matches("rs2 fd00:199:0:0:0:0:0:100:\\d+");
    }

    @Test
    void aGroupServesItsAddressAndItsMarkThroughOneScheduler() throws Exception {
        operatorMarks(9, "ip daddr " + VIP + " tcp dport 7000");
        serve(block(VIP + " 81", "", " " + BACKEND_PORT), List.of(new InetSocketAddress(VIP, 81)), List.of(9));
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            got.add(name("10.199.0.100", new InetSocketAddress(VIP, 81)));
            got.add(name("10.199.0.100", new InetSocketAddress(VIP, 7000)));
        }
        assertThat(got).containsExactly("rs2", "rs3", "rs4", "rs2");
    }

    @Test
    void portZeroIsEveryPortAndKeepsIt() throws Exception {
        serve(block(VIP + " 0", "", ""), List.of(new InetSocketAddress(VIP, 0)), List.of());
        assertThat(names("10.199.0.100", new InetSocketAddress(VIP, BACKEND_PORT), 3)).containsExactly("rs2", "rs3", "rs4");
        // Another port goes to a real server too, port kept: nothing listens there, so it is reset.
        assertThat(catchThrowable(() -> hello("10.199.0.100", new InetSocketAddress(VIP, 7777))))
                .isInstanceOf(ConnectException.class);
        assertThat(engine.counters().accepted()).isEqualTo(4);
        // The three to port 8080 are listed (the reset one may be gone already).
        assertThat(engine.connections()).filteredOn(c -> c.virtual().equals(new InetSocketAddress(VIP, BACKEND_PORT)))
                .hasSize(3).allSatisfy(c -> assertThat(c.realServer()).isPresent());
        // A UDP datagram to the VIP is not this TCP service's.
        assertThat(catchThrowable(() -> udp(new InetSocketAddress(VIP, BACKEND_PORT)))).isNotNull();
    }

    @Test
    void portZeroWithARealServerPortRewritesEveryPortToIt() throws Exception {
        serve(block(VIP + " 0", "  protocol UDP\n", " " + BACKEND_PORT), List.of(new InetSocketAddress(VIP, 0)),
                List.of());
        assertThat(udp(new InetSocketAddress(VIP, 5353))).startsWith("rs2 ");
        assertThat(udp(new InetSocketAddress(VIP, 6000))).startsWith("rs3 ");
    }

    @Test
    void aClientNetworkStaysWithItsServerAcrossConnections() throws Exception {
        InetSocketAddress vs = new InetSocketAddress(VIP, 80);
        serve(block(VIP + " 80", "  persistence_timeout 300\n  persistence_granularity 255.255.255.0\n",
                " " + BACKEND_PORT), List.of(vs), List.of());
        assertThat(names("10.199.0.100", vs, 3)).containsExactly("rs2", "rs2", "rs2");
        assertThat(name(NEIGHBOUR, vs)).as("the same /24").isEqualTo("rs2");
        assertThat(names(OTHER_NET, vs, 2)).as("another /24: scheduled, then kept").containsExactly("rs3", "rs3");
        assertThat(name("10.199.0.100", vs)).isEqualTo("rs2");
        assertThat(bed.exec(balancer, "nft", "list", "set", "inet", "vigil", "vs1_p0")).contains("10.199.0.0");
    }

    @Test
    void withoutGranularityEachAddressIsItsOwnClient() throws Exception {
        InetSocketAddress vs = new InetSocketAddress(VIP, 80);
        serve(block(VIP + " 80", "  persistence_timeout 300\n", " " + BACKEND_PORT), List.of(vs), List.of());
        assertThat(names("10.199.0.100", vs, 2)).containsExactly("rs2", "rs2");
        assertThat(names(NEIGHBOUR, vs, 2)).containsExactly("rs3", "rs3");
    }

    @Test
    void aTemplateLivesTheTimeoutAfterTheLastPacketThenTheClientMayMove() throws Exception {
        InetSocketAddress vs = new InetSocketAddress(VIP, 80);
        serve(block(VIP + " 80", "  persistence_timeout 2\n", " " + BACKEND_PORT), List.of(vs), List.of());
        // A transfer of about 2.5 s, longer than the timeout: its packets keep the template alive.
        try (Socket bulk = net.connect(vs)) {
            bulk.setSoTimeout(10_000);
            bulk.getOutputStream().write("bulk\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = bulk.getInputStream();
            byte[] buffer = new byte[64 << 10];
            long received = 0;
            for (int n; (n = in.read(buffer)) > 0; ) received += n;
            assertThat(received).isGreaterThan(NatTestbed.BULK);
        }
        assertThat(name("10.199.0.100", vs)).as("the template outlived its first 2 s").isEqualTo("rs2");
        // Two seconds after the last packet it is gone, and the scheduler goes on from where it stood.
        awaitEmpty("vs1_p0");
        assertThat(name("10.199.0.100", vs)).isEqualTo("rs3");
    }

    private static void awaitEmpty(String set) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (bed.exec(balancer, "nft", "list", "set", "inet", "vigil", set).contains("elements")) {
            assertThat(System.nanoTime()).as("the template of " + set + " expires").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    @Test
    void aServerDownOrDrainedLosesItsClientsAndOneQuiescedKeepsThem() throws Exception {
        InetSocketAddress vs = new InetSocketAddress(VIP, 80);
        VirtualService s = serve(block(VIP + " 80", "  persistence_timeout 300\n", " " + BACKEND_PORT), List.of(vs),
                List.of());
        InetSocketAddress rs2 = new InetSocketAddress("10.198.0.2", BACKEND_PORT);
        InetSocketAddress rs3 = new InetSocketAddress("10.198.0.3", BACKEND_PORT);
        assertThat(name("10.199.0.100", vs)).isEqualTo("rs2");
        // Weight 0 (quiesced): IPVS and the proxy engine keep sending the persistent client.
        s.setHealth(rs2, true, 0);
        assertThat(names("10.199.0.100", vs, 2)).containsExactly("rs2", "rs2");
        assertThat(name(NEIGHBOUR, vs)).as("a new client is not sent to a quiesced server").isEqualTo("rs3");
        // Down: the client is scheduled again, and stays where it went.
        s.setHealth(rs2, false, 1);
        assertThat(names("10.199.0.100", vs, 2)).containsExactly("rs4", "rs4");
        // Back up: its old template was forgotten, it stays on rs4.
        s.setHealth(rs2, true, 1);
        assertThat(name("10.199.0.100", vs)).isEqualTo("rs4");
        // Drained: the same as down.
        s.setDrained(rs3, true);
        assertThat(name(NEIGHBOUR, vs)).isNotEqualTo("rs3");
    }

    @Test
    void inhibitOnFailureKeepsTheOpenConnectionAndSendsNewOnesElsewhere() throws Exception {
        InetSocketAddress vs = new InetSocketAddress(VIP, 80);
        VirtualService s = serve(block(VIP + " 80", "  inhibit_on_failure\n", " " + BACKEND_PORT), List.of(vs),
                List.of());
        try (Socket open = net.connect(vs)) {
            open.setSoTimeout(5000);
            // A failed check with inhibit_on_failure: the server stays in the table with weight 0 (what the
            // health part hands the balancer; the proxy engine gets the same).
            s.setHealth(new InetSocketAddress("10.198.0.2", BACKEND_PORT), false, 0);
            assertThat(names("10.199.0.100", vs, 4)).containsExactly("rs3", "rs4", "rs3", "rs4");
            open.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(new BufferedReader(new InputStreamReader(open.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine()).startsWith("rs2 10.199.0.100:");
        }
    }
}
