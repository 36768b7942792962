package dev.vigil.forward;

import dev.vigil.balance.RealServerSnapshot;
import dev.vigil.balance.SchedulerSlots;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.SchedulerFlag;
import dev.vigil.linux.NetworkNamespace;
import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel engine's hash tables (sh-fallback, dh, mh, mh-port, mh-fallback) and thresholds end to end, in
 * {@link NatTestbed}'s namespaces. Which bucket the kernel's jhash gives a connection is made visible by a probe
 * table of the test's own: the same jhash expression with the engine's fixed seed, written into the connection's
 * conntrack mark before the engine's NAT. Each connection's real server (its conntrack entry's reply source) must
 * then be the server the engine's table ({@link SchedulerSlots}, balance's scheduler) holds for that bucket.
 */
@RequiresRoot(commands = {"ip", "nft", "conntrack", "sysctl"})
class KernelSchedulerSystemTest {
    private static final String VIP = NatTestbed.VIP;
    private static final int PORT = 80, BACKEND_PORT = NatTestbed.BACKEND_PORT;
    private static final InetSocketAddress RS2 = new InetSocketAddress("10.198.0.2", BACKEND_PORT),
            RS3 = new InetSocketAddress("10.198.0.3", BACKEND_PORT);
    /** Extra client addresses, so a hash of the source address has more than one value. */
    private static final List<String> CLIENTS = List.of("10.199.0.101", "10.199.0.102", "10.199.0.103", "10.199.0.104",
            "10.199.0.105", "10.199.0.106", "10.199.0.107", "10.199.0.108", "10.199.0.109", "10.199.0.110");
    /** Addresses a fwmark service is sent to, so dh's hash of the destination has more than one value. */
    private static final List<String> MARKED = List.of("10.199.0.51", "10.199.0.52", "10.199.0.53", "10.199.0.54",
            "10.199.0.55", "10.199.0.56", "10.199.0.57", "10.199.0.58", "10.199.0.59", "10.199.0.60");
    private static final Pattern ENTRY = Pattern.compile(
            "src=(\\S+) dst=(\\S+) sport=(\\d+) dport=\\d+ .*?src=(\\S+) dst=\\S+ sport=(\\d+) (?:.*?mark=(\\d+))?");
    private static NatTestbed net;
    private static NetnsBed bed;
    private static String balancer;
    private KernelEngine engine;

    /** One connection's conntrack entry: where it came from and went to, the real server, the probe's bucket. */
    private record Entry(InetSocketAddress client, InetAddress destination, InetSocketAddress server, int bucket) {}

    private record Flow(InetSocketAddress client, InetAddress destination) {}

    @BeforeAll
    static void network() throws Exception {
        net = NatTestbed.create("ks");
        bed = net.bed();
        balancer = net.balancer();
        for (String a : CLIENTS) bed.exec(bed.client(), "ip", "addr", "add", a + "/24", "dev", "eth0");
        for (String a : MARKED) bed.exec(balancer, "ip", "addr", "add", a + "/32", "dev", "eth0");
        // Closed connections leave conntrack (and the books of thresholds) within seconds, not two minutes.
        bed.exec(balancer, "sysctl", "-qw", "net.netfilter.nf_conntrack_tcp_timeout_time_wait=2",
                "net.netfilter.nf_conntrack_tcp_timeout_close=2");
    }

    @AfterAll
    static void tearDown() {
        if (net != null) net.close();
    }

    @BeforeEach
    void clean() throws Exception {
        bed.exec(balancer, "nft", "add table inet probe\ndelete table inet probe\nadd table inet operator\ndelete table inet operator");
        bed.exec(balancer, "conntrack", "-F");
    }

    @AfterEach
    void closeEngine() {
        if (engine != null) engine.close();
        engine = null;
    }

    private VirtualService serve(String text, List<InetSocketAddress> addresses, List<Integer> marks) throws Exception {
        ParseResult r = ConfigParser.parse(text, "t.conf", new ParseOptions("ks", true, false));
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        engine = KernelEngine.start(new KernelEngine.Options(Optional.of(balancer)));
        assertThat(engine.apply(List.of(new ForwardedService(s, addresses, marks, EngineChoice.of(c, s.config())))))
                .isEmpty();
        return s;
    }

    private static String block(String key, String scheduler, String flags, String rs2) {
        return "virtual_server " + key + " {\n  lb_algo " + scheduler + "\n" + flags + "  vigil_engine kernel\n"
                + "  real_server 10.198.0.2 " + BACKEND_PORT + " {\n    weight 1\n" + rs2 + "  }\n"
                + "  real_server 10.198.0.3 " + BACKEND_PORT + " {\n    weight 2\n  }\n"
                + "  real_server 10.198.0.4 " + BACKEND_PORT + " {\n    weight 1\n  }\n}\n";
    }

    /** The probe: {@code expression} (the engine's own jhash text) into each new connection's conntrack mark. */
    private static void probe(String expression) throws Exception {
        bed.exec(balancer, "nft", "add table inet probe\n"
                + "add chain inet probe p { type filter hook prerouting priority -120; policy accept; }\n"
                + "add rule inet probe p ct state new ct mark set " + expression + " seed " + KernelRuleset.JHASH_SEED + "\n");
    }

    /** A connection from {@code source} to {@code to}, open until closed. */
    private static Socket open(String source, InetSocketAddress to) throws Exception {
        return NetworkNamespace.call(bed.client(), () -> {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress(source, 0));
            socket.connect(to, 3000);
            return socket;
        });
    }

    /** Asks the real server for its name and closes: "rs2 10.199.0.100:40000". */
    private static String hello(Socket s) throws Exception {
        try (s) {
            s.setSoTimeout(5000);
            s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    private static List<Entry> entries() throws Exception {
        List<Entry> out = new ArrayList<>();
        for (String line : bed.exec(balancer, "conntrack", "-L", "-p", "tcp", "--dport", Integer.toString(PORT)).split("\n")) {
            Matcher m = ENTRY.matcher(line);
            if (!m.find()) continue;
            out.add(new Entry(new InetSocketAddress(m.group(1), Integer.parseInt(m.group(3))), InetAddress.getByName(m.group(2)),
                    new InetSocketAddress(m.group(4), Integer.parseInt(m.group(5))),
                    m.group(6) == null ? -1 : Integer.parseInt(m.group(6))));
        }
        return out;
    }

    private static SchedulerSlots table(VirtualService s) {
        return SchedulerSlots.of(s.config().scheduler(), s.config().schedulerFlags(), s.table().realServers());
    }

    /**
     * {@code perSource} connections from each of {@code sources} to each of {@code destinations}: every one
     * reached a real server (its answer names the server its conntrack entry was DNATed to), and that server is
     * what {@code s}'s table holds for the bucket the kernel hashed it to. Returns the entries.
     */
    private static List<Entry> connectAndCheck(VirtualService s, List<String> sources, List<InetSocketAddress> destinations,
                                               int perSource) throws Exception {
        bed.exec(balancer, "conntrack", "-F");
        // A closed connection's port may be chosen again, which reopens its conntrack entry: one entry per port.
        Set<Flow> flows = new HashSet<>();
        for (InetSocketAddress to : destinations) {
            for (String from : sources) {
                for (int i = 0; i < perSource; i++) {
                    Socket socket = open(from, to);
                    flows.add(new Flow((InetSocketAddress) socket.getLocalSocketAddress(), to.getAddress()));
                    assertThat(hello(socket)).as("connection from %s to %s", from, to).startsWith("rs");
                }
            }
        }
        SchedulerSlots table = table(s);
        List<Entry> entries = entries();
        assertThat(entries).extracting(e -> new Flow(e.client(), e.destination())).containsExactlyInAnyOrderElementsOf(flows);
        for (Entry e : entries) {
            assertThat(e.bucket()).isLessThan(table.modulus());
            assertThat(e.server()).as("%s to %s, bucket %d", e.client(), e.destination(), e.bucket())
                    .isEqualTo(table.slots().get(e.bucket()));
        }
        return entries;
    }

    @Test
    void shFallbackSendsAQuiescedServersBucketsWhereTheTableSays() throws Exception {
        VirtualService s = serve(block(VIP + " " + PORT, "sh", "  sh-port\n  sh-fallback\n", ""),
                List.of(new InetSocketAddress(VIP, PORT)), List.of());
        probe("jhash ip saddr . tcp sport mod 256");
        List<Entry> before = connectAndCheck(s, CLIENTS.subList(0, 2), List.of(new InetSocketAddress(VIP, PORT)), 15);
        assertThat(before.stream().map(Entry::server).distinct()).hasSize(3);
        s.setHealth(RS3, true, 0); // quiesced: its buckets stay its own and fall back
        List<Entry> after = connectAndCheck(s, CLIENTS.subList(0, 2), List.of(new InetSocketAddress(VIP, PORT)), 20);
        assertThat(after).noneMatch(e -> e.server().equals(RS3));
        // Some of them hashed to a bucket of the quiesced server, which only the fallback fills.
        SchedulerSlots plain = SchedulerSlots.of(s.config().scheduler(), Set.of(SchedulerFlag.SH_PORT), s.table().realServers());
        assertThat(after.stream().filter(e -> !plain.slots().containsKey(e.bucket())).count()).isPositive();
    }

    @Test
    void mhFallbackSendsAQuiescedServersSlotsWhereTheTableSays() throws Exception {
        VirtualService s = serve(block(VIP + " " + PORT, "mh", "  mh-port\n  mh-fallback\n", ""),
                List.of(new InetSocketAddress(VIP, PORT)), List.of());
        probe("jhash ip saddr . tcp sport mod 65537");
        s.setHealth(RS3, true, 0); // quiesced: its slots stay its own (last_weight) and fall back
        List<Entry> after = connectAndCheck(s, CLIENTS.subList(0, 2), List.of(new InetSocketAddress(VIP, PORT)), 30);
        assertThat(after).noneMatch(e -> e.server().equals(RS3));
        // Some of them hashed to a slot of the quiesced server, which only the fallback fills.
        SchedulerSlots plain = SchedulerSlots.of(s.config().scheduler(), Set.of(SchedulerFlag.MH_PORT), s.table().realServers());
        assertThat(after.stream().filter(e -> !plain.slots().containsKey(e.bucket())).count()).isPositive();
    }

    @Test
    void dhHashesTheDestinationsOfAFwmarkService() throws Exception {
        VirtualService s = serve(block("fwmark 5", "dh", "", ""), List.of(), List.of(5));
        bed.exec(balancer, "nft", "add table inet operator\n"
                + "add chain inet operator mangle { type filter hook prerouting priority mangle; policy accept; }\n"
                + "add rule inet operator mangle ip daddr 10.199.0.51-10.199.0.60 tcp dport " + PORT + " meta mark set 5\n");
        probe("jhash ip daddr mod 256");
        List<InetSocketAddress> destinations = MARKED.stream().map(a -> new InetSocketAddress(a, PORT)).toList();
        List<Entry> entries = connectAndCheck(s, List.of("10.199.0.100", "10.199.0.101"), destinations, 2);
        assertThat(entries.stream().map(Entry::server).distinct()).hasSizeGreaterThan(1);
        // Every connection to one destination went to one server, whatever the client.
        for (InetSocketAddress d : destinations) {
            assertThat(entries.stream().filter(e -> e.destination().equals(d.getAddress())).map(Entry::server).distinct())
                    .hasSize(1);
        }
        s.setHealth(RS3, false, 2); // down: out of the deal, the buckets dealt again
        connectAndCheck(s, List.of("10.199.0.100"), destinations, 1).forEach(e -> assertThat(e.server()).isNotEqualTo(RS3));
    }

    @Test
    void mhAndMhPortLookUpBalancesMaglevTable() throws Exception {
        long start = System.nanoTime();
        VirtualService s = serve(block(VIP + " " + PORT, "mh", "  mh-port\n", ""), List.of(new InetSocketAddress(VIP, PORT)),
                List.of());
        long applied = System.nanoTime() - start;
        System.out.printf("KernelSchedulerSystemTest: start and apply of an mh service (65537 slots): %d ms%n",
                applied / 1_000_000);
        probe("jhash ip saddr . tcp sport mod 65537");
        List<Entry> first = connectAndCheck(s, CLIENTS.subList(0, 1), List.of(new InetSocketAddress(VIP, PORT)), 40);
        assertThat(first.stream().map(Entry::server).distinct()).hasSize(3);
        long pushed = System.nanoTime();
        s.setHealth(RS2, false, 1); // down: the table is rebuilt, about a quarter of the slots move
        System.out.printf("KernelSchedulerSystemTest: mh table pushed after a server went down: %d ms%n",
                (System.nanoTime() - pushed) / 1_000_000);
        connectAndCheck(s, CLIENTS.subList(0, 1), List.of(new InetSocketAddress(VIP, PORT)), 30)
                .forEach(e -> assertThat(e.server()).isNotEqualTo(RS2));
        engine.close();
        engine = null;
        bed.exec(balancer, "nft", "delete table inet probe");

        // Without mh-port: the client's address alone; each address keeps one server.
        VirtualService plain = serve(block(VIP + " " + PORT, "mh", "", ""), List.of(new InetSocketAddress(VIP, PORT)),
                List.of());
        probe("jhash ip saddr mod 65537");
        List<Entry> entries = connectAndCheck(plain, CLIENTS, List.of(new InetSocketAddress(VIP, PORT)), 2);
        assertThat(entries.stream().map(Entry::server).distinct()).hasSizeGreaterThan(1);
        for (String c : CLIENTS) {
            assertThat(entries.stream().filter(e -> e.client().getAddress().getHostAddress().equals(c)).map(Entry::server)
                    .distinct()).hasSize(1);
        }
    }

    @Test
    void aServerOverItsUthresholdGetsNoNewConnectionsUntilBelowItsLthreshold() throws Exception {
        VirtualService s = serve(block(VIP + " " + PORT, "rr", "", "    uthreshold 3\n    lthreshold 2\n"),
                List.of(new InetSocketAddress(VIP, PORT)), List.of());
        InetSocketAddress vip = new InetSocketAddress(VIP, PORT);
        // Held connections, until rs2 has three: rr gives it every third.
        List<Socket> rs2 = new ArrayList<>();
        List<Socket> others = new ArrayList<>();
        try {
            for (int i = 0; i < 9 && rs2.size() < 3; i++) {
                Socket c = open("10.199.0.100", vip);
                int port = c.getLocalPort();
                await("the connection's entry", () -> server(port).isPresent());
                (server(port).orElseThrow().equals(RS2) ? rs2 : others).add(c);
            }
            assertThat(rs2).hasSize(3);
            await("rs2 overloaded and out of the map", () -> rs2(s).overloaded() && !mapNames(0));
            for (int i = 0; i < 6; i++) assertThat(hello(open("10.199.0.100", vip))).doesNotStartWith("rs2");

            // Two left: not below lthreshold 2, still overloaded.
            assertThat(hello(rs2.removeFirst())).startsWith("rs2");
            await("rs2's closed connection gone from conntrack", () -> rs2(s).activeConnections()
                    + rs2(s).inactiveConnections() == 2);
            assertThat(rs2(s).overloaded()).isTrue();
            for (int i = 0; i < 6; i++) assertThat(hello(open("10.199.0.100", vip))).doesNotStartWith("rs2");

            // One left: below lthreshold, back in the map.
            assertThat(hello(rs2.removeFirst())).startsWith("rs2");
            await("rs2 back in the map", () -> !rs2(s).overloaded() && mapNames(0));
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 6; i++) names.add(hello(open("10.199.0.100", vip)).split(" ")[0]);
            assertThat(names).contains("rs2");
        } finally {
            for (Socket c : rs2) c.close();
            for (Socket c : others) c.close();
        }
    }

    @Test
    void theEbpfSelectorGivesAnOverloadedServerNothingUntilItCoolsDown() throws Exception {
        // wlc, equal weights: without the threshold rs2 (first of the least loaded) would take the next connection.
        String text = "virtual_server " + VIP + " " + PORT + " {\n  lb_algo wlc\n  vigil_engine kernel\n"
                + "  real_server 10.198.0.2 " + BACKEND_PORT + " {\n    uthreshold 2\n  }\n"
                + "  real_server 10.198.0.3 " + BACKEND_PORT + " {\n  }\n"
                + "  real_server 10.198.0.4 " + BACKEND_PORT + " {\n  }\n}\n";
        VirtualService s = serve(text, List.of(new InetSocketAddress(VIP, PORT)), List.of());
        InetSocketAddress vip = new InetSocketAddress(VIP, PORT);
        List<Socket> rs2 = new ArrayList<>();
        List<Socket> others = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket c = open("10.199.0.100", vip);
                int port = c.getLocalPort();
                await("the connection's entry", () -> server(port).isPresent());
                (server(port).orElseThrow().equals(RS2) ? rs2 : others).add(c);
            }
            assertThat(rs2).hasSize(2);
            await("rs2 overloaded", () -> rs2(s).overloaded());
            engine.reconcileSelectors();
            // Three more held: wlc would give rs2 the first (2, 2, 2, first wins); overloaded, it gets none.
            for (int i = 0; i < 3; i++) {
                Socket c = open("10.199.0.100", vip);
                int port = c.getLocalPort();
                await("the connection's entry", () -> server(port).isPresent());
                assertThat(server(port)).isNotEqualTo(Optional.of(RS2));
                others.add(c);
            }
            // One closed: 1 * 4 < 2 * 3, back; the least loaded, it takes the next one.
            assertThat(hello(rs2.removeFirst())).startsWith("rs2");
            await("rs2 back", () -> !rs2(s).overloaded());
            engine.reconcileSelectors();
            Socket c = open("10.199.0.100", vip);
            others.add(c);
            int port = c.getLocalPort();
            await("the connection's entry", () -> server(port).isPresent());
            assertThat(server(port)).contains(RS2);
        } finally {
            for (Socket c : rs2) c.close();
            for (Socket c : others) c.close();
        }
    }

    private static RealServerSnapshot rs2(VirtualService s) {
        return s.snapshot().realServers().stream().filter(r -> r.address().equals(RS2.getAddress())).findFirst().orElseThrow();
    }

    /** Whether the slot map of the (only) service names real server chain {@code index}. */
    private static boolean mapNames(int index) {
        try {
            return bed.exec(balancer, "nft", "list", "map", "inet", "vigil", "vs1").contains("goto vs1_s" + index);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** The real server the connection from the client's {@code port} was DNATed to, once conntrack has it. */
    private static Optional<InetSocketAddress> server(int port) {
        try {
            return entries().stream().filter(e -> e.client().getPort() == port).map(Entry::server).findFirst();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within 30 s: " + what);
            Thread.sleep(50);
        }
    }
}
