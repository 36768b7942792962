package dev.vigil.forward;

import dev.vigil.balance.RealServerState;
import dev.vigil.balance.SchedulerSlots;
import dev.vigil.balance.ServerTableChange;
import dev.vigil.config.VirtualServer;
import org.jspecify.annotations.Nullable;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One virtual service in the kernel engine's table: what the table has now (its chain, slots, real server
 * chains and which of them hold templates), and what the transaction being sent would leave, taken by
 * {@link #commit} once nft accepted it. A real server keeps its index (its chain {@code vsN_sI}) while it
 * stays configured, so a template outlives a reload that keeps the server, and the mark an eBPF selector
 * writes for it ({@link #mark}) means it whichever program wrote it.
 */
final class KernelService {
    /** The marks of a counted scheduler's servers: this + the server's index. */
    static final int MARK_BASE = 0x56490000;

    final KernelRuleset.Service rules;
    private State now;
    private @Nullable State pending;
    /** The indexes of the service this one replaced, taken again by its servers. */
    private final Map<InetSocketAddress, Integer> inherited;

    /** An immutable view of the table's objects for this service. */
    private record State(String chain, String keep, SortedMap<Integer, Integer> slots,
                         SortedMap<Integer, InetSocketAddress> servers, SortedSet<Integer> persistent, int nextIndex) {
        static final State EMPTY = new State("", "", new TreeMap<>(), new TreeMap<>(), new TreeSet<>(), 0);
    }

    /** A service new to the table: {@link KernelRuleset#addService} must come first in the transaction. */
    KernelService(KernelRuleset.Service rules) {
        this.rules = rules;
        this.now = State.EMPTY;
        this.inherited = Map.of();
    }

    /** The same objects under {@code rules} (a reload that changed only what the objects do not hold). */
    KernelService(KernelRuleset.Service rules, KernelService old) {
        this.rules = rules;
        this.now = old.now;
        this.inherited = old.inherited;
    }

    /**
     * A service new to the table in place of {@code replaced} (a reload that changed what its objects hold):
     * its servers take their indexes again, so a mark the old selector wrote during the hand-over names the
     * same server in the new service's map as in the old one's.
     */
    static KernelService replacing(KernelRuleset.Service rules, KernelService replaced) {
        return new KernelService(rules, replaced.now.nextIndex, replaced.indexes());
    }

    private KernelService(KernelRuleset.Service rules, int nextIndex, Map<InetSocketAddress, Integer> inherited) {
        this.rules = rules;
        this.now = new State("", "", new TreeMap<>(), new TreeMap<>(), new TreeSet<>(), nextIndex);
        this.inherited = Map.copyOf(inherited);
    }

    /** The mark a counted scheduler's selector writes for the server of {@code index}. */
    static int mark(int index) {
        return MARK_BASE + index;
    }

    /** The marks of {@code servers} in the table the pending transaction leaves (or has, if none is pending). */
    List<Integer> marks(List<InetSocketAddress> servers) {
        Map<InetSocketAddress, Integer> index = indexes();
        return servers.stream().map(a -> mark(Objects.requireNonNull(index.get(a), a::toString))).toList();
    }

    private Map<InetSocketAddress, Integer> indexes() {
        Map<InetSocketAddress, Integer> index = new HashMap<>(inherited);
        (pending != null ? pending : now).servers.forEach((i, a) -> index.put(a, i));
        return index;
    }

    /** The indexes of the real servers the table has for this service. */
    java.util.Set<Integer> serverIndexes() {
        return now.servers.keySet();
    }

    /** The real servers the table has for this service. */
    java.util.Collection<InetSocketAddress> servers() {
        return now.servers.values();
    }

    void commit() {
        if (pending != null) now = pending;
        pending = null;
    }

    /**
     * Appends to {@code tx} what takes the table from what it has to {@code change}, and remembers it as
     * pending; or says why it cannot. Order matters within the transaction: new server chains before the
     * slots that name them, the slots and the chain before a removed server's chain and set go.
     */
    Optional<String> update(VirtualServer vs, ServerTableChange change, StringBuilder tx) {
        SchedulerSlots slots;
        try {
            slots = SchedulerSlots.of(vs.scheduler(), vs.schedulerFlags(), change.realServers());
        } catch (IllegalArgumentException e) {
            return Optional.of(String.valueOf(e.getMessage()));
        }
        Map<InetSocketAddress, Integer> index = new HashMap<>();
        now.servers.forEach((i, a) -> index.put(a, i));
        SortedMap<Integer, InetSocketAddress> servers = new TreeMap<>();
        SortedSet<Integer> persistent = new TreeSet<>();
        int next = now.nextIndex;
        StringBuilder added = new StringBuilder();
        for (RealServerState s : change.realServers()) {
            Integer i = index.get(s.address());
            if (i == null) {
                i = inherited.get(s.address());
                if (i == null) i = next++;
                index.put(s.address(), i);
                added.append(KernelRuleset.addServer(rules, i, s.address()));
            }
            servers.put(i, s.address());
            // As the proxy engine: a quiesced (weight 0) server keeps its persistent clients; one that is down
            // or drained loses them.
            if (s.alive() && !s.drained()) persistent.add(i);
        }
        SortedMap<Integer, Integer> slotIndexes = new TreeMap<>();
        // A counted scheduler's servers are keyed in the map by the mark its selector writes: MARK_BASE + the
        // server's index here, which does not change while it stays (a reorder rewrites no element).
        slots.slots().forEach((k, a) -> {
            int i = Objects.requireNonNull(index.get(a), a::toString);
            slotIndexes.put(slots.kind() == SchedulerSlots.Kind.MARK ? mark(i) : k, i);
        });
        Optional<InetSocketAddress> sorry = change.sorryServer().map(RealServerState::address);
        KernelRuleset.Target target = new KernelRuleset.Target(slots, change.quorumUp(), sorry, new TreeSet<>(servers.keySet()));
        String chain = KernelRuleset.chain(rules, target);
        String keep = rules.persistence().isPresent() ? KernelRuleset.keep(rules, servers) : "";

        tx.append(added);
        tx.append(KernelRuleset.elements(rules, now.slots, slotIndexes));
        if (rules.persistence().isPresent()) {
            for (int i : now.persistent) {
                if (servers.containsKey(i) && !persistent.contains(i)) tx.append(KernelRuleset.forgetTemplates(rules, i));
            }
        }
        if (!chain.equals(now.chain)) tx.append(chain);
        if (!keep.equals(now.keep)) tx.append(keep);
        for (int i : now.servers.keySet()) if (!servers.containsKey(i)) tx.append(KernelRuleset.removeServer(rules, i));
        pending = new State(chain, keep, slotIndexes, servers, persistent, next);
        return Optional.empty();
    }
}
