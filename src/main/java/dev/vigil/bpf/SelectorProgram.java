package dev.vigil.bpf;

import dev.vigil.bpf.Assembler.Alu;
import dev.vigil.bpf.Assembler.Jump;
import dev.vigil.bpf.Assembler.Label;
import dev.vigil.bpf.Assembler.Reg;
import dev.vigil.bpf.Assembler.Size;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The selector of one virtual server: a tc program for the VIP-side ingress that, for each packet opening a
 * connection to one of the virtual server's VIP:ports (a TCP SYN without ACK, or a UDP packet of a flow it has
 * not seen within {@code flowWindowNanos}), picks the real server as IPVS's scheduler would from per-server
 * counters, counts it, and writes {@link #MARK_BASE} + the server's index into {@code skb->mark}; nftables then
 * DNATs by that mark. Every other packet passes untouched, and every packet goes on to the next tc program
 * (the program always returns {@code TCX_NEXT}).
 *
 * <p>The maps (fds in {@link Maps}):
 * <ul>
 * <li>{@code state}, one-element array written by user space: per server {@link #STATE_ENTRY} bytes,
 *     {@code s64 pending_base; u32 other; u32 weight}. {@code weight} 0 means it takes no new connection.</li>
 * <li>{@code assigned}, one-element array written only by the program: per server a {@code u64} it adds one to
 *     (atomically) for every connection it gives that server.</li>
 * <li>{@code flows}, an LRU hash of the connections it chose, so a SYN retransmit or a UDP flow's next packet is
 *     given the same server and not counted again: key {@link #FLOW_KEY} bytes ({@code saddr[16] daddr[16]
 *     sport dport proto pad[3]}, ports as on the wire), value {@code u32 index; u32 pad; u64 time_ns}.</li>
 * </ul>
 * A server's connections in the scheduler's sense are {@code max(0, pending_base + assigned)} plus
 * {@code other}: for TCP those are active and {@code other} inactive (IPVS's overhead is active &times; 256 +
 * inactive), for UDP every connection is inactive, as in IPVS. User space reconciles from conntrack by writing
 * {@code pending_base = counted - assigned_at_the_time}.
 *
 * <p>IPv4 (any IHL; fragments other than the first are passed over) or IPv6 (the fixed header: a packet with
 * extension headers before TCP/UDP is passed over unmarked and nftables gives it to no real server).
 */
public record SelectorProgram(boolean ipv6, Protocol protocol, List<InetSocketAddress> vips, int servers, Rule rule,
                              long flowWindowNanos, Maps maps) {
    public static final int MARK_BASE = 0x56490000;
    /** Offsets into the state map stay within 16 bits, and the verifier takes well under a second (twos: 4 s). */
    public static final int MAX_SERVERS = 1024;
    public static final int STATE_ENTRY = 16, ASSIGNED_ENTRY = 8, FLOW_KEY = 40, FLOW_VALUE = 16;
    /** TCX_NEXT: let the next program (or the stack) decide; never changes another program's verdict. */
    private static final int TCX_NEXT = -1;
    private static final int HELPER_MAP_LOOKUP = 1, HELPER_MAP_UPDATE = 2, HELPER_KTIME = 5, HELPER_RANDOM = 7,
            HELPER_LOAD_BYTES = 26;
    private static final int SKB_MARK = 8, SKB_PROTOCOL = 16, ETH_HLEN = 14;
    // The stack (offsets from the frame pointer).
    private static final int HDR = -64, L4 = -80, KEY = -120, VALUE = -136, NOW = -144;
    // twos: the total weight, the first draw, and the index and overhead of each server drawn.
    private static final int TOTAL = -152, DRAW = -160, INDEX1 = -168, OVERHEAD1 = -176, INDEX2 = -184,
            OVERHEAD2 = -192;

    public enum Protocol {
        TCP(6, 14), UDP(17, 8);

        final int number;
        final int header;

        Protocol(int number, int header) {
            this.number = number;
            this.header = header;
        }
    }

    /** IPVS's connection-counting schedulers, as {@code balance} implements them. */
    public enum Rule {
        /** lc: the least overhead, the first of equals. */
        LEAST_CONNECTION,
        /** wlc: the least overhead / weight. */
        WEIGHTED_LEAST_CONNECTION,
        /** sed: the least (active + 1) / weight. */
        SHORTEST_EXPECTED_DELAY,
        /** nq: the first with no active connection, else as sed. */
        NEVER_QUEUE,
        /** fo: the highest weight, the first of equals. */
        WEIGHTED_FAILOVER,
        /** ovf: the highest weight among those with fewer active connections than their weight. */
        OVERFLOW,
        /** twos: two servers drawn at random in proportion to their weights, the lower overhead / weight of the two. */
        TWO_CHOICES
    }


    public record Maps(int state, int assigned, int flows) {}

    public SelectorProgram {
        vips = List.copyOf(vips);
        if (vips.isEmpty()) throw new IllegalArgumentException("no VIP");
        if (servers < 1 || servers > MAX_SERVERS) throw new IllegalArgumentException(servers + " servers");
        for (InetSocketAddress v : vips) {
            if (v.getAddress().getAddress().length != (ipv6 ? 16 : 4)) throw new IllegalArgumentException("VIP of the other family");
        }
    }

    /** One server's entry of the {@code state} map. */
    public record Load(long pendingBase, int other, int weight) {}

    /** The {@code state} map's value for these servers, in index order. */
    public static byte[] state(List<Load> loads) {
        ByteBuffer b = ByteBuffer.allocate(loads.size() * STATE_ENTRY).order(ByteOrder.nativeOrder());
        for (Load l : loads) b.putLong(l.pendingBase()).putInt(l.other()).putInt(l.weight());
        return b.array();
    }

    /** The counters of the {@code assigned} map's value. */
    public static long[] assigned(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        long[] out = new long[value.length / ASSIGNED_ENTRY];
        for (int i = 0; i < out.length; i++) out[i] = b.getLong();
        return out;
    }

    /** The program's instructions. */
    public byte[] instructions() {
        Assembler a = new Assembler();
        Label out = a.label(), choose = a.label(), mark = a.label();
        a.mov(Reg.R6, Reg.R1);
        a.load(Size.W, Reg.R2, Reg.R6, SKB_PROTOCOL);
        // skb->protocol is the EtherType in network order: 0x0800 reads as 0x0008 on a little-endian host.
        a.jump32(Jump.JNE, Reg.R2, ipv6 ? 0xdd86 : 0x0008, out);
        loadBytes(a, ETH_HLEN, HDR, ipv6 ? 40 : 20, out);
        for (int off = 0; off < FLOW_KEY; off += 8) a.storeImm(Size.DW, Reg.FP, KEY + off, 0);
        a.load(Size.B, Reg.R7, Reg.FP, HDR);
        a.mov(Reg.R1, Reg.R7).alu64(Alu.RSH, Reg.R1, 4).jump(Jump.JNE, Reg.R1, ipv6 ? 6 : 4, out);
        if (ipv6) {
            a.load(Size.B, Reg.R1, Reg.FP, HDR + 6).jump(Jump.JNE, Reg.R1, protocol.number, out);
            for (int off = 0; off < 32; off += 8) {
                a.load(Size.DW, Reg.R1, Reg.FP, HDR + 8 + off).store(Size.DW, Reg.FP, KEY + off, Reg.R1);
            }
            a.mov(Reg.R7, ETH_HLEN + 40);
        } else {
            a.alu64(Alu.AND, Reg.R7, 0x0f).jump(Jump.JLT, Reg.R7, 5, out);
            a.alu64(Alu.LSH, Reg.R7, 2).alu64(Alu.ADD, Reg.R7, ETH_HLEN);
            // The fragment offset (13 bits after the flags) in network order, read little-endian.
            a.load(Size.H, Reg.R1, Reg.FP, HDR + 6).jump(Jump.JSET, Reg.R1, 0xff1f, out);
            a.load(Size.B, Reg.R1, Reg.FP, HDR + 9).jump(Jump.JNE, Reg.R1, protocol.number, out);
            a.load(Size.W, Reg.R1, Reg.FP, HDR + 12).store(Size.W, Reg.FP, KEY, Reg.R1);
            a.load(Size.W, Reg.R1, Reg.FP, HDR + 16).store(Size.W, Reg.FP, KEY + 16, Reg.R1);
        }
        a.mov(Reg.R2, Reg.R7);
        loadBytesAt(a, L4, protocol.header, out);
        a.load(Size.W, Reg.R1, Reg.FP, L4).store(Size.W, Reg.FP, KEY + 32, Reg.R1);
        a.storeImm(Size.B, Reg.FP, KEY + 36, protocol.number);
        matchVip(a, out);
        if (protocol == Protocol.TCP) {
            // SYN without ACK, FIN or RST: what IPVS schedules, and what the nft guard lets open an entry.
            a.load(Size.B, Reg.R1, Reg.FP, L4 + 13).alu64(Alu.AND, Reg.R1, 0x17).jump(Jump.JNE, Reg.R1, 0x02, out);
        }
        a.call(HELPER_KTIME).store(Size.DW, Reg.FP, NOW, Reg.R0);
        seenFlow(a, choose, mark);
        a.bind(choose);
        select(a, out);
        a.bind(mark);
        a.alu64(Alu.ADD, Reg.R7, MARK_BASE).store(Size.W, Reg.R6, SKB_MARK, Reg.R7);
        a.bind(out);
        a.mov(Reg.R0, TCX_NEXT).exit();
        return a.assemble();
    }

    private static void loadBytes(Assembler a, int offset, int to, int length, Label fail) {
        a.mov(Reg.R2, offset);
        loadBytesAt(a, to, length, fail);
    }

    /** bpf_skb_load_bytes(skb, r2, fp + to, length); a short packet goes to {@code fail}. */
    private static void loadBytesAt(Assembler a, int to, int length, Label fail) {
        a.mov(Reg.R1, Reg.R6).mov(Reg.R3, Reg.FP).alu64(Alu.ADD, Reg.R3, to).mov(Reg.R4, length);
        a.call(HELPER_LOAD_BYTES).jump(Jump.JNE, Reg.R0, 0, fail);
    }

    /** Falls through when the destination (key + 16) and port (L4 + 2) are one of the VIPs, else to {@code out}. */
    private void matchVip(Assembler a, Label out) {
        Label matched = a.label();
        a.load(Size.H, Reg.R2, Reg.FP, L4 + 2);
        for (InetSocketAddress v : vips) {
            Label next = a.label();
            a.jump32(Jump.JNE, Reg.R2, Short.reverseBytes((short) v.getPort()) & 0xffff, next);
            byte[] bytes = v.getAddress().getAddress();
            ByteBuffer address = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (int off = 0; off < bytes.length; off += 4) {
                a.load(Size.W, Reg.R1, Reg.FP, KEY + 16 + off).jump32(Jump.JNE, Reg.R1, address.getInt(off), next);
            }
            a.goTo(matched);
            a.bind(next);
        }
        a.goTo(out);
        a.bind(matched);
    }

    /**
     * A flow chosen within the window whose server still takes connections keeps it, uncounted (r7 = its index,
     * on to {@code mark}); a UDP flow's window restarts with each packet. Anything else goes to {@code choose}.
     */
    private void seenFlow(Assembler a, Label choose, Label mark) {
        a.loadMap(Reg.R1, maps.flows()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY);
        a.call(HELPER_MAP_LOOKUP).jump(Jump.JEQ, Reg.R0, 0, choose);
        a.load(Size.DW, Reg.R1, Reg.R0, 8).load(Size.DW, Reg.R2, Reg.FP, NOW);
        a.mov(Reg.R3, Reg.R2).alu64(Alu.SUB, Reg.R3, Reg.R1);
        a.loadImm64(Reg.R4, flowWindowNanos).jump(Jump.JGT, Reg.R3, Reg.R4, choose);
        a.load(Size.W, Reg.R7, Reg.R0, 0).jump(Jump.JGE, Reg.R7, servers, choose);
        if (protocol == Protocol.UDP) a.store(Size.DW, Reg.R0, 8, Reg.R2);
        a.loadMapValue(Reg.R1, maps.state(), 0).mov(Reg.R2, Reg.R7).alu64(Alu.LSH, Reg.R2, 4);
        a.alu64(Alu.ADD, Reg.R1, Reg.R2).load(Size.W, Reg.R1, Reg.R1, 12).jump(Jump.JEQ, Reg.R1, 0, choose);
        a.goTo(mark);
    }

    /**
     * The scheduler, unrolled over the servers, leaves r0 = the index chosen and r5 = its weight (0: none, to
     * {@code out}); then remembers the flow, counts it, and falls through to the mark with r7 = the index.
     *
     * <p>The verifier walks every path, and prunes one only where it reaches a state it has seen; a register it
     * must know exactly ("precise") defeats that. So the chosen index, a different constant on each path, is
     * never compared nor used as an offset: "none chosen yet" is a weight of 0, and the count's offset is the
     * index read back from the flow just written (a map's value, unknown to the verifier). Verification stays
     * linear in the number of servers instead of quadratic.
     */
    private void select(Assembler a, Label out) {
        Label done = a.label(), counted = a.label();
        a.loadMapValue(Reg.R8, maps.state(), 0).loadMapValue(Reg.R9, maps.assigned(), 0);
        if (rule == Rule.TWO_CHOICES) {
            twoChoices(a, out);
        } else {
            compare(a, done);
        }
        a.bind(done);
        a.jump(Jump.JEQ, Reg.R5, 0, out).mov(Reg.R7, Reg.R0);
        a.store(Size.W, Reg.FP, VALUE, Reg.R7).storeImm(Size.W, Reg.FP, VALUE + 4, 0);
        a.load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.FP, VALUE + 8, Reg.R1);
        a.loadMap(Reg.R1, maps.flows()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY);
        a.mov(Reg.R3, Reg.FP).alu64(Alu.ADD, Reg.R3, VALUE).mov(Reg.R4, 0).call(HELPER_MAP_UPDATE);
        a.loadMap(Reg.R1, maps.flows()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY);
        a.call(HELPER_MAP_LOOKUP).jump(Jump.JEQ, Reg.R0, 0, counted);
        a.load(Size.W, Reg.R1, Reg.R0, 0).jump(Jump.JGE, Reg.R1, servers, counted);
        a.alu64(Alu.LSH, Reg.R1, 3).mov(Reg.R2, Reg.R9).alu64(Alu.ADD, Reg.R2, Reg.R1).mov(Reg.R1, 1);
        a.atomicAdd64(Reg.R2, 0, Reg.R1);
        a.bind(counted);
    }

    /** r2 = server i's active, r3 its inactive (r1 must hold its weight; the state and assigned pointers in r8, r9). */
    private void counts(Assembler a, int i) {
        int s = i * STATE_ENTRY;
        a.load(Size.DW, Reg.R2, Reg.R9, i * ASSIGNED_ENTRY).load(Size.DW, Reg.R3, Reg.R8, s);
        Label positive = a.label();
        a.alu64(Alu.ADD, Reg.R2, Reg.R3).jump(Jump.JSGE, Reg.R2, 0, positive).mov(Reg.R2, 0).bind(positive);
        a.load(Size.W, Reg.R3, Reg.R8, s + 8);
        if (protocol == Protocol.UDP) a.alu64(Alu.ADD, Reg.R3, Reg.R2).mov(Reg.R2, 0);
    }

    /**
     * twos: the total weight, two draws below it ({@code bpf_get_prandom_u32}), the servers whose weight ranges
     * hold them (as balance walks them), then the lower overhead per weight of the two, the first on a tie.
     * r0 and r4 are the weights of the first and second found (0: not yet), their indices on the stack.
     */
    private void twoChoices(Assembler a, Label out) {
        a.mov(Reg.R4, 0);
        for (int i = 0; i < servers; i++) a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12).alu64(Alu.ADD, Reg.R4, Reg.R1);
        a.mov(Reg.R5, 0).jump(Jump.JEQ, Reg.R4, 0, out).store(Size.DW, Reg.FP, TOTAL, Reg.R4);
        a.call(HELPER_RANDOM).load(Size.DW, Reg.R1, Reg.FP, TOTAL).alu64(Alu.MOD, Reg.R0, Reg.R1);
        a.store(Size.DW, Reg.FP, DRAW, Reg.R0);
        a.call(HELPER_RANDOM).load(Size.DW, Reg.R1, Reg.FP, TOTAL).alu64(Alu.MOD, Reg.R0, Reg.R1);
        // r5 and r7: the two draws, walked down by each weight (r8 and r9 survive the calls).
        a.mov(Reg.R7, Reg.R0).load(Size.DW, Reg.R5, Reg.FP, DRAW);
        a.mov(Reg.R0, 0).mov(Reg.R4, 0);
        for (int i = 0; i < servers; i++) {
            Label next = a.label(), notFirst = a.label(), notSecond = a.label();
            a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12).jump(Jump.JEQ, Reg.R1, 0, next);
            a.alu64(Alu.SUB, Reg.R5, Reg.R1).alu64(Alu.SUB, Reg.R7, Reg.R1);
            counts(a, i);
            overhead(a);
            a.jump(Jump.JNE, Reg.R0, 0, notFirst).jump(Jump.JSGE, Reg.R5, 0, notFirst);
            a.mov(Reg.R0, Reg.R1).storeImm(Size.DW, Reg.FP, INDEX1, i).store(Size.DW, Reg.FP, OVERHEAD1, Reg.R2);
            a.bind(notFirst);
            a.jump(Jump.JNE, Reg.R4, 0, notSecond).jump(Jump.JSGE, Reg.R7, 0, notSecond);
            a.mov(Reg.R4, Reg.R1).storeImm(Size.DW, Reg.FP, INDEX2, i).store(Size.DW, Reg.FP, OVERHEAD2, Reg.R2);
            a.bind(notSecond);
            a.bind(next);
        }
        // Both are found (each draw is below the total); the second wins only with less overhead per weight.
        Label keepFirst = a.label(), chosen = a.label();
        a.jump(Jump.JEQ, Reg.R0, 0, out).jump(Jump.JEQ, Reg.R4, 0, out);
        a.load(Size.DW, Reg.R1, Reg.FP, OVERHEAD1).alu64(Alu.MUL, Reg.R1, Reg.R4);
        a.load(Size.DW, Reg.R2, Reg.FP, OVERHEAD2).alu64(Alu.MUL, Reg.R2, Reg.R0);
        a.jump(Jump.JLE, Reg.R1, Reg.R2, keepFirst);
        a.mov(Reg.R5, Reg.R4).load(Size.DW, Reg.R0, Reg.FP, INDEX2).goTo(chosen);
        a.bind(keepFirst).mov(Reg.R5, Reg.R0).load(Size.DW, Reg.R0, Reg.FP, INDEX1);
        a.bind(chosen);
    }

    /**
     * The rules that compare each server with the best so far, in one pass without a call (r0-r5 live across
     * it): r0 the best index so far, r4 its metric, r5 its weight (0: none yet); per server r1 = weight,
     * r2 = active, r3 = inactive.
     */
    private void compare(Assembler a, Label done) {
        a.mov(Reg.R0, 0).mov(Reg.R4, 0).mov(Reg.R5, 0);
        for (int i = 0; i < servers; i++) {
            Label next = a.label(), take = a.label();
            a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12).jump(Jump.JEQ, Reg.R1, 0, next);
            counts(a, i);
            switch (rule) {
                case LEAST_CONNECTION -> {
                    overhead(a);
                    a.jump(Jump.JEQ, Reg.R5, 0, take).jump(Jump.JGE, Reg.R2, Reg.R4, next);
                }
                case WEIGHTED_LEAST_CONNECTION -> {
                    overhead(a);
                    weightedLess(a, take, next);
                }
                case SHORTEST_EXPECTED_DELAY -> {
                    a.alu64(Alu.ADD, Reg.R2, 1);
                    weightedLess(a, take, next);
                }
                case NEVER_QUEUE -> {
                    Label queued = a.label();
                    a.jump(Jump.JNE, Reg.R2, 0, queued).mov(Reg.R0, i).mov(Reg.R5, Reg.R1).goTo(done).bind(queued);
                    a.alu64(Alu.ADD, Reg.R2, 1);
                    weightedLess(a, take, next);
                }
                // Compared by the sign of a difference in a scratch register: a comparison of r1 and r5 would
                // narrow their ranges differently on each path and defeat the verifier's pruning.
                case WEIGHTED_FAILOVER -> {
                    a.jump(Jump.JEQ, Reg.R5, 0, take);
                    a.mov(Reg.R3, Reg.R5).alu64(Alu.SUB, Reg.R3, Reg.R1).jump(Jump.JSGE, Reg.R3, 0, next);
                }
                case OVERFLOW -> {
                    a.alu64(Alu.SUB, Reg.R2, Reg.R1).jump(Jump.JSGE, Reg.R2, 0, next);
                    a.jump(Jump.JEQ, Reg.R5, 0, take);
                    a.mov(Reg.R3, Reg.R5).alu64(Alu.SUB, Reg.R3, Reg.R1).jump(Jump.JSGE, Reg.R3, 0, next);
                }
                case TWO_CHOICES -> throw new IllegalStateException("twos draws; see twoChoices");
            }
            a.bind(take).mov(Reg.R0, i).mov(Reg.R4, Reg.R2).mov(Reg.R5, Reg.R1);
            a.bind(next);
        }
    }

    /** r2 = IPVS's overhead, active &times; 256 + inactive. */
    private static void overhead(Assembler a) {
        a.alu64(Alu.LSH, Reg.R2, 8).alu64(Alu.ADD, Reg.R2, Reg.R3);
    }

    /** Takes the server when none is chosen yet or best/bestWeight &gt; r2/r1, i.e. r4 &times; r1 &gt; r2 &times; r5 (r7 scratch). */
    private static void weightedLess(Assembler a, Label take, Label next) {
        a.jump(Jump.JEQ, Reg.R5, 0, take);
        a.mov(Reg.R3, Reg.R4).alu64(Alu.MUL, Reg.R3, Reg.R1).mov(Reg.R7, Reg.R2).alu64(Alu.MUL, Reg.R7, Reg.R5);
        a.jump(Jump.JLE, Reg.R3, Reg.R7, next);
    }
}
