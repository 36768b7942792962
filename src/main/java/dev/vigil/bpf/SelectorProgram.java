package dev.vigil.bpf;

import dev.vigil.bpf.Assembler.Alu;
import dev.vigil.bpf.Assembler.Jump;
import dev.vigil.bpf.Assembler.Label;
import dev.vigil.bpf.Assembler.Reg;
import dev.vigil.bpf.Assembler.Size;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

/**
 * The selector of one virtual server: a tc program for the VIP-side ingress that, for each packet opening a
 * connection to one of the virtual server's VIP:ports (a TCP SYN without ACK, or a UDP packet of a flow it has
 * not seen within {@code flowWindowNanos}), picks the real server as IPVS's scheduler would from per-server
 * counters, counts it, and writes the server's mark (from the {@code state} map) into {@code skb->mark}; nftables
 * then DNATs by that mark. Every other packet passes untouched, and every packet goes on to the next tc program
 * (the program always returns {@code TCX_NEXT}).
 *
 * <p>The maps (fds in {@link Maps}):
 * <ul>
 * <li>{@code state}, one-element array written by user space ({@link #stateSize}): per server {@link #STATE_ENTRY}
 *     bytes, {@code s64 pending_base; u32 other; u32 weight}, then per server a {@code u32 mark}. {@code weight} 0
 *     means it takes no new connection. The marks name the servers to nftables by something other than their index
 *     here, so a reload that loads a program for the same servers in another order hands over without a moment
 *     where the old program's index means another server.</li>
 * <li>{@code assigned}, one-element array written only by the program: per server a {@code u64} it adds one to
 *     (atomically) for every connection it gives that server.</li>
 * <li>{@code flows}, an LRU hash of the connections it chose, so a SYN retransmit or a UDP flow's next packet is
 *     given the same server and not counted again: key {@link #FLOW_KEY} bytes ({@code saddr[16] daddr[16]
 *     sport dport proto pad[3]}, ports as on the wire), value {@code u32 index; u32 scratch; u64 time_ns}
 *     ({@code scratch}: where lblcr writes the member it would shed, see {@link #shed}).</li>
 * <li>{@code locality} (lblc and lblcr only), a hash written by user space once, before the program is attached,
 *     and in place by the program after: one entry per destination address, as IPVS and {@code balance} key
 *     their tables (a VIP of the service; two VIP:ports of one address share it), key {@link #LOCALITY_KEY} bytes
 *     (the address, an IPv4 one in the first four and zeros after). lblc's value is {@code u32 index; u32 pad;
 *     u64 last_used_ns}, the server it keeps ({@link #NO_SERVER}: none); lblcr's is {@code u64 last_used_ns;
 *     u64 last_modified_ns; u32 members[(servers + 31) / 32]}, a bit per server index. User space writes every
 *     VIP address's entry empty ({@link #emptyLocality}) when it loads the program; a program loaded for other
 *     servers (a reload that re-indexes them) gets a new map, so an entry never names a server by another's
 *     index. The program never inserts: an address without an entry is passed unmarked.</li>
 * </ul>
 * A server's connections in the scheduler's sense are {@code max(0, pending_base + assigned)} plus
 * {@code other}: for TCP those are active and {@code other} inactive (IPVS's overhead is active &times; 256 +
 * inactive), for UDP every connection is inactive, as in IPVS. User space reconciles from conntrack by writing
 * {@code pending_base = counted - assigned_at_the_time}.
 *
 * <p>lblc and lblcr read and change their entry without a lock (lblcr's member bits with atomic OR and AND, the
 * rest with plain stores): connections to one VIP scheduled on two CPUs at once may both decide from the entry
 * as it was before either wrote (both move off an overloaded server, each to its own wlc pick, and the later
 * write stays; both add a member, or both shed one), where a lock would have had the second decide after the
 * first. What the program reads from a map is checked before it is used: an index against the number of
 * servers, and the server given a connection has a weight the program has just read above 0; so a race
 * changes which of the servers taking connections is chosen, never more.
 *
 * <p>IPv4 (any IHL; fragments other than the first are passed over) or IPv6 (the fixed header: a packet with
 * extension headers before TCP/UDP is passed over unmarked and nftables gives it to no real server).
 */
public record SelectorProgram(boolean ipv6, Protocol protocol, List<InetSocketAddress> vips, int servers, Rule rule,
                              long flowWindowNanos, Maps maps, Locality locality) {
    /**
     * Offsets into the state map stay within 16 bits, and the verifier takes well under a second (twos about 1 s,
     * lblcr 0.3 s, here); lblcr's passes keep under the 8192 branches the verifier lets wait on one path.
     */
    public static final int MAX_SERVERS = 1024;
    public static final int STATE_ENTRY = 16, ASSIGNED_ENTRY = 8, FLOW_KEY = 40, FLOW_VALUE = 16;
    public static final int LOCALITY_KEY = 16;
    /** lblc's index when it keeps no server. */
    public static final int NO_SERVER = -1;
    /** Where lblcr's member bits start in its value, after the two times. */
    private static final int MEMBERS = 16;
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
    // lblc, lblcr: the context while r6 holds the entry; the least loaded member's active connections, the
    // active connections of the member being compared; whether the choice added a member (lblcr).
    private static final int CONTEXT = -200, LEAST_ACTIVE = -208, CANDIDATE_ACTIVE = -216, ADDED = -224;
    // The mark of the server chosen, read at the index the flow's value holds.
    private static final int MARKED = -232;
    private static final int MARK_ENTRY = 4;

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
        TWO_CHOICES,
        /**
         * lblc: per destination address one server, kept while it takes connections, is not overloaded (more
         * active connections than its weight while some server has fewer than half its weight) and the entry was
         * used within the expiration; else wlc picks the server the entry keeps from then on.
         */
        LOCALITY,
        /**
         * lblcr: per destination address a set of servers; the least overhead / weight of its members taking
         * connections serves (the lower index of equals: {@code balance} takes the earlier added, IPVS, which adds at its list's head,
         * the later);
         * when there is none or it is overloaded (as lblc's), wlc's pick is added and serves. A set of more than one
         * not changed for the shrink time sheds its most loaded member (overhead / max(1, weight), the lower index
         * of equals) unless that is the one serving; a set unused for the expiration is emptied.
         */
        LOCALITY_REPLICATION;

        /** Whether it keeps state per destination in the {@code locality} map. */
        public boolean keepsLocality() {
            return this == LOCALITY || this == LOCALITY_REPLICATION;
        }
    }

    /** The maps' fds; {@code locality} is -1 for the rules that keep none. */
    public record Maps(int state, int assigned, int flows, int locality) {
        public Maps(int state, int assigned, int flows) {
            this(state, assigned, flows, -1);
        }
    }

    /**
     * lblc's and lblcr's times: an entry unused for {@code expirationNanos} is forgotten, an lblcr set not changed for
     * longer than {@code shrinkNanos} sheds a member ({@code balance}'s constants in production; tests use short
     * ones). Unused by the other rules.
     */
    public record Locality(long expirationNanos, long shrinkNanos) {
        public static final Locality NONE = new Locality(0, 0);
    }

    /** A program of a rule that keeps no locality state. */
    public SelectorProgram(boolean ipv6, Protocol protocol, List<InetSocketAddress> vips, int servers, Rule rule,
                           long flowWindowNanos, Maps maps) {
        this(ipv6, protocol, vips, servers, rule, flowWindowNanos, maps, Locality.NONE);
    }

    public SelectorProgram {
        vips = List.copyOf(vips);
        if (vips.isEmpty()) throw new IllegalArgumentException("no VIP");
        if (servers < 1 || servers > MAX_SERVERS) throw new IllegalArgumentException(servers + " servers");
        for (InetSocketAddress v : vips) {
            if (v.getAddress().getAddress().length != (ipv6 ? 16 : 4)) throw new IllegalArgumentException("VIP of the other family");
        }
        if (rule.keepsLocality() && (maps.locality() < 0 || locality.expirationNanos() <= 0 || locality.shrinkNanos() <= 0)) {
            throw new IllegalArgumentException(rule + " needs its locality map and times above 0");
        }
    }

    /** The size of a {@code locality} value for {@code rule} (lblc or lblcr) and {@code servers}. */
    public static int localityValueSize(Rule rule, int servers) {
        return rule == Rule.LOCALITY ? 16 : MEMBERS + (servers + 63) / 64 * 8;
    }

    /** The {@code locality} key of a destination address. */
    public static byte[] localityKey(InetAddress address) {
        return Arrays.copyOf(address.getAddress(), LOCALITY_KEY);
    }

    /** The {@code locality} value of a destination nothing is kept for yet. */
    public static byte[] emptyLocality(Rule rule, int servers) {
        ByteBuffer b = ByteBuffer.allocate(localityValueSize(rule, servers)).order(ByteOrder.nativeOrder());
        if (rule == Rule.LOCALITY) b.putInt(NO_SERVER);
        return b.array();
    }

    /** lblc's server in a {@code locality} value ({@link #NO_SERVER}: none). */
    public static int keptServer(byte[] value) {
        return ByteBuffer.wrap(value).order(ByteOrder.nativeOrder()).getInt(0);
    }

    /** lblcr's members in a {@code locality} value. */
    public static BitSet members(byte[] value) {
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        BitSet out = new BitSet();
        for (int i = 0; i < (value.length - MEMBERS) * 8; i++) {
            if ((b.getInt(MEMBERS + i / 32 * 4) >>> (i % 32) & 1) != 0) out.set(i);
        }
        return out;
    }

    /** One server's entry of the {@code state} map. */
    public record Load(long pendingBase, int other, int weight) {}

    /** The size of the {@code state} map's value for {@code servers}. */
    public static int stateSize(int servers) {
        return servers * (STATE_ENTRY + MARK_ENTRY);
    }

    /** The {@code state} map's value for these servers, in index order, and the mark the program gives each. */
    public static byte[] state(List<Load> loads, List<Integer> marks) {
        if (loads.size() != marks.size()) throw new IllegalArgumentException(loads.size() + " loads, " + marks.size() + " marks");
        ByteBuffer b = ByteBuffer.allocate(stateSize(loads.size())).order(ByteOrder.nativeOrder());
        for (Load l : loads) b.putLong(l.pendingBase()).putInt(l.other()).putInt(l.weight());
        for (int m : marks) b.putInt(m);
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
        // The ends before the scheduler, so that the checks above jump a short way forward whatever its size.
        a.bind(mark);
        a.store(Size.W, Reg.R6, SKB_MARK, Reg.R7);
        a.bind(out);
        a.mov(Reg.R0, TCX_NEXT).exit();
        a.bind(choose);
        select(a, out);
        a.goTo(mark);
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
     * A flow chosen within the window whose server still takes connections keeps it, uncounted (r7 = its mark,
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
        loadMark(a, Reg.R7, Reg.R7);
        a.goTo(mark);
    }

    /** {@code dst} = the mark of server {@code index}, a register already checked below {@code servers}. */
    private void loadMark(Assembler a, Reg dst, Reg index) {
        a.mov(Reg.R2, index).alu64(Alu.LSH, Reg.R2, 2).loadMapValue(Reg.R3, maps.state(), servers * STATE_ENTRY);
        a.alu64(Alu.ADD, Reg.R3, Reg.R2).load(Size.W, dst, Reg.R3, 0);
    }

    /**
     * The scheduler, unrolled over the servers, leaves r0 = the index chosen and r5 = its weight (0: none, to
     * {@code out}, which is before it); then remembers the flow, counts it, and ends with r7 = its mark and r6
     * the context, for the mark (0, no server to nftables, in the unlikely case that the flow just written cannot
     * be read back: its index is the only one the verifier lets name a server).
     *
     * <p>The verifier walks every path, and prunes one only where it reaches a state it has seen; a register it
     * must know exactly ("precise") defeats that. So the chosen index, a different constant on each path, is
     * never compared nor used as an offset: "none chosen yet" is a weight of 0, and the count's and the mark's
     * offset is the index read back from the flow just written (a map's value, unknown to the verifier).
     * Verification stays linear in the number of servers instead of quadratic. lblc and lblcr keep to it too: a server is named
     * by an immediate (its bit, its state's offset) or by an index read from a map and checked below
     * {@code servers}, never by a register constant that is then compared or added to a pointer.
     */
    private void select(Assembler a, Label out) {
        Label done = a.label(), counted = a.label();
        a.storeImm(Size.DW, Reg.FP, MARKED, 0);
        a.loadMapValue(Reg.R8, maps.state(), 0).loadMapValue(Reg.R9, maps.assigned(), 0);
        switch (rule) {
            case TWO_CHOICES -> twoChoices(a, out);
            case LOCALITY -> lblc(a, out, done);
            case LOCALITY_REPLICATION -> lblcr(a, out, done);
            default -> compare(a, rule, done);
        }
        a.bind(done);
        ifZero(a, Reg.R5, out);
        a.store(Size.W, Reg.FP, VALUE, Reg.R0).storeImm(Size.W, Reg.FP, VALUE + 4, 0);
        a.load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.FP, VALUE + 8, Reg.R1);
        a.loadMap(Reg.R1, maps.flows()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY);
        a.mov(Reg.R3, Reg.FP).alu64(Alu.ADD, Reg.R3, VALUE).mov(Reg.R4, 0).call(HELPER_MAP_UPDATE);
        a.loadMap(Reg.R1, maps.flows()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY);
        a.call(HELPER_MAP_LOOKUP).jump(Jump.JEQ, Reg.R0, 0, counted);
        if (rule == Rule.LOCALITY_REPLICATION) {
            // Before the count, as balance's lblcr decides before its caller counts the connection.
            Label joined = a.label();
            join(a, joined);
            a.bind(joined);
        }
        a.load(Size.W, Reg.R1, Reg.R0, 0).jump(Jump.JGE, Reg.R1, servers, counted);
        loadMark(a, Reg.R4, Reg.R1);
        a.store(Size.W, Reg.FP, MARKED, Reg.R4);
        a.alu64(Alu.LSH, Reg.R1, 3).mov(Reg.R2, Reg.R9).alu64(Alu.ADD, Reg.R2, Reg.R1).mov(Reg.R1, 1);
        a.atomicAdd64(Reg.R2, 0, Reg.R1);
        a.bind(counted);
        a.load(Size.W, Reg.R7, Reg.FP, MARKED);
        if (rule.keepsLocality()) a.load(Size.DW, Reg.R6, Reg.FP, CONTEXT);
    }

    /** {@code if (reg == 0) goto target}, at any distance (a conditional jump reaches 32767 instructions). */
    private static void ifZero(Assembler a, Reg reg, Label target) {
        Label nonZero = a.label();
        a.jump(Jump.JNE, reg, 0, nonZero).goTo(target).bind(nonZero);
    }

    /**
     * r6 = the destination's {@code locality} entry, the context kept on the stack meanwhile; a destination
     * without one goes to {@code out}.
     */
    private void entry(Assembler a, Label out) {
        a.store(Size.DW, Reg.FP, CONTEXT, Reg.R6);
        // Written on every path before anything reads them: Linux 6.18's verifier, tracing back what a value read
        // from a slot depends on, fails ("verifier bug: stack slot") through a state the slot was not allocated in.
        for (int slot : new int[] {LEAST_ACTIVE, CANDIDATE_ACTIVE, ADDED}) a.storeImm(Size.DW, Reg.FP, slot, 0);
        a.loadMap(Reg.R1, maps.locality()).mov(Reg.R2, Reg.FP).alu64(Alu.ADD, Reg.R2, KEY + 16);
        a.call(HELPER_MAP_LOOKUP);
        ifZero(a, Reg.R0, out);
        a.mov(Reg.R6, Reg.R0);
    }

    /**
     * lblc: the entry's server while it is one (an index below {@code servers}), the entry was used within the
     * expiration, its weight is above 0 and it is not overloaded; else wlc's pick, which the entry keeps. The
     * entry's server and time are written only when a server is chosen. The kept server's weight and counts are
     * read at the index from the entry: a value the verifier does not know, bounded by the check.
     */
    private void lblc(Assembler a, Label out, Label done) {
        Label fresh = a.label(), kept = a.label(), picked = a.label();
        entry(a, out);
        a.load(Size.W, Reg.R0, Reg.R6, 0).jump(Jump.JGE, Reg.R0, servers, fresh);
        a.load(Size.DW, Reg.R2, Reg.R6, 8).load(Size.DW, Reg.R3, Reg.FP, NOW).alu64(Alu.SUB, Reg.R3, Reg.R2);
        a.loadImm64(Reg.R4, locality.expirationNanos()).jump(Jump.JSGE, Reg.R3, Reg.R4, fresh);
        a.mov(Reg.R2, Reg.R0).alu64(Alu.LSH, Reg.R2, 4).mov(Reg.R3, Reg.R8).alu64(Alu.ADD, Reg.R3, Reg.R2);
        a.load(Size.W, Reg.R5, Reg.R3, 12).jump(Jump.JEQ, Reg.R5, 0, fresh);
        if (protocol == Protocol.TCP) {
            // Its active connections, max(0, pending_base + assigned); UDP has none, so never overloaded.
            a.load(Size.DW, Reg.R1, Reg.R3, 0);
            a.mov(Reg.R2, Reg.R0).alu64(Alu.LSH, Reg.R2, 3).mov(Reg.R3, Reg.R9).alu64(Alu.ADD, Reg.R3, Reg.R2);
            a.load(Size.DW, Reg.R2, Reg.R3, 0).alu64(Alu.ADD, Reg.R2, Reg.R1);
            positive(a);
            a.jump(Jump.JLE, Reg.R2, Reg.R5, kept);
            belowHalf(a, fresh);
        }
        a.bind(kept).goTo(picked);
        a.bind(fresh);
        compare(a, Rule.WEIGHTED_LEAST_CONNECTION, picked);
        a.bind(picked);
        a.jump(Jump.JEQ, Reg.R5, 0, done);
        a.store(Size.W, Reg.R6, 0, Reg.R0).load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.R6, 8, Reg.R1);
    }

    /**
     * lblcr, to the choice: an entry unused for the expiration loses its members; the least loaded member taking
     * connections serves unless there is none or it is overloaded, when wlc's pick serves and the entry's
     * modification time is now (its bit is set by {@link #join}, from the index the flow holds). The stack's
     * {@code ADDED} says which it was, so that the path of a pick (which has just changed the set) does not also
     * go through the shrink's pass: the verifier walks one pass fewer per path.
     */
    private void lblcr(Assembler a, Label out, Label done) {
        Label fresh = a.label(), current = a.label();
        entry(a, out);
        a.load(Size.DW, Reg.R2, Reg.R6, 0).load(Size.DW, Reg.R3, Reg.FP, NOW).alu64(Alu.SUB, Reg.R3, Reg.R2);
        a.loadImm64(Reg.R4, locality.expirationNanos()).jump(Jump.JSLT, Reg.R3, Reg.R4, current);
        for (int w = 0; w < (servers + 31) / 32; w++) a.storeImm(Size.W, Reg.R6, MEMBERS + 4 * w, 0);
        a.bind(current);
        // The least overhead / weight among the members taking connections, as wlc compares (r0, r4, r5), with one
        // branch per server: a member's bit times its weight is 0 unless both are set, and the first taken is taken
        // because r4 = 1 and r5 = 0 make any weight above 0 less loaded; its active connections on the stack.
        a.mov(Reg.R0, 0).mov(Reg.R4, 1).mov(Reg.R5, 0);
        for (int i = 0; i < servers; i++) {
            Label next = a.label();
            a.load(Size.W, Reg.R2, Reg.R6, MEMBERS + i / 32 * 4).alu32(Alu.AND, Reg.R2, 1 << (i % 32));
            a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12).alu64(Alu.MUL, Reg.R2, Reg.R1);
            a.jump(Jump.JEQ, Reg.R2, 0, next);
            counts(a, i);
            a.store(Size.DW, Reg.FP, CANDIDATE_ACTIVE, Reg.R2);
            overhead(a);
            a.mov(Reg.R3, Reg.R4).alu64(Alu.MUL, Reg.R3, Reg.R1).mov(Reg.R7, Reg.R2).alu64(Alu.MUL, Reg.R7, Reg.R5);
            a.jump(Jump.JLE, Reg.R3, Reg.R7, next);
            a.mov(Reg.R0, i).mov(Reg.R4, Reg.R2).mov(Reg.R5, Reg.R1);
            a.load(Size.DW, Reg.R3, Reg.FP, CANDIDATE_ACTIVE).store(Size.DW, Reg.FP, LEAST_ACTIVE, Reg.R3);
            a.bind(next);
        }
        a.jump(Jump.JEQ, Reg.R5, 0, fresh);
        if (protocol == Protocol.TCP) {
            Label kept = a.label();
            a.load(Size.DW, Reg.R2, Reg.FP, LEAST_ACTIVE).jump(Jump.JLE, Reg.R2, Reg.R5, kept);
            belowHalf(a, fresh);
            a.bind(kept);
        }
        a.storeImm(Size.DW, Reg.FP, ADDED, 0).goTo(done);
        a.bind(fresh);
        Label picked = a.label();
        compare(a, Rule.WEIGHTED_LEAST_CONNECTION, picked);
        a.bind(picked);
        a.storeImm(Size.DW, Reg.FP, ADDED, 1).jump(Jump.JEQ, Reg.R5, 0, done);
        a.load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.R6, 8, Reg.R1);
    }

    /**
     * To {@code found} when some server has fewer than half its weight in active connections (IPVS's second half
     * of "overloaded" for lblc and lblcr; a weight of 0 never has); r0, r4 and r5 are kept.
     */
    private void belowHalf(Assembler a, Label found) {
        for (int i = 0; i < servers; i++) {
            a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12);
            counts(a, i);
            a.alu64(Alu.LSH, Reg.R2, 1).jump(Jump.JLT, Reg.R2, Reg.R1, found);
        }
    }

    /**
     * lblcr, once the flow is written and before it is counted (r0 = its value, r6 the entry, both kept): the
     * server the flow holds joins the members and the entry's use time is now; then, unless the choice added a
     * member, when the set has more than one and was not changed for longer than the shrink time,
     * {@link #shed}. {@code end} when there is nothing more to do.
     */
    private void join(Assembler a, Label end) {
        a.load(Size.W, Reg.R1, Reg.R0, 0).jump(Jump.JGE, Reg.R1, servers, end);
        bit(a, Reg.R1);
        a.atomic32(Alu.OR, Reg.R3, MEMBERS, Reg.R2);
        a.load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.R6, 0, Reg.R1);
        a.load(Size.DW, Reg.R2, Reg.FP, ADDED).jump(Jump.JNE, Reg.R2, 0, end);
        a.load(Size.DW, Reg.R2, Reg.R6, 8).alu64(Alu.SUB, Reg.R1, Reg.R2);
        a.loadImm64(Reg.R2, locality.shrinkNanos()).jump(Jump.JSLE, Reg.R1, Reg.R2, end);
        // More than one member, without a branch per word: some word with two bits (w & (w - 1)), in r5, or two
        // words with one, counted in r4 by (w | -w) >> 63.
        Label many = a.label();
        a.mov(Reg.R4, 0).mov(Reg.R5, 0);
        for (int w = 0; w < (servers + 31) / 32; w++) {
            a.load(Size.W, Reg.R1, Reg.R6, MEMBERS + 4 * w);
            a.mov(Reg.R2, Reg.R1).alu64(Alu.SUB, Reg.R2, 1).alu64(Alu.AND, Reg.R2, Reg.R1).alu64(Alu.OR, Reg.R5, Reg.R2);
            a.mov(Reg.R2, 0).alu64(Alu.SUB, Reg.R2, Reg.R1).alu64(Alu.OR, Reg.R2, Reg.R1).alu64(Alu.RSH, Reg.R2, 63);
            a.alu64(Alu.ADD, Reg.R4, Reg.R2);
        }
        a.jump(Jump.JNE, Reg.R5, 0, many).jump(Jump.JLT, Reg.R4, 2, end);
        a.bind(many);
        shed(a, end);
    }

    /**
     * lblcr's shrink: the most loaded member, overhead / max(1, weight) whatever its weight, the first of equals
     * (as balance's mostLoaded), leaves the set unless it is the one serving this connection, and the entry's
     * modification time is now. The pass writes the index of the most loaded so far into the flow's scratch
     * word (an immediate into a map) and reads it back after, so that no register constant is compared or used
     * as an offset (see {@link #select}); r0 = the flow's value, r4 and r5 the most loaded's overhead and weight,
     * -1 and 1 at first so that the first member is more loaded (compared signed), one branch per member.
     */
    private void shed(Assembler a, Label end) {
        a.storeImm(Size.W, Reg.R0, 4, NO_SERVER).mov(Reg.R4, -1).mov(Reg.R5, 1);
        for (int i = 0; i < servers; i++) {
            Label next = a.label();
            a.load(Size.W, Reg.R2, Reg.R6, MEMBERS + i / 32 * 4).alu32(Alu.AND, Reg.R2, 1 << (i % 32));
            a.jump(Jump.JEQ, Reg.R2, 0, next);
            // max(1, weight): (weight - 1) >> 63 is 1 for a weight of 0 (a u32), else 0.
            a.load(Size.W, Reg.R1, Reg.R8, i * STATE_ENTRY + 12);
            a.mov(Reg.R2, Reg.R1).alu64(Alu.SUB, Reg.R2, 1).alu64(Alu.RSH, Reg.R2, 63).alu64(Alu.OR, Reg.R1, Reg.R2);
            counts(a, i);
            overhead(a);
            a.mov(Reg.R3, Reg.R2).alu64(Alu.MUL, Reg.R3, Reg.R5).mov(Reg.R7, Reg.R4).alu64(Alu.MUL, Reg.R7, Reg.R1);
            a.jump(Jump.JSLE, Reg.R3, Reg.R7, next);
            a.mov(Reg.R4, Reg.R2).mov(Reg.R5, Reg.R1).storeImm(Size.W, Reg.R0, 4, i);
            a.bind(next);
        }
        a.load(Size.W, Reg.R1, Reg.R0, 4).jump(Jump.JGE, Reg.R1, servers, end);
        a.load(Size.W, Reg.R2, Reg.R0, 0).jump(Jump.JEQ, Reg.R1, Reg.R2, end);
        bit(a, Reg.R1);
        a.alu64(Alu.XOR, Reg.R2, -1).atomic32(Alu.AND, Reg.R3, MEMBERS, Reg.R2);
        a.load(Size.DW, Reg.R1, Reg.FP, NOW).store(Size.DW, Reg.R6, 8, Reg.R1);
    }

    /**
     * For the server whose index (checked below {@code servers}) is in {@code index}: r3 = the entry (r6) plus
     * the offset of its member word from {@link #MEMBERS}, r2 = its bit in that word; {@code index} is clobbered.
     */
    private static void bit(Assembler a, Reg index) {
        a.mov(Reg.R3, index).alu64(Alu.RSH, Reg.R3, 5).alu64(Alu.LSH, Reg.R3, 2).alu64(Alu.ADD, Reg.R3, Reg.R6);
        a.alu64(Alu.AND, index, 31).mov(Reg.R2, 1).alu64(Alu.LSH, Reg.R2, index);
    }

    /** r2 = server i's active, r3 its inactive (r1 must hold its weight; the state and assigned pointers in r8, r9). */
    private void counts(Assembler a, int i) {
        int s = i * STATE_ENTRY;
        a.load(Size.DW, Reg.R2, Reg.R9, i * ASSIGNED_ENTRY).load(Size.DW, Reg.R3, Reg.R8, s).alu64(Alu.ADD, Reg.R2, Reg.R3);
        positive(a);
        a.load(Size.W, Reg.R3, Reg.R8, s + 8);
        if (protocol == Protocol.UDP) a.alu64(Alu.ADD, Reg.R3, Reg.R2).mov(Reg.R2, 0);
    }

    /**
     * r2 = max(0, r2) without a branch (r3 scratch): the verifier keeps every branch whose two ways it cannot tell
     * apart pending until its path ends, and refuses a path with more than 8192, which a pass of lblcr's over 1024
     * servers would reach with a branch more per server.
     */
    private static void positive(Assembler a) {
        a.mov(Reg.R3, Reg.R2).alu64(Alu.ARSH, Reg.R3, 63).alu64(Alu.XOR, Reg.R3, -1).alu64(Alu.AND, Reg.R2, Reg.R3);
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
        ifZero(a, Reg.R0, out);
        ifZero(a, Reg.R4, out);
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
    private void compare(Assembler a, Rule rule, Label done) {
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
                case TWO_CHOICES, LOCALITY, LOCALITY_REPLICATION ->
                        throw new IllegalStateException(rule + " is not one pass; see select");
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
