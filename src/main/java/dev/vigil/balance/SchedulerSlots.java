package dev.vigil.balance;

import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;

import org.jspecify.annotations.Nullable;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A scheduler as a lookup table a kernel can walk without asking Vigil: slot {@code k} of {@code modulus}
 * names the real server. {@link Kind#SEQUENCE} is walked one slot per new connection (nftables'
 * {@code numgen inc mod N}); the hash kinds pick the slot from the client's address (and port). The slots
 * are this package's own schedulers run ahead of time, so the kernel gives the same sequence and the same
 * shares as the proxy does: rr takes each server that accepts new connections once, in order; wrr is
 * one whole IPVS cycle of {@link WeightedRoundRobinScheduler} (weights 3, 2, 1 give A A B A B C); sh and dh
 * are the 256 buckets IPVS deals ({@link HashBuckets}), hashed by the kernel's own function instead of
 * {@code hash_32} (sh by the client's address, dh by the destination's); with {@code sh-fallback} a bucket
 * whose server is unavailable holds the server IPVS's walk from that bucket reaches, a function of the bucket
 * alone ({@link HashBuckets#fallback}); mh is the Maglev table ({@link MaglevTable}, 65537 slots), looked up by
 * the kernel's hash of the client's address, and with {@code mh-fallback} an unavailable server's slot holds
 * where the walk from it ends ({@link MaglevTable#fallback}). Missing slots are connections no server takes (the bucket of a
 * quiesced or overloaded server, without a fallback).
 * The connection-counting schedulers cannot be a table, nor can lblc and lblcr, whose choice for a destination
 * each connection reads and changes: their slots ({@link Kind#MARK}) are the configured servers themselves,
 * and the kernel engine's eBPF selector, which counts (and keeps lblc's and lblcr's state per destination),
 * writes the chosen one's slot into each new connection's packet mark.
 */
public record SchedulerSlots(Kind kind, int modulus, SortedMap<Integer, InetSocketAddress> slots) {

    /** More slots than this would make a map no one should want; weights that need it are refused. */
    public static final int MAX_SLOTS = 65_536;
    /** How long lblc and lblcr keep a destination's state unused (IPVS's lblc_expiration), for the kernel's selector. */
    public static final long LOCALITY_EXPIRATION_NANOS = LocalityBasedScheduler.EXPIRATION_NANOS;
    /** How long an lblcr set stays unchanged before it sheds its most loaded member, for the kernel's selector. */
    public static final long LOCALITY_SHRINK_NANOS = LocalityBasedReplicationScheduler.SHRINK_AFTER_NANOS;

    private static final InetAddress ANY;

    static {
        try {
            ANY = InetAddress.getByAddress(new byte[4]);
        } catch (java.net.UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public enum Kind {
        /** One slot after the other, a connection each. */
        SEQUENCE,
        /** The slot of a hash of the client's address. */
        SOURCE_HASH,
        /** The slot of a hash of the client's address and port ({@code sh-port}, {@code mh-port}). */
        SOURCE_PORT_HASH,
        /** The slot of a hash of the destination address (dh: the VIP, or what a fwmark or port 0 service was sent to). */
        DESTINATION_HASH,
        /**
         * The slot the kernel engine's eBPF selector chose for the connection by counting (lc, wlc, sed, nq, fo,
         * ovf, twos, lblc, lblcr): slot {@code k} is the {@code k}-th configured real server, whatever its health;
         * the selector never chooses one that does not accept new connections.
         */
        MARK
    }

    public SchedulerSlots {
        slots = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(slots));
    }

    /**
     * Whether the kernel engine's eBPF selector chooses for {@code scheduler} ({@link Kind#MARK}): the
     * connection-counting schedulers, and lblc and lblcr, which also keep their server (set) per VIP in it.
     */
    public static boolean counted(Scheduler scheduler) {
        return switch (scheduler) {
            case LC, WLC, SED, NQ, FO, OVF, TWOS, LBLC, LBLCR -> true;
            default -> false;
        };
    }

    /** The table for {@code servers} as a service just published them: every scheduler has one. */
    public static SchedulerSlots of(Scheduler scheduler, Set<SchedulerFlag> flags, List<RealServerState> servers) {
        RealServerState[] array = servers.toArray(RealServerState[]::new);
        return switch (scheduler) {
            case RR -> sequence(new RoundRobinScheduler(), array, countAccepting(array));
            case WRR -> sequence(new WeightedRoundRobinScheduler(), array, weightedCycle(array));
            case SH -> hashed(array, flags.contains(SchedulerFlag.SH_PORT) ? Kind.SOURCE_PORT_HASH : Kind.SOURCE_HASH,
                    flags.contains(SchedulerFlag.SH_FALLBACK));
            case DH -> hashed(array, Kind.DESTINATION_HASH, false);
            case MH -> maglev(array, flags.contains(SchedulerFlag.MH_PORT), flags.contains(SchedulerFlag.MH_FALLBACK));
            case LC, WLC, SED, NQ, FO, OVF, TWOS, LBLC, LBLCR -> marked(array);
        };
    }

    private static SchedulerSlots sequence(ConnectionScheduler scheduler, RealServerState[] servers, long length) {
        if (length > MAX_SLOTS) {
            throw new IllegalArgumentException("the weights need " + length + " slots for one cycle, more than "
                    + MAX_SLOTS + "; scale them down (only their ratios count)");
        }
        ServerTable table = new ServerTable(List.of(servers), scheduler, null, true, null);
        SchedulingRequest request = new SchedulingRequest(ANY, 0, ANY, 0, Set.of());
        SortedMap<Integer, InetSocketAddress> slots = new TreeMap<>();
        for (int k = 0; k < length; k++) {
            RealServerState s = scheduler.select(table, request);
            if (s == null) break;
            slots.put(k, s.address());
        }
        return new SchedulerSlots(Kind.SEQUENCE, slots.size(), slots);
    }

    private static SchedulerSlots marked(RealServerState[] servers) {
        SortedMap<Integer, InetSocketAddress> slots = new TreeMap<>();
        for (int k = 0; k < servers.length; k++) slots.put(k, servers[k].address());
        return new SchedulerSlots(Kind.MARK, servers.length, slots);
    }

    private static long countAccepting(RealServerState[] servers) {
        long n = 0;
        for (RealServerState s : servers) if (s.acceptsNew()) n++;
        return n;
    }

    /** One IPVS wrr cycle: every accepting server weight/gcd times. */
    private static long weightedCycle(RealServerState[] servers) {
        int gcd = 0;
        for (RealServerState s : servers) if (s.weight() > 0) gcd = gcd(gcd, s.weight());
        long length = 0;
        for (RealServerState s : servers) if (s.acceptsNew()) length += s.weight() / gcd;
        return length;
    }

    private static SchedulerSlots hashed(RealServerState[] servers, Kind kind, boolean fallback) {
        HashBuckets table = new HashBuckets(HashBuckets.inService(servers));
        SortedMap<Integer, InetSocketAddress> slots = new TreeMap<>();
        for (int k = 0; k < HashBuckets.SIZE; k++) {
            RealServerState s = table.buckets[k];
            if (s != null && !s.acceptsNew() && fallback) s = table.fallback(k, Set.of());
            if (s != null && s.acceptsNew()) slots.put(k, s.address());
        }
        return new SchedulerSlots(kind, HashBuckets.SIZE, slots);
    }

    /**
     * The Maglev table as balance's mh builds it; a slot whose server does not accept new connections stays empty,
     * or with {@code mh-fallback} holds the server the walk from it reaches ({@link MaglevTable#fallback}).
     */
    private static SchedulerSlots maglev(RealServerState[] servers, boolean withPort, boolean fallback) {
        MaglevTable table = new MaglevTable(HashBuckets.inService(servers));
        @Nullable RealServerState[] next = fallback ? table.nextAccepting() : null;
        SortedMap<Integer, InetSocketAddress> slots = new TreeMap<>();
        for (int k = 0; k < MaglevTable.SIZE && !table.empty; k++) {
            RealServerState s = table.slots[k];
            if (s.acceptsNew()) {
                slots.put(k, s.address());
            } else if (next != null && next[k] != null) {
                slots.put(k, next[k].address());
            }
        }
        return new SchedulerSlots(withPort ? Kind.SOURCE_PORT_HASH : Kind.SOURCE_HASH, MaglevTable.SIZE, slots);
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
