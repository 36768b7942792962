package dev.vigil.forward;

import dev.vigil.balance.SchedulerSlots;
import dev.vigil.balance.VirtualService;
import dev.vigil.bpf.SelectorModel;
import dev.vigil.bpf.SelectorProgram;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.VirtualServer;
import dev.vigil.linux.Bpf;
import dev.vigil.linux.NetworkInterfaces;
import dev.vigil.linux.NetworkNamespace;
import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The connection-counting schedulers in the kernel ({@link NatTestbed}: a client, the balancer running the
 * engine in this JVM, three real servers): connections held open land exactly where balance's formula says
 * (lblc and lblcr included, whose VIP keeps its server or set),
 * closed ones free their server once reconciled, a server taken out gets none, a SYN retransmit keeps its
 * server and counts once, and a stop leaves no tcx program.
 */
@RequiresRoot(commands = {"ip", "nft", "conntrack"})
class KernelSelectorSystemTest {
    private static final int PORT = 80;
    private static final InetSocketAddress VIP = new InetSocketAddress(NatTestbed.VIP, PORT);
    private static NatTestbed net;
    private static NetnsBed bed;
    private KernelEngine engine;
    private final List<Socket> open = new ArrayList<>();

    @BeforeAll
    static void network() throws Exception {
        net = NatTestbed.create("ks");
        bed = net.bed();
    }

    @AfterAll
    static void tearDown() {
        if (net != null) net.close();
    }

    @AfterEach
    void closeEngine() throws Exception {
        for (Socket s : open) s.close();
        if (engine != null) engine.close();
        engine = null;
        assertThat(tcxPrograms()).as("tcx programs left on the balancer").isZero();
    }

    private VirtualService serve(String scheduler, int w2, int w3, int w4) throws Exception {
        return serve(scheduler, w2, w3, w4, "", VIP);
    }

    private VirtualService serve(String scheduler, int w2, int w3, int w4, String extra, InetSocketAddress vip)
            throws Exception {
        String text = "virtual_server " + NatTestbed.VIP + " " + vip.getPort() + " {\n  lb_algo " + scheduler
                + "\n  vigil_engine kernel\n" + extra
                + "  real_server 10.198.0.2 " + NatTestbed.BACKEND_PORT + " {\n    weight " + w2 + "\n  }\n"
                + "  real_server 10.198.0.3 " + NatTestbed.BACKEND_PORT + " {\n    weight " + w3 + "\n  }\n"
                + "  real_server 10.198.0.4 " + NatTestbed.BACKEND_PORT + " {\n    weight " + w4 + "\n  }\n}\n";
        ParseResult r = ConfigParser.parse(text, "t.conf", new ParseOptions("ks", true, false));
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        VirtualService s = new VirtualService(c.virtualServers().getFirst());
        VirtualServer vs = s.config();
        // The previous test's closed connections (TIME_WAIT) would count as inactive: start from none.
        bed.exec(net.balancer(), "conntrack", "-F");
        engine = KernelEngine.start(new KernelEngine.Options(Optional.of(net.balancer())));
        assertThat(engine.apply(List.of(new ForwardedService(s, List.of(vip), List.of(), EngineChoice.of(c, vs)))))
                .isEmpty();
        return s;
    }

    private static int tcxPrograms() throws Exception {
        return NetworkNamespace.call(net.balancer(),
                () -> Bpf.tcxIngressPrograms(NetworkInterfaces.indexOf(NetnsBed.INTERFACE)).size());
    }

    /** Opens a connection and holds it; returns the real server (rs2..rs4) once conntrack has it established. */
    private String hold() throws Exception {
        return hold(net.connect(VIP));
    }

    private String hold(Socket s) throws Exception {
        open.add(s);
        int port = s.getLocalPort();
        String[] server = new String[1];
        await(() -> {
            for (ForwardedConnection c : engine.connections()) {
                if (c.client().getPort() == port && c.state() == ForwardedConnection.State.ESTABLISHED
                        && c.realServer().isPresent()) {
                    server[0] = "rs" + c.realServer().get().getAddress().getHostAddress().substring(9);
                    return true;
                }
            }
            return false;
        }, "connection from port " + port + " established");
        return server[0];
    }

    private List<String> hold(int n) throws Exception {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(hold());
        return out;
    }

    /** Closes the held connections that went to {@code server}, up to {@code n}. */
    private void closeOn(List<String> servers, String server, int n) throws Exception {
        for (int i = 0; i < servers.size() && n > 0; i++) {
            if (servers.get(i).equals(server) && !open.get(i).isClosed()) {
                open.get(i).close();
                n--;
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** What balance's wlc picks for sequential long-lived connections from these loads. */
    private static List<String> model(SelectorProgram.Rule rule, int[] weights, long[] active, long[] inactive, int n) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<SelectorModel.Server> servers = new ArrayList<>();
            for (int i = 0; i < 3; i++) servers.add(new SelectorModel.Server(weights[i], active[i], inactive[i]));
            int c = SelectorModel.choose(rule, servers);
            out.add("rs" + (c + 2));
            active[c]++;
        }
        return out;
    }

    @Test
    void wlcIsExactlyLeastLoadedPerWeightAndClosedConnectionsFreeTheirServer() throws Exception {
        serve("wlc", 1, 2, 3);
        assertThat(tcxPrograms()).isEqualTo(1);
        List<String> first = hold(12);
        long[] active = new long[3];
        assertThat(first).isEqualTo(model(SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION, new int[] {1, 2, 3}, active,
                new long[3], 12));
        assertThat(first.stream().filter("rs4"::equals).count()).isEqualTo(6);
        // Three of rs4's six closed (TIME_WAIT: inactive): once reconciled, the next ones go there.
        closeOn(first, "rs4", 3);
        await(() -> engine.connections().stream().filter(c -> c.state() == ForwardedConnection.State.CLOSING).count() >= 3,
                "three connections closing");
        engine.reconcileSelectors();
        List<String> next = hold(4);
        assertThat(next).isEqualTo(model(SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION, new int[] {1, 2, 3},
                new long[] {2, 4, 3}, new long[] {0, 0, 3}, 4));
        assertThat(next.subList(0, 3)).containsOnly("rs4");
    }

    /**
     * What balance's lblc or lblcr picks for sequential long-lived connections to one VIP (the model of
     * SelectorModel.Locality, at the production times: the test takes seconds, not six minutes).
     */
    private static List<String> locality(SelectorProgram.Rule rule, int[] weights, int n) {
        SelectorModel.Locality model = new SelectorModel.Locality(SchedulerSlots.LOCALITY_EXPIRATION_NANOS,
                SchedulerSlots.LOCALITY_SHRINK_NANOS);
        long[] active = new long[3];
        List<String> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<SelectorModel.Server> servers = new ArrayList<>();
            for (int i = 0; i < 3; i++) servers.add(new SelectorModel.Server(weights[i], active[i], 0));
            int c = model.select(rule, servers, k);
            out.add("rs" + (c + 2));
            active[c]++;
        }
        return out;
    }

    @Test
    void lblcKeepsTheVipOnOneServerUntilItIsOverloadedAndLeavesOneTakenOut() throws Exception {
        VirtualService s = serve("lblc", 1, 2, 1);
        List<String> first = hold(9);
        assertThat(first).isEqualTo(locality(SelectorProgram.Rule.LOCALITY, new int[] {1, 2, 1}, 9));
        // rs2 until it has more than its weight while another has less than half its own, then rs3, then rs4,
        // which keeps the VIP once none is below half its weight.
        assertThat(first).containsExactly("rs2", "rs2", "rs3", "rs3", "rs3", "rs4", "rs4", "rs4", "rs4");
        s.setHealth(new InetSocketAddress("10.198.0.4", NatTestbed.BACKEND_PORT), false, 1);
        // rs4 out: wlc's pick of the others (rs2 2 / 1, rs3 3 / 2), kept from then on.
        assertThat(hold(3)).containsExactly("rs3", "rs3", "rs3");
    }

    @Test
    void lblcrAddsAServerToTheVipsSetWhenItsLeastLoadedIsOverloaded() throws Exception {
        serve("lblcr", 1, 1, 1);
        List<String> got = hold(8);
        assertThat(got).isEqualTo(locality(SelectorProgram.Rule.LOCALITY_REPLICATION, new int[] {1, 1, 1}, 8));
        // {rs2} until rs2 is overloaded, {rs2, rs3}, then {rs2, rs3, rs4}, whose least loaded serves.
        assertThat(got).containsExactly("rs2", "rs2", "rs3", "rs3", "rs4", "rs4", "rs2", "rs3");
    }

    @Test
    void aReloadKeepsTheLocalityWhileTheServersStayAndStartsItAfreshWhenTheyAreReordered() throws Exception {
        VirtualService s = serve("lblc", 1, 1, 1);
        assertThat(hold(7)).containsExactly("rs2", "rs2", "rs3", "rs3", "rs4", "rs4", "rs4");
        // The same servers: the selector stays, and so does the VIP's rs4 (not overloaded: none is below half its
        // weight), where wlc alone would take rs2 (2, 2, 3).
        reload(s, "10.198.0.2", "10.198.0.3", "10.198.0.4");
        assertThat(hold()).isEqualTo("rs4");
        // Reordered: another selector, another map. Kept by index, the VIP would go to rs2 (index 2 now); kept by
        // address, to rs4; started afresh, wlc takes rs3 (rs4 has 4, rs3 and rs2 2 each, rs3 first).
        reload(s, "10.198.0.4", "10.198.0.3", "10.198.0.2");
        assertThat(hold()).isEqualTo("rs3");
    }

    @Test
    void aReloadThatReordersTheServersSendsNoConnectionWhereNoSelectorChose() throws Exception {
        VirtualService s = serve("wlc", 1, 1, 1);
        s.setHealth(new InetSocketAddress("10.198.0.2", NatTestbed.BACKEND_PORT), false, 1);
        s.setHealth(new InetSocketAddress("10.198.0.3", NatTestbed.BACKEND_PORT), false, 1);
        assertThat(hold(2)).containsOnly("rs4");
        // The daemon's reload publishes the new table, which the nft map follows at once, and only then has the
        // engine load the selector for the new order: meanwhile the old program, rs4 at its third place, schedules.
        NodeConfig c = reconfigure(s, "10.198.0.4", "10.198.0.3", "10.198.0.2");
        assertThat(hold(3)).as("between the table and the new selector").containsOnly("rs4");
        assertThat(engine.apply(List.of(new ForwardedService(s, List.of(VIP), List.of(), EngineChoice.of(c, s.config())))))
                .isEmpty();
        assertThat(hold(3)).as("with the new selector").containsOnly("rs4");
    }

    /** A reload of {@code s} with these real servers, in this order, weight 1 each, as the daemon does it. */
    private void reload(VirtualService s, String... servers) throws Exception {
        NodeConfig c = reconfigure(s, servers);
        assertThat(engine.apply(List.of(new ForwardedService(s, List.of(VIP), List.of(), EngineChoice.of(c, s.config())))))
                .isEmpty();
    }

    /** The first half of {@link #reload}: the service takes its new configuration and publishes its table. */
    private static NodeConfig reconfigure(VirtualService s, String... servers) {
        StringBuilder text = new StringBuilder("virtual_server " + NatTestbed.VIP + " " + PORT + " {\n  lb_algo "
                + s.config().scheduler().keyword() + "\n  vigil_engine kernel\n");
        for (String a : servers) text.append("  real_server ").append(a).append(' ').append(NatTestbed.BACKEND_PORT)
                .append(" {\n    weight 1\n  }\n");
        ParseResult r = ConfigParser.parse(text + "}\n", "t.conf", new ParseOptions("ks", true, false));
        assertThat(r.errors()).isEmpty();
        NodeConfig c = r.config().orElseThrow();
        s.reconfigure(c.virtualServers().getFirst());
        return c;
    }

    @Test
    void lcIgnoresWeightsAndAServerTakenOutGetsNone() throws Exception {
        VirtualService s = serve("lc", 1, 5, 1);
        assertThat(hold(6)).containsExactly("rs2", "rs3", "rs4", "rs2", "rs3", "rs4");
        s.setHealth(new InetSocketAddress("10.198.0.3", NatTestbed.BACKEND_PORT), false, 5);
        assertThat(hold(4)).containsExactly("rs2", "rs4", "rs2", "rs4");
        s.setHealth(new InetSocketAddress("10.198.0.3", NatTestbed.BACKEND_PORT), true, 5);
        // Back: it has the fewest (2 against 4 and 4), so it takes the next two.
        assertThat(hold(2)).containsExactly("rs3", "rs3");
    }

    /** The real server that answered each datagram sent from one client socket. */
    private static List<String> udp(InetSocketAddress vip, int datagrams) throws Exception {
        List<String> out = new ArrayList<>();
        try (DatagramSocket socket = NetworkNamespace.call(net.client(), DatagramSocket::new)) {
            socket.setSoTimeout(3000);
            for (int i = 0; i < datagrams; i++) {
                byte[] q = "q".getBytes(StandardCharsets.US_ASCII);
                socket.send(new DatagramPacket(q, q.length, vip));
                DatagramPacket answer = new DatagramPacket(new byte[512], 512);
                socket.receive(answer);
                out.add(new String(answer.getData(), 0, answer.getLength(), StandardCharsets.US_ASCII).split(" ")[0]);
            }
        }
        return out;
    }

    @Test
    void udpFlowsAreCountedOncePerFlowNotPerDatagram() throws Exception {
        InetSocketAddress vip = new InetSocketAddress(NatTestbed.VIP, 53);
        serve("wlc", 1, 1, 1, "  protocol UDP\n", vip);
        assertThat(udp(vip, 3)).containsExactly("rs2", "rs2", "rs2");
        // Counted once: 1, 0, 0, so the next flows go round the others first.
        List<String> next = new ArrayList<>();
        for (int i = 0; i < 5; i++) next.addAll(udp(vip, 1));
        assertThat(next).containsExactly("rs3", "rs4", "rs2", "rs3", "rs4");
    }

    @Test
    void aSynRetransmitKeepsItsServerAndCountsOnce() throws Exception {
        serve("lc", 1, 1, 1);
        String rs2 = bed.node(2);
        // rs2 drops its SYN-ACKs until the client's SYN has come twice.
        NetnsBed.Result r = bed.run(rs2, "sh", "-c", "nft add table inet synack && "
                + "nft add chain inet synack out '{ type filter hook output priority 0; }' && "
                + "nft add chain inet synack in '{ type filter hook input priority 0; }' && "
                + "nft add rule inet synack in tcp dport " + NatTestbed.BACKEND_PORT + " tcp flags == syn counter && "
                + "nft add rule inet synack out tcp sport " + NatTestbed.BACKEND_PORT + " tcp flags syn,ack drop");
        assertThat(r.ok()).as(r.stderr()).isTrue();
        try {
            CompletableFuture<String> first = CompletableFuture.supplyAsync(() -> {
                try {
                    // Long enough for the SYN's retransmits (1 s, then 3 s).
                    return hold(NetworkNamespace.call(net.client(), () -> {
                        Socket socket = new Socket();
                        socket.connect(VIP, 15_000);
                        return socket;
                    }));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Pattern packets = Pattern.compile("packets (\\d+)");
            await(() -> {
                try {
                    Matcher m = packets.matcher(bed.exec(rs2, "nft", "list", "chain", "inet", "synack", "in"));
                    return m.find() && Integer.parseInt(m.group(1)) >= 2;
                } catch (Exception e) {
                    return false;
                }
            }, "the client's SYN twice at rs2");
            bed.exec(rs2, "nft", "delete", "table", "inet", "synack");
            assertThat(first.get()).isEqualTo("rs2");
        } finally {
            bed.run(rs2, "nft", "delete", "table", "inet", "synack");
        }
        engine.reconcileSelectors();
        // Counted once: rs2 has 1, so the next go to rs3, rs4, then rs2 again.
        assertThat(hold(3)).containsExactly("rs3", "rs4", "rs2");
    }
}
