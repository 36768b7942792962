package dev.vigil.forward;

import dev.vigil.balance.RealServerState;
import dev.vigil.balance.SchedulerSlots;
import dev.vigil.balance.ServerTableChange;
import dev.vigil.bpf.SelectorProgram;
import dev.vigil.config.Protocol;
import dev.vigil.config.Scheduler;
import dev.vigil.linux.Bpf;
import dev.vigil.linux.NativeException;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One virtual server's eBPF selector ({@link SelectorProgram}): its program, its maps (three, and lblc's or
 * lblcr's {@code locality}) and its tcx links, one per interface. It keeps what it last wrote into the
 * {@code state} map: each server's weight as the service last published it (0 when it takes no new
 * connection, or the quorum is down) and its counts as conntrack last said ({@link #reconcile}). The
 * {@code locality} map starts empty for each VIP address and is the program's from then on: a selector lives
 * as long as its {@link Layout} (the same servers at the same indices), so its entries keep naming the right
 * servers across weight and health changes, as balance's tables do; another layout loads another selector,
 * whose entries start empty. Everything it holds is a file descriptor: closing them (or the process dying,
 * kill -9 included) detaches and frees it all; nothing is pinned.
 */
final class KernelSelector implements AutoCloseable {
    /** A SYN's retransmits come within conntrack's SYN_SENT timeout (120 s); later, the same 5-tuple is new. */
    static final long TCP_WINDOW_NANOS = 120_000_000_000L;
    /** A UDP flow idle longer than conntrack's unreplied UDP timeout (30 s) is scheduled again. */
    static final long UDP_WINDOW_NANOS = 30_000_000_000L;
    private static final int FLOWS = 16_384;
    /** lblc's and lblcr's times, as the proxy engine's schedulers keep them (IPVS's defaults). */
    private static final SelectorProgram.Locality LOCALITY = new SelectorProgram.Locality(
            SchedulerSlots.LOCALITY_EXPIRATION_NANOS, SchedulerSlots.LOCALITY_SHRINK_NANOS);

    /** A real server's connections, as conntrack (or ctnetlink events) count them: IPVS's active and inactive. */
    record Counts(int active, int inactive) {
        static final Counts NONE = new Counts(0, 0);
    }

    /**
     * What the program is built for: a change of any of it loads another program. {@code marks} are what it
     * writes for each of {@code servers}: the nftables table's names for them, which stay while a server stays
     * configured, whatever its place in the list.
     */
    record Layout(Protocol protocol, boolean ipv6, List<InetSocketAddress> addresses, List<InetSocketAddress> servers,
                  List<Integer> marks, SelectorProgram.Rule rule) {
        Layout {
            addresses = List.copyOf(addresses);
            servers = List.copyOf(servers);
            marks = List.copyOf(marks);
            if (marks.size() != servers.size()) throw new IllegalArgumentException("a mark per server");
        }
    }

    final Layout layout;
    private final Bpf.Fd state, assigned, flows, program;
    private final Optional<Bpf.Fd> locality;
    private final Map<Integer, Bpf.Fd> links = new HashMap<>();
    private final int[] weights;
    private final long[] pendingBase;
    private final int[] other;

    private KernelSelector(Layout layout, Bpf.Fd state, Bpf.Fd assigned, Bpf.Fd flows,
                           Optional<Bpf.Fd> locality, Bpf.Fd program) {
        this.layout = layout;
        this.state = state;
        this.assigned = assigned;
        this.flows = flows;
        this.locality = locality;
        this.program = program;
        int n = layout.servers().size();
        weights = new int[n];
        pendingBase = new long[n];
        other = new int[n];
    }

    /** The rule of a scheduler the selector runs ({@link dev.vigil.balance.SchedulerSlots#counted}). */
    static SelectorProgram.Rule rule(Scheduler scheduler) {
        return switch (scheduler) {
            case LC -> SelectorProgram.Rule.LEAST_CONNECTION;
            case WLC -> SelectorProgram.Rule.WEIGHTED_LEAST_CONNECTION;
            case SED -> SelectorProgram.Rule.SHORTEST_EXPECTED_DELAY;
            case NQ -> SelectorProgram.Rule.NEVER_QUEUE;
            case FO -> SelectorProgram.Rule.WEIGHTED_FAILOVER;
            case OVF -> SelectorProgram.Rule.OVERFLOW;
            case TWOS -> SelectorProgram.Rule.TWO_CHOICES;
            case LBLC -> SelectorProgram.Rule.LOCALITY;
            case LBLCR -> SelectorProgram.Rule.LOCALITY_REPLICATION;
            default -> throw new IllegalArgumentException("the selector does not run " + scheduler.keyword());
        };
    }

    /** Creates the maps and loads the program (the verifier's refusal is the exception's message); attaches nothing. */
    static KernelSelector load(String name, Layout layout) throws NativeException {
        int n = layout.servers().size();
        if (n > SelectorProgram.MAX_SERVERS) {
            throw new NativeException("the eBPF selector takes up to " + SelectorProgram.MAX_SERVERS
                    + " real servers, not " + n);
        }
        List<Bpf.Fd> made = new ArrayList<>();
        try {
            Bpf.Fd state = keep(made, Bpf.createMap(Bpf.MAP_ARRAY, 4, SelectorProgram.stateSize(n), 1, name + "_state"));
            Bpf.Fd assigned = keep(made, Bpf.createMap(Bpf.MAP_ARRAY, 4, n * SelectorProgram.ASSIGNED_ENTRY, 1,
                    name + "_assigned"));
            Bpf.Fd flows = keep(made, Bpf.createMap(Bpf.MAP_LRU_HASH, SelectorProgram.FLOW_KEY,
                    SelectorProgram.FLOW_VALUE, FLOWS, name + "_flows"));
            Set<InetAddress> destinations = new LinkedHashSet<>();
            layout.addresses().forEach(a -> destinations.add(a.getAddress()));
            SelectorProgram.Protocol protocol = layout.protocol() == Protocol.UDP
                    ? SelectorProgram.Protocol.UDP : SelectorProgram.Protocol.TCP;
            long window = layout.protocol() == Protocol.UDP ? UDP_WINDOW_NANOS : TCP_WINDOW_NANOS;
            Optional<Bpf.Fd> locality = Optional.empty();
            SelectorProgram p;
            if (layout.rule().keepsLocality()) {
                Bpf.Fd map = keep(made, Bpf.createMap(Bpf.MAP_HASH, SelectorProgram.LOCALITY_KEY,
                        SelectorProgram.localityValueSize(layout.rule(), n), destinations.size(), name + "_locality"));
                byte[] empty = SelectorProgram.emptyLocality(layout.rule(), n);
                for (InetAddress d : destinations) Bpf.update(map, SelectorProgram.localityKey(d), empty);
                locality = Optional.of(map);
                p = new SelectorProgram(layout.ipv6(), protocol, layout.addresses(), n, layout.rule(), window,
                        new SelectorProgram.Maps(state.value(), assigned.value(), flows.value(), map.value()), LOCALITY);
            } else {
                p = new SelectorProgram(layout.ipv6(), protocol, layout.addresses(), n, layout.rule(), window,
                        new SelectorProgram.Maps(state.value(), assigned.value(), flows.value()));
            }
            Bpf.Fd program = keep(made, Bpf.loadTcProgram("vigil_" + name, p.instructions()));
            KernelSelector s = new KernelSelector(layout, state, assigned, flows, locality, program);
            s.write();
            return s;
        } catch (NativeException | RuntimeException e) {
            made.forEach(Bpf.Fd::close);
            throw e;
        }
    }

    private static Bpf.Fd keep(List<Bpf.Fd> made, Bpf.Fd fd) {
        made.add(fd);
        return fd;
    }

    /** The interfaces it is attached to, by index. */
    synchronized Set<Integer> interfaces() {
        return Set.copyOf(links.keySet());
    }

    /** Attaches to the ingress of {@code ifindex}; call on the namespace's thread. */
    synchronized void attach(int ifindex) throws NativeException {
        if (links.containsKey(ifindex)) return;
        links.put(ifindex, Bpf.attachTcxIngress(program, ifindex));
    }

    /** Detaches from an interface (gone, or no longer wanted). */
    synchronized void detach(int ifindex) {
        Bpf.Fd link = links.remove(ifindex);
        if (link != null) link.close();
    }

    /**
     * Puts {@code newer}'s program in this one's place on every interface, atomically per interface, and hands
     * it the links; this selector is then closed. An interface whose link cannot be updated is attached afresh.
     */
    synchronized void handOver(KernelSelector newer) throws NativeException {
        NativeException failed = null;
        for (var e : links.entrySet()) {
            try {
                Bpf.replace(e.getValue(), newer.program);
                synchronized (newer) {
                    newer.links.put(e.getKey(), e.getValue());
                }
            } catch (NativeException x) {
                e.getValue().close();
                failed = x;
            }
        }
        links.clear();
        close();
        if (failed != null) throw failed;
    }

    /**
     * The servers' weights and availability as the service just published them, by address: a reload publishes
     * its table before the engine loads the selector for its servers, and until then a server this layout has
     * at an index keeps its own weight there (one the table no longer has takes no new connection).
     */
    synchronized void table(ServerTableChange change) throws NativeException {
        Map<InetSocketAddress, RealServerState> byAddress = new HashMap<>();
        for (RealServerState s : change.realServers()) byAddress.put(s.address(), s);
        for (int i = 0; i < weights.length; i++) {
            RealServerState s = byAddress.get(layout.servers().get(i));
            weights[i] = s != null && change.quorumUp() && s.acceptsNew() ? s.weight() : 0;
        }
        write();
    }

    /** The connections the program has given each server since it was loaded. */
    synchronized long[] assigned() throws NativeException {
        return SelectorProgram.assigned(Bpf.lookup(assigned, new byte[4], weights.length * SelectorProgram.ASSIGNED_ENTRY));
    }

    /**
     * Sets each server's counts to {@code counted}, which were read after {@code assignedBefore} was: a connection
     * the program gives between the two reads is counted twice until the next reconcile (never missed). Servers
     * not in {@code counted} have none.
     */
    synchronized void reconcile(long[] assignedBefore, Map<InetSocketAddress, Counts> counted) throws NativeException {
        boolean udp = layout.protocol() == Protocol.UDP;
        for (int i = 0; i < weights.length; i++) {
            Counts c = counted.getOrDefault(layout.servers().get(i), Counts.NONE);
            // TCP: the program's count is of active connections, UDP's are all inactive (as in IPVS).
            long pending = udp ? (long) c.active() + c.inactive() : c.active();
            pendingBase[i] = pending - assignedBefore[i];
            other[i] = udp ? 0 : c.inactive();
        }
        write();
    }

    private void write() throws NativeException {
        List<SelectorProgram.Load> loads = new ArrayList<>(weights.length);
        for (int i = 0; i < weights.length; i++) loads.add(new SelectorProgram.Load(pendingBase[i], other[i], weights[i]));
        Bpf.update(state, new byte[4], SelectorProgram.state(loads, layout.marks()));
    }

    @Override
    public synchronized void close() {
        links.values().forEach(Bpf.Fd::close);
        links.clear();
        program.close();
        locality.ifPresent(Bpf.Fd::close);
        flows.close();
        assigned.close();
        state.close();
    }
}
