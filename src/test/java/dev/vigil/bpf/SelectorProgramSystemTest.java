package dev.vigil.bpf;

import dev.vigil.bpf.SelectorProgram.Protocol;
import dev.vigil.bpf.SelectorProgram.Rule;
import dev.vigil.linux.Bpf;
import dev.vigil.linux.NativeException;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The selector in the kernel: loaded through the verifier and run on crafted frames with BPF_PROG_TEST_RUN,
 * its mark compared with {@link SelectorModel} (balance's formulas) over random counters, for every rule.
 */
@RequiresRoot(commands = {})
class SelectorProgramSystemTest {
    private static final int NEXT = -1;
    /** The tests' marks: server i's is MARK_BASE + i (production's are the nftables table's, see KernelService). */
    private static final int MARK_BASE = 0x4d000000;
    private final List<Bpf.Fd> fds = new ArrayList<>();
    /** Short times, so that a test can wait past them; production has balance's day and six minutes. */
    private static final SelectorProgram.Locality TIMES = new SelectorProgram.Locality(900_000_000L, 300_000_000L);
    private Bpf.Fd state, assigned, flows, locality;
    private int sourcePort = 10_000;

    @AfterEach
    void close() {
        fds.forEach(Bpf.Fd::close);
    }

    private Bpf.Fd program(Protocol protocol, boolean ipv6, Rule rule, int servers, InetSocketAddress... vips)
            throws NativeException {
        return program(protocol, ipv6, rule, servers, TIMES, vips);
    }

    private Bpf.Fd program(Protocol protocol, boolean ipv6, Rule rule, int servers, SelectorProgram.Locality times,
                           InetSocketAddress... vips) throws NativeException {
        state = keep(Bpf.createMap(Bpf.MAP_ARRAY, 4, SelectorProgram.stateSize(servers), 1, "test_state"));
        assigned = keep(Bpf.createMap(Bpf.MAP_ARRAY, 4, servers * SelectorProgram.ASSIGNED_ENTRY, 1, "test_assigned"));
        flows = keep(Bpf.createMap(Bpf.MAP_LRU_HASH, SelectorProgram.FLOW_KEY, SelectorProgram.FLOW_VALUE, 1024,
                "test_flows"));
        SelectorProgram p;
        if (rule.keepsLocality()) {
            Set<InetAddress> destinations = new LinkedHashSet<>();
            for (InetSocketAddress v : vips) destinations.add(v.getAddress());
            locality = keep(Bpf.createMap(Bpf.MAP_HASH, SelectorProgram.LOCALITY_KEY,
                    SelectorProgram.localityValueSize(rule, servers), destinations.size(), "test_locality"));
            for (InetAddress d : destinations) {
                Bpf.update(locality, SelectorProgram.localityKey(d), SelectorProgram.emptyLocality(rule, servers));
            }
            p = new SelectorProgram(ipv6, protocol, List.of(vips), servers, rule, 30_000_000_000L,
                    new SelectorProgram.Maps(state.value(), assigned.value(), flows.value(), locality.value()), times);
        } else {
            p = new SelectorProgram(ipv6, protocol, List.of(vips), servers, rule, 30_000_000_000L,
                    new SelectorProgram.Maps(state.value(), assigned.value(), flows.value()));
        }
        return keep(Bpf.loadTcProgram("test_selector", p.instructions()));
    }

    /** The {@code locality} value the program keeps for {@code destination}. */
    private byte[] entry(Rule rule, int servers, InetAddress destination) throws NativeException {
        return Bpf.lookup(locality, SelectorProgram.localityKey(destination), SelectorProgram.localityValueSize(rule, servers));
    }

    private Bpf.Fd keep(Bpf.Fd fd) {
        fds.add(fd);
        return fd;
    }

    private void loads(SelectorProgram.Load... loads) throws NativeException {
        Bpf.update(state, new byte[4], SelectorProgram.state(List.of(loads), marks(loads.length)));
    }

    private static List<Integer> marks(int servers) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < servers; i++) out.add(MARK_BASE + i);
        return out;
    }

    private long[] assignedCounts(int servers) throws NativeException {
        return SelectorProgram.assigned(Bpf.lookup(assigned, new byte[4], servers * SelectorProgram.ASSIGNED_ENTRY));
    }

    private static InetSocketAddress at(String ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), port);
    }

    /** An Ethernet frame from {@code from} to {@code to}: TCP with {@code flags}, or UDP when flags is -1. */
    static byte[] frame(InetSocketAddress from, InetSocketAddress to, int flags) {
        byte[] src = from.getAddress().getAddress(), dst = to.getAddress().getAddress();
        boolean v6 = src.length == 16, udp = flags < 0;
        int l4 = udp ? 8 : 20, l3 = v6 ? 40 : 20;
        ByteBuffer b = ByteBuffer.allocate(14 + l3 + l4 + 4);
        b.put(new byte[] {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2}).putShort((short) (v6 ? 0x86dd : 0x0800));
        int proto = udp ? 17 : 6;
        if (v6) {
            b.putInt(0x60000000).putShort((short) (l4 + 4)).put((byte) proto).put((byte) 64).put(src).put(dst);
        } else {
            b.put((byte) 0x45).put((byte) 0).putShort((short) (l3 + l4 + 4)).putShort((short) 1).putShort((short) 0x4000)
                    .put((byte) 64).put((byte) proto).putShort((short) 0).put(src).put(dst);
        }
        b.putShort((short) from.getPort()).putShort((short) to.getPort());
        if (udp) {
            b.putShort((short) (8 + 4)).putShort((short) 0);
        } else {
            b.putInt(1).putInt(0).put((byte) 0x50).put((byte) flags).putShort((short) 64240).putInt(0);
        }
        return b.array();
    }

    private Bpf.TestRun syn(Bpf.Fd program, InetSocketAddress vip) throws Exception {
        return Bpf.testRun(program, frame(at("10.0.0.100", sourcePort++), vip, 0x02));
    }

    @Test
    void everyRuleWritesTheChosenServersMarkFromTheStateMapOnTheSynAndItsRetransmit() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        List<Integer> marks = List.of(0x56490007, 0x56490002, 0x56490010);
        for (Rule rule : Rule.values()) {
            Bpf.Fd p = program(Protocol.TCP, false, rule, 3, vip);
            // Only the third takes connections: every rule chooses it.
            Bpf.update(state, new byte[4], SelectorProgram.state(List.of(new SelectorProgram.Load(0, 0, 0),
                    new SelectorProgram.Load(0, 0, 0), new SelectorProgram.Load(0, 0, 1)), marks));
            byte[] syn = frame(at("10.0.0.100", sourcePort++), vip, 0x02);
            assertThat(Bpf.testRun(p, syn).mark()).as("%s, the SYN", rule).isEqualTo(0x56490010);
            assertThat(Bpf.testRun(p, syn).mark()).as("%s, its retransmit", rule).isEqualTo(0x56490010);
            assertThat(assignedCounts(3)).as(rule.toString()).containsExactly(0, 0, 1);
        }
    }

    @Test
    void wlcGivesEachSynTheLeastLoadedPerWeightAndCountsIt() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.WEIGHTED_LEAST_CONNECTION, 3, vip);
        loads(new SelectorProgram.Load(0, 0, 1), new SelectorProgram.Load(0, 0, 2), new SelectorProgram.Load(0, 0, 3));
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Bpf.TestRun r = syn(p, vip);
            assertThat(r.returnValue()).isEqualTo(NEXT);
            got.add(r.mark() - MARK_BASE);
        }
        // Sequential long-lived connections: weights 1, 2, 3 end 2, 4, 6.
        assertThat(got.stream().filter(i -> i == 0).count()).isEqualTo(2);
        assertThat(got.stream().filter(i -> i == 1).count()).isEqualTo(4);
        assertThat(got.stream().filter(i -> i == 2).count()).isEqualTo(6);
        assertThat(assignedCounts(3)).containsExactly(2, 4, 6);
        // What the reference (balance's formula) chooses, step by step, is what the kernel chose.
        List<Integer> model = new ArrayList<>();
        long[] active = new long[3];
        for (int i = 0; i < 12; i++) {
            int c = SelectorModel.choose(Rule.WEIGHTED_LEAST_CONNECTION, List.of(new SelectorModel.Server(1, active[0], 0),
                    new SelectorModel.Server(2, active[1], 0), new SelectorModel.Server(3, active[2], 0)));
            model.add(c);
            active[c]++;
        }
        assertThat(got).isEqualTo(model);
    }

    @Test
    void aRetransmittedSynKeepsItsServerAndIsNotCountedAgain() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.LEAST_CONNECTION, 2, vip);
        loads(new SelectorProgram.Load(0, 0, 1), new SelectorProgram.Load(0, 0, 1));
        byte[] first = frame(at("10.0.0.100", 40000), vip, 0x02);
        int mark = Bpf.testRun(p, first).mark();
        assertThat(Bpf.testRun(p, first).mark()).isEqualTo(mark);
        assertThat(Bpf.testRun(p, first).mark()).isEqualTo(mark);
        assertThat(assignedCounts(2)).containsExactly(1, 0);
        // Its server taken out: the retransmit is scheduled again.
        loads(new SelectorProgram.Load(0, 0, 0), new SelectorProgram.Load(0, 0, 1));
        assertThat(Bpf.testRun(p, first).mark()).isEqualTo(MARK_BASE + 1);
        assertThat(assignedCounts(2)).containsExactly(1, 1);
    }

    @Test
    void otherPacketsPassUnmarked() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80), vip2 = at("10.199.0.51", 8080);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.LEAST_CONNECTION, 1, vip, vip2);
        loads(new SelectorProgram.Load(0, 0, 1));
        InetSocketAddress client = at("10.0.0.100", 40001);
        assertThat(Bpf.testRun(p, frame(client, vip, 0x12))).isEqualTo(new Bpf.TestRun(NEXT, 0)); // SYN-ACK
        assertThat(Bpf.testRun(p, frame(client, vip, 0x10))).isEqualTo(new Bpf.TestRun(NEXT, 0)); // ACK
        assertThat(Bpf.testRun(p, frame(client, vip, 0x03))).isEqualTo(new Bpf.TestRun(NEXT, 0)); // SYN+FIN
        assertThat(Bpf.testRun(p, frame(client, at("10.199.0.50", 81), 0x02)).mark()).isZero();
        assertThat(Bpf.testRun(p, frame(client, at("10.199.0.52", 80), 0x02)).mark()).isZero();
        assertThat(Bpf.testRun(p, frame(client, vip, -1)).mark()).isZero(); // UDP to a TCP service
        assertThat(Bpf.testRun(p, frame(at("fd00::1", 40001), at("fd00::50", 80), 0x02)).mark()).isZero();
        assertThat(Bpf.testRun(p, frame(client, vip2, 0x02)).mark()).isEqualTo(MARK_BASE);
        assertThat(Bpf.testRun(p, new byte[20])).isEqualTo(new Bpf.TestRun(NEXT, 0)); // too short for IPv4
        assertThat(assignedCounts(1)).containsExactly(1);
    }

    @Test
    void noServerTakingConnectionsLeavesTheSynUnmarked() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.OVERFLOW, 2, vip);
        loads(new SelectorProgram.Load(3, 0, 3), new SelectorProgram.Load(0, 0, 0));
        assertThat(syn(p, vip).mark()).isZero();
        assertThat(assignedCounts(2)).containsExactly(0, 0);
    }

    @Test
    void everyRuleChoosesAsBalanceDoesOverRandomCounters() throws Exception {
        Random random = new Random(12);
        InetSocketAddress vip = at("10.199.0.50", 80);
        for (Rule rule : Rule.values()) {
            // twos is random: twoChoicesDrawByWeightAndKeepTheLessLoaded; lblc and lblcr keep state: locality tests.
            if (rule == Rule.TWO_CHOICES || rule.keepsLocality()) continue;
            int n = 5;
            Bpf.Fd p = program(Protocol.TCP, false, rule, n, vip);
            for (int round = 0; round < 60; round++) {
                long[] before = assignedCounts(n);
                List<SelectorProgram.Load> loads = new ArrayList<>();
                List<SelectorModel.Server> model = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int weight = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(5);
                    long active = random.nextInt(8);
                    int inactive = random.nextInt(600);
                    loads.add(new SelectorProgram.Load(active - before[i], inactive, weight));
                    model.add(new SelectorModel.Server(weight, active, inactive));
                }
                Bpf.update(state, new byte[4], SelectorProgram.state(loads, marks(loads.size())));
                int expected = SelectorModel.choose(rule, model);
                int mark = syn(p, vip).mark();
                assertThat(mark == 0 ? -1 : mark - MARK_BASE).as("%s over %s", rule, model)
                        .isEqualTo(expected);
            }
            p.close();
        }
    }

    @Test
    void twoChoicesDrawByWeightAndKeepTheLessLoaded() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.TWO_CHOICES, 3, vip);
        int runs = 600;
        int[] got = new int[3];
        for (int k = 0; k < runs; k++) {
            long[] before = assignedCounts(3);
            // Server 0 idle, server 1 loaded, server 2 out: server 1 wins only when both draws are server 1.
            loads(new SelectorProgram.Load(-before[0], 0, 1), new SelectorProgram.Load(100 - before[1], 0, 1),
                    new SelectorProgram.Load(-before[2], 0, 0));
            got[syn(p, vip).mark() - MARK_BASE]++;
        }
        assertThat(got[2]).isZero();
        // P(server 1) = 1/4: 150 of 600 expected, sd 10.6; 5 sd either way.
        assertThat(got[1]).isBetween(97, 203);
        // Equal load: the draws decide, by weight (1 : 3), the first of the two on a tie.
        int[] even = new int[3];
        for (int k = 0; k < runs; k++) {
            long[] before = assignedCounts(3);
            loads(new SelectorProgram.Load(-before[0], 0, 1), new SelectorProgram.Load(-before[1], 0, 3),
                    new SelectorProgram.Load(-before[2], 0, 0));
            even[syn(p, vip).mark() - MARK_BASE]++;
        }
        // The first draw alone decides a tie: server 0 with probability 1/4.
        assertThat(even[0]).isBetween(97, 203);
    }

    @Test
    void udpCountsAFlowOnceAndItsConnectionsAreInactive() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 53);
        Bpf.Fd p = program(Protocol.UDP, false, Rule.WEIGHTED_LEAST_CONNECTION, 2, vip);
        // Server 0 has 2 (inactive) UDP flows, server 1 has 1 active TCP-like base that UDP counts as inactive.
        loads(new SelectorProgram.Load(0, 2, 1), new SelectorProgram.Load(0, 1, 1));
        byte[] flow = frame(at("10.0.0.100", 5000), vip, -1);
        assertThat(Bpf.testRun(p, flow).mark()).isEqualTo(MARK_BASE + 1);
        for (int i = 0; i < 5; i++) assertThat(Bpf.testRun(p, flow).mark()).isEqualTo(MARK_BASE + 1);
        assertThat(assignedCounts(2)).containsExactly(0, 1);
        // 2 and 2 now: the next flow goes to the first.
        assertThat(Bpf.testRun(p, frame(at("10.0.0.100", 5001), vip, -1)).mark()).isEqualTo(MARK_BASE);
    }

    @Test
    void ipv6SynsAreScheduled() throws Exception {
        InetSocketAddress vip = at("fd00:199::50", 443);
        Bpf.Fd p = program(Protocol.TCP, true, Rule.LEAST_CONNECTION, 3, vip);
        loads(new SelectorProgram.Load(1, 0, 1), new SelectorProgram.Load(0, 0, 1), new SelectorProgram.Load(1, 0, 1));
        InetSocketAddress client = at("fd00:199::100", 40000);
        assertThat(Bpf.testRun(p, frame(client, vip, 0x02)).mark()).isEqualTo(MARK_BASE + 1);
        assertThat(Bpf.testRun(p, frame(at("fd00:199::100", 40001), at("fd00:199::51", 443), 0x02)).mark()).isZero();
        assertThat(Bpf.testRun(p, frame(at("10.0.0.1", 40001), at("10.199.0.50", 443), 0x02)).mark()).isZero();
    }

    /**
     * lblc or lblcr in the kernel and in {@link SelectorModel.Locality} side by side, one model per destination
     * address: before each connection the servers' counters as the model holds them are written into the state
     * map (the program's own counts subtracted), and each choice and the entry it leaves are compared with the
     * model's. The model's time is the kernel's, whose monotonic clock is System.nanoTime's: the run happened
     * between the two readings around it, so the kernel's is the model's choice at one of them (a threshold may
     * fall between the two).
     */
    private final class Bench {
        final Rule rule;
        final Protocol protocol;
        final Bpf.Fd program;
        final int n;
        final int[] weight;
        final long[] active, inactive;
        final InetAddress client;
        final Map<InetAddress, SelectorModel.Locality> models = new HashMap<>();
        /** What the sequence went through, so that a test can say it saw each case. */
        int connections, stuck, moved, grew, shrank;

        Bench(Rule rule, Protocol protocol, boolean ipv6, int n, InetSocketAddress... vips) throws Exception {
            this(rule, protocol, ipv6, n, TIMES, vips);
        }

        Bench(Rule rule, Protocol protocol, boolean ipv6, int n, SelectorProgram.Locality times,
              InetSocketAddress... vips) throws Exception {
            this.rule = rule;
            this.protocol = protocol;
            this.n = n;
            program = program(protocol, ipv6, rule, n, times, vips);
            weight = new int[n];
            active = new long[n];
            inactive = new long[n];
            java.util.Arrays.fill(weight, 1);
            client = InetAddress.getByName(ipv6 ? "fd00:199::100" : "10.0.0.100");
            for (InetSocketAddress v : vips) {
                models.put(v.getAddress(), new SelectorModel.Locality(times.expirationNanos(), times.shrinkNanos()));
            }
        }

        void weights(int... w) {
            System.arraycopy(w, 0, weight, 0, n);
        }

        void active(long... a) {
            System.arraycopy(a, 0, active, 0, n);
        }

        void randomize(Random random) {
            for (int i = 0; i < n; i++) {
                weight[i] = random.nextInt(5) == 0 ? 0 : 1 + random.nextInt(4);
                active[i] = protocol == Protocol.TCP ? random.nextInt(6) : 0;
                inactive[i] = random.nextInt(300);
            }
        }

        private List<SelectorModel.Server> view() {
            List<SelectorModel.Server> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(new SelectorModel.Server(weight[i], active[i], inactive[i]));
            return out;
        }

        /** One new connection to {@code vip}: the server the kernel chose (-1: none), which the model chose too. */
        int connect(InetSocketAddress vip) throws Exception {
            long[] counted = assignedCounts(n);
            List<SelectorProgram.Load> loads = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                // UDP: the program counts its own flows as inactive; the model's active are 0.
                loads.add(new SelectorProgram.Load(active[i] - counted[i], Math.toIntExact(inactive[i]), weight[i]));
            }
            Bpf.update(state, new byte[4], SelectorProgram.state(loads, marks(loads.size())));
            List<SelectorModel.Server> view = view();
            byte[] frame = frame(new InetSocketAddress(client, sourcePort++), vip, protocol == Protocol.TCP ? 0x02 : -1);
            SelectorModel.Locality model = models.get(vip.getAddress());
            BitSet membersBefore = model.members();
            int keptBefore = model.server();
            long before = System.nanoTime();
            int mark = Bpf.testRun(program, frame).mark();
            long after = System.nanoTime();
            int got = mark == 0 ? -1 : mark - MARK_BASE;
            connections++;
            byte[] entry = entry(rule, n, vip.getAddress());
            SelectorModel.Locality early = model.copy(), late = model.copy();
            int atBefore = early.select(rule, view, before), atAfter = late.select(rule, view, after);
            boolean asEarly = got == atBefore && same(entry, early), asLate = got == atAfter && same(entry, late);
            assertThat(asEarly || asLate).as("%s to %s over %s: the kernel chose %d and kept %s; the model %d and %s "
                            + "(or %d and %s a moment later)", rule, vip, view, got, kept(entry), atBefore, kept(early),
                    atAfter, kept(late)).isTrue();
            SelectorModel.Locality now = asEarly ? early : late;
            models.put(vip.getAddress(), now);
            if (got >= 0) {
                // The entry's use time is the kernel's now: its clock is the one the model reads.
                long used = ByteBuffer.wrap(entry).order(java.nio.ByteOrder.nativeOrder())
                        .getLong(rule == Rule.LOCALITY ? 8 : 0);
                assertThat(used).as("the kernel's time of the choice").isBetween(before, after);
                if (protocol == Protocol.TCP) active[got]++; else inactive[got]++;
            }
            if (rule == Rule.LOCALITY && keptBefore >= 0 && got >= 0) {
                if (got == keptBefore) stuck++; else moved++;
            }
            BitSet membersAfter = now.members();
            if (!membersBefore.isEmpty() || !membersAfter.isEmpty()) {
                BitSet added = (BitSet) membersAfter.clone();
                added.andNot(membersBefore);
                BitSet removed = (BitSet) membersBefore.clone();
                removed.andNot(membersAfter);
                if (!added.isEmpty() && !membersBefore.isEmpty()) grew++;
                if (!removed.isEmpty()) shrank++;
            }
            return got;
        }

        private boolean same(byte[] entry, SelectorModel.Locality model) {
            return rule == Rule.LOCALITY ? SelectorProgram.keptServer(entry) == model.server()
                    : SelectorProgram.members(entry).equals(model.members());
        }

        private String kept(byte[] entry) {
            return rule == Rule.LOCALITY ? "server " + SelectorProgram.keptServer(entry)
                    : "members " + SelectorProgram.members(entry);
        }

        private String kept(SelectorModel.Locality model) {
            return rule == Rule.LOCALITY ? "server " + model.server() : "members " + model.members();
        }

        BitSet members(InetSocketAddress vip) throws NativeException {
            return SelectorProgram.members(entry(rule, n, vip.getAddress()));
        }
    }

    private static void sleepPast(long nanos) throws InterruptedException {
        Thread.sleep(nanos / 1_000_000 + 150);
    }

    @Test
    void lblcAndLblcrChooseAsBalanceOverRandomCountersSequencesAndTimes() throws Exception {
        Random random = new Random(7);
        // A shrink time a round often waits past, so that sets shed often.
        SelectorProgram.Locality times = new SelectorProgram.Locality(400_000_000L, 20_000_000L);
        for (Rule rule : List.of(Rule.LOCALITY, Rule.LOCALITY_REPLICATION)) {
            for (Protocol protocol : Protocol.values()) {
                for (boolean ipv6 : new boolean[] {false, true}) {
                    if (protocol == Protocol.UDP && ipv6) continue;
                    String net = ipv6 ? "fd00:199::" : "10.199.0.";
                    // Two VIP addresses of one group, each its own entry; two ports of one address share theirs.
                    List<InetSocketAddress> vips = List.of(at(net + "50", 80), at(net + "51", 80), at(net + "50", 443));
                    Bench b = new Bench(rule, protocol, ipv6, 5, times, vips.toArray(InetSocketAddress[]::new));
                    for (int round = 0; round < 60; round++) {
                        if (random.nextInt(3) == 0) Thread.sleep(times.shrinkNanos() / 1_000_000 + 5);
                        if (round == 30) sleepPast(times.expirationNanos());
                        if (random.nextBoolean()) b.randomize(random);
                        for (int k = random.nextInt(4); k >= 0; k--) b.connect(vips.get(random.nextInt(vips.size())));
                    }
                    String what = rule + " " + protocol + (ipv6 ? " IPv6" : " IPv4");
                    System.out.printf("SelectorProgramSystemTest: %s: %d connections as the model chose (kept %d, "
                            + "moved %d, grew %d, shrank %d)%n", what, b.connections, b.stuck, b.moved, b.grew, b.shrank);
                    if (rule == Rule.LOCALITY) {
                        assertThat(b.stuck).as(what + ": connections that kept their server").isPositive();
                        assertThat(b.moved).as(what + ": connections that moved").isPositive();
                    } else {
                        assertThat(b.grew).as(what + ": sets that grew").isPositive();
                        assertThat(b.shrank).as(what + ": sets that shed or expired").isPositive();
                    }
                    b.program.close();
                }
            }
        }
    }

    @Test
    void lblcKeepsItsServerUntilItIsOverloadedOrTakesNoneAndForgetsItAfterTheExpiration() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bench b = new Bench(Rule.LOCALITY, Protocol.TCP, false, 3, vip);
        b.weights(1, 2, 1);
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 9; i++) got.add(b.connect(vip));
        // Server 0 until it has more than its weight while 1 and 2 have less than half theirs; then 1, then 2,
        // which keeps them all once no server is below half its weight.
        assertThat(got).containsExactly(0, 0, 1, 1, 1, 2, 2, 2, 2);
        b.weights(1, 2, 0);
        assertThat(b.connect(vip)).isEqualTo(1); // weight 0: wlc's pick of the others (512 / 1 against 768 / 2)
        b.weights(1, 2, 1);
        b.active(0, 0, 0);
        assertThat(b.connect(vip)).isEqualTo(1); // kept, though wlc would take 0
        sleepPast(TIMES.expirationNanos());
        b.active(0, 0, 0);
        assertThat(b.connect(vip)).isZero(); // forgotten: wlc's pick
    }

    @Test
    void lblcrGrowsWhenItsLeastIsOverloadedShedsAfterTheShrinkTimeAndEmptiesAfterTheExpiration() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bench b = new Bench(Rule.LOCALITY_REPLICATION, Protocol.TCP, false, 3, vip);
        List<Integer> got = new ArrayList<>();
        List<BitSet> sets = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            got.add(b.connect(vip));
            sets.add(b.members(vip));
        }
        assertThat(got).containsExactly(0, 0, 1, 1, 2, 2, 0, 1);
        assertThat(sets).containsExactly(BitSet.valueOf(new long[] {0b1}), BitSet.valueOf(new long[] {0b1}),
                BitSet.valueOf(new long[] {0b11}), BitSet.valueOf(new long[] {0b11}), BitSet.valueOf(new long[] {0b111}),
                BitSet.valueOf(new long[] {0b111}), BitSet.valueOf(new long[] {0b111}), BitSet.valueOf(new long[] {0b111}));
        // Unchanged for longer than the shrink time: the most loaded member (0) goes, the least (1) serves.
        sleepPast(TIMES.shrinkNanos());
        b.active(5, 1, 1);
        assertThat(b.connect(vip)).isEqualTo(1);
        assertThat(b.members(vip)).isEqualTo(BitSet.valueOf(new long[] {0b110}));
        b.active(5, 2, 5);
        assertThat(b.connect(vip)).isEqualTo(1); // just changed: nothing shed
        assertThat(b.members(vip)).isEqualTo(BitSet.valueOf(new long[] {0b110}));
        // Equally loaded: the first of the most loaded is the one serving, which stays; nothing is shed.
        sleepPast(TIMES.shrinkNanos());
        b.active(0, 0, 0);
        assertThat(b.connect(vip)).isEqualTo(1);
        assertThat(b.members(vip)).isEqualTo(BitSet.valueOf(new long[] {0b110}));
        // Unused for the expiration: emptied, then wlc's pick alone.
        sleepPast(TIMES.expirationNanos());
        b.active(0, 0, 0);
        assertThat(b.connect(vip)).isZero();
        assertThat(b.members(vip)).isEqualTo(BitSet.valueOf(new long[] {0b1}));
    }

    @Test
    void theVerifierTakesTheLargestProgramOfEveryRule() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        for (Rule rule : Rule.values()) {
            long t0 = System.nanoTime();
            Bpf.Fd p = program(Protocol.TCP, false, rule, SelectorProgram.MAX_SERVERS, vip);
            long took = System.nanoTime() - t0;
            System.out.printf("SelectorProgramSystemTest: %s, %d servers: loaded in %d ms%n", rule,
                    SelectorProgram.MAX_SERVERS, took / 1_000_000);
            // Linear verification: a quadratic one took minutes or failed with E2BIG at this size.
            assertThat(took).as(rule.toString()).isLessThan(60_000_000_000L);
            p.close();
        }
    }

    @Test
    void aRefusedProgramCarriesTheVerifierLog() {
        Assembler bad = new Assembler().exit(); // r0 never set
        assertThatThrownBy(() -> keep(Bpf.loadTcProgram("test_bad", bad.assemble())))
                .isInstanceOf(NativeException.class)
                .hasMessageContaining("BPF_PROG_LOAD").hasMessageContaining("EACCES")
                .hasMessageContaining("R0 !read_ok");
    }
}
