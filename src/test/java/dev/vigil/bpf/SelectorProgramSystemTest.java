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
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The selector in the kernel: loaded through the verifier and run on crafted frames with BPF_PROG_TEST_RUN,
 * its mark compared with {@link SelectorModel} (balance's formulas) over random counters, for every rule.
 */
@RequiresRoot(commands = {})
class SelectorProgramSystemTest {
    private static final int NEXT = -1;
    private final List<Bpf.Fd> fds = new ArrayList<>();
    private Bpf.Fd state, assigned, flows;
    private int sourcePort = 10_000;

    @AfterEach
    void close() {
        fds.forEach(Bpf.Fd::close);
    }

    private Bpf.Fd program(Protocol protocol, boolean ipv6, Rule rule, int servers, InetSocketAddress... vips)
            throws NativeException {
        state = keep(Bpf.createMap(Bpf.MAP_ARRAY, 4, servers * SelectorProgram.STATE_ENTRY, 1, "test_state"));
        assigned = keep(Bpf.createMap(Bpf.MAP_ARRAY, 4, servers * SelectorProgram.ASSIGNED_ENTRY, 1, "test_assigned"));
        flows = keep(Bpf.createMap(Bpf.MAP_LRU_HASH, SelectorProgram.FLOW_KEY, SelectorProgram.FLOW_VALUE, 1024,
                "test_flows"));
        SelectorProgram p = new SelectorProgram(ipv6, protocol, List.of(vips), servers, rule, 30_000_000_000L,
                new SelectorProgram.Maps(state.value(), assigned.value(), flows.value()));
        return keep(Bpf.loadTcProgram("test_selector", p.instructions()));
    }

    private Bpf.Fd keep(Bpf.Fd fd) {
        fds.add(fd);
        return fd;
    }

    private void loads(SelectorProgram.Load... loads) throws NativeException {
        Bpf.update(state, new byte[4], SelectorProgram.state(List.of(loads)));
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
    void wlcGivesEachSynTheLeastLoadedPerWeightAndCountsIt() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        Bpf.Fd p = program(Protocol.TCP, false, Rule.WEIGHTED_LEAST_CONNECTION, 3, vip);
        loads(new SelectorProgram.Load(0, 0, 1), new SelectorProgram.Load(0, 0, 2), new SelectorProgram.Load(0, 0, 3));
        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            Bpf.TestRun r = syn(p, vip);
            assertThat(r.returnValue()).isEqualTo(NEXT);
            got.add(r.mark() - SelectorProgram.MARK_BASE);
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
        assertThat(Bpf.testRun(p, first).mark()).isEqualTo(SelectorProgram.MARK_BASE + 1);
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
        assertThat(Bpf.testRun(p, frame(client, vip2, 0x02)).mark()).isEqualTo(SelectorProgram.MARK_BASE);
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
            if (rule == Rule.TWO_CHOICES) continue; // random: twoChoicesDrawByWeightAndKeepTheLessLoaded
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
                Bpf.update(state, new byte[4], SelectorProgram.state(loads));
                int expected = SelectorModel.choose(rule, model);
                int mark = syn(p, vip).mark();
                assertThat(mark == 0 ? -1 : mark - SelectorProgram.MARK_BASE).as("%s over %s", rule, model)
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
            got[syn(p, vip).mark() - SelectorProgram.MARK_BASE]++;
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
            even[syn(p, vip).mark() - SelectorProgram.MARK_BASE]++;
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
        assertThat(Bpf.testRun(p, flow).mark()).isEqualTo(SelectorProgram.MARK_BASE + 1);
        for (int i = 0; i < 5; i++) assertThat(Bpf.testRun(p, flow).mark()).isEqualTo(SelectorProgram.MARK_BASE + 1);
        assertThat(assignedCounts(2)).containsExactly(0, 1);
        // 2 and 2 now: the next flow goes to the first.
        assertThat(Bpf.testRun(p, frame(at("10.0.0.100", 5001), vip, -1)).mark()).isEqualTo(SelectorProgram.MARK_BASE);
    }

    @Test
    void ipv6SynsAreScheduled() throws Exception {
        InetSocketAddress vip = at("fd00:199::50", 443);
        Bpf.Fd p = program(Protocol.TCP, true, Rule.LEAST_CONNECTION, 3, vip);
        loads(new SelectorProgram.Load(1, 0, 1), new SelectorProgram.Load(0, 0, 1), new SelectorProgram.Load(1, 0, 1));
        InetSocketAddress client = at("fd00:199::100", 40000);
        assertThat(Bpf.testRun(p, frame(client, vip, 0x02)).mark()).isEqualTo(SelectorProgram.MARK_BASE + 1);
        assertThat(Bpf.testRun(p, frame(at("fd00:199::100", 40001), at("fd00:199::51", 443), 0x02)).mark()).isZero();
        assertThat(Bpf.testRun(p, frame(at("10.0.0.1", 40001), at("10.199.0.50", 443), 0x02)).mark()).isZero();
    }

    @Test
    void theVerifierTakesTheLargestProgramOfEveryRule() throws Exception {
        InetSocketAddress vip = at("10.199.0.50", 80);
        for (Rule rule : Rule.values()) {
            long t0 = System.nanoTime();
            Bpf.Fd p = program(Protocol.TCP, false, rule, SelectorProgram.MAX_SERVERS, vip);
            // Linear verification: a quadratic one took minutes or failed with E2BIG at this size.
            assertThat(System.nanoTime() - t0).as(rule.toString()).isLessThan(60_000_000_000L);
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
