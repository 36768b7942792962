package dev.vigil.forward;

import dev.vigil.balance.ServerTableChange;
import dev.vigil.balance.VirtualService;
import dev.vigil.linux.ConntrackTable;
import dev.vigil.linux.NamespaceThread;
import dev.vigil.linux.NativeException;
import dev.vigil.linux.NetworkInterfaces;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The kernel engine's eBPF selectors ({@link KernelSelector}), one per virtual server whose scheduler counts
 * connections, attached to the ingress of every interface of the engine's network namespace but loopback: a
 * VIP's traffic may arrive on any of them (a VRRP instance's interface, a second uplink, one added later), and
 * a packet not to a served VIP:port passes untouched. Every {@code period} it attaches to interfaces that
 * appeared, and reconciles each selector's counts from the conntrack table, so a SYN the program counted
 * whose connection never came (a retransmit it could not tell, a connection closed since) stops counting.
 * All bpf calls run on the namespace's thread (an ifindex belongs to the caller's namespace).
 */
final class KernelSelectors implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KernelSelectors.class);

    private final NamespaceThread thread;
    private final Duration period;
    private final Map<VirtualService, KernelSelector> selectors = new LinkedHashMap<>();
    private @Nullable ScheduledExecutorService timer;
    private @Nullable String lastProblem;
    private boolean closed;

    KernelSelectors(NamespaceThread thread, Duration period) {
        this.thread = thread;
        this.period = period;
    }

    /**
     * Gives {@code service} a selector for {@code layout} with {@code table}'s weights and conntrack's counts,
     * attached everywhere; a selector it had for another layout hands its links over (one program per interface
     * at every moment).
     */
    synchronized void serve(VirtualService service, String name, KernelSelector.Layout layout, ServerTableChange table)
            throws NativeException {
        if (closed) throw new NativeException("the kernel engine's selectors are closed");
        KernelSelector old = selectors.get(service);
        if (old != null && old.layout.equals(layout)) {
            old.table(table);
            return;
        }
        KernelSelector fresh = KernelSelector.load(name, layout);
        try {
            fresh.table(table);
            onThread(() -> {
                long[] before = fresh.assigned();
                fresh.reconcile(before, count(fresh.layout, ConntrackTable.read()));
                if (old != null) {
                    old.handOver(fresh);
                } else {
                    for (int ifindex : currentInterfaces()) fresh.attach(ifindex);
                }
                return null;
            });
        } catch (NativeException | RuntimeException e) {
            fresh.close();
            if (old != null) {
                selectors.remove(service);
                old.close();
            }
            throw e;
        }
        selectors.put(service, fresh);
        LOG.info("kernel engine: eBPF selector {} ({}, {} real servers) attached to the ingress of {} interface(s)",
                name, layout.rule(), layout.servers().size(), fresh.interfaces().size());
        startTimer();
    }

    /** The weights a service just published, into its selector's map (nothing without a selector). */
    synchronized void table(VirtualService service, ServerTableChange change) {
        KernelSelector s = selectors.get(service);
        if (s == null) return;
        try {
            s.table(change);
        } catch (NativeException e) {
            LOG.error("kernel engine: virtual server {}: cannot write its selector's weights: {}", service.name(),
                    e.getMessage());
        }
    }

    /** Closes the selectors of services no longer served. */
    synchronized void retain(Set<VirtualService> served) {
        for (VirtualService s : Set.copyOf(selectors.keySet())) {
            if (!served.contains(s)) Objects.requireNonNull(selectors.remove(s)).close();
        }
    }

    /**
     * Sets a selector's counts to what is known now, per real server (the input ctnetlink events will feed); a
     * server not in {@code counted} has none.
     */
    synchronized void reconcile(VirtualService service, Map<InetSocketAddress, KernelSelector.Counts> counted)
            throws NativeException {
        KernelSelector s = selectors.get(service);
        if (s != null) s.reconcile(s.assigned(), counted);
    }

    /** One period's work: new interfaces attached, vanished ones let go, every selector reconciled from conntrack. */
    synchronized void tick() {
        if (closed || selectors.isEmpty()) return;
        try {
            onThread(() -> {
                Set<Integer> now = currentInterfaces();
                for (KernelSelector s : selectors.values()) {
                    for (int gone : s.interfaces()) if (!now.contains(gone)) s.detach(gone);
                    for (int ifindex : now) s.attach(ifindex);
                }
                List<KernelSelector> all = List.copyOf(selectors.values());
                List<long[]> before = new java.util.ArrayList<>();
                for (KernelSelector s : all) before.add(s.assigned());
                List<ConntrackTable.Entry> entries = ConntrackTable.read();
                for (int i = 0; i < all.size(); i++) all.get(i).reconcile(before.get(i), count(all.get(i).layout, entries));
                return null;
            });
            if (lastProblem != null) LOG.info("kernel engine: the eBPF selectors are reconciled again");
            lastProblem = null;
        } catch (NativeException | RuntimeException e) {
            String problem = String.valueOf(e.getMessage());
            if (!problem.equals(lastProblem)) {
                LOG.warn("kernel engine: cannot reconcile the eBPF selectors: {} (their counts drift until it can)",
                        problem);
            }
            lastProblem = problem;
        }
    }

    /** Each real server's connections to {@code layout}'s VIP:ports: TCP ESTABLISHED is active, the rest inactive. */
    static Map<InetSocketAddress, KernelSelector.Counts> count(KernelSelector.Layout layout,
                                                               List<ConntrackTable.Entry> entries) {
        String protocol = layout.protocol().name().toLowerCase(java.util.Locale.ROOT);
        Set<InetSocketAddress> vips = new HashSet<>(layout.addresses());
        Map<InetSocketAddress, int[]> counts = new HashMap<>();
        for (ConntrackTable.Entry e : entries) {
            if (!e.protocol().equals(protocol) || !vips.contains(e.originalDestination())) continue;
            int[] c = counts.computeIfAbsent(e.replySource(), k -> new int[2]);
            if (e.state().filter("ESTABLISHED"::equals).isPresent()) c[0]++; else c[1]++;
        }
        Map<InetSocketAddress, KernelSelector.Counts> out = new HashMap<>();
        counts.forEach((server, c) -> out.put(server, new KernelSelector.Counts(c[0], c[1])));
        return out;
    }

    private static Set<Integer> currentInterfaces() throws NativeException {
        Set<Integer> out = new HashSet<>();
        for (String name : NetworkInterfaces.namesExceptLoopback()) {
            try {
                out.add(NetworkInterfaces.indexOf(name));
            } catch (NativeException gone) {
                // removed between the listing and the lookup
            }
        }
        return out;
    }

    private void startTimer() {
        if (timer != null) return;
        ScheduledExecutorService t = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("vigil-kernel-selectors").unstarted(r));
        var _ = t.scheduleWithFixedDelay(this::tick, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        timer = t;
    }

    /** Detaches and frees every selector: no program or link of Vigil's is left on any interface. */
    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (this) {
            if (closed) return;
            closed = true;
            t = timer;
            selectors.values().forEach(KernelSelector::close);
            selectors.clear();
        }
        if (t != null) t.shutdownNow();
    }

    @FunctionalInterface
    private interface Work {
        @Nullable Void run() throws NativeException;
    }

    private void onThread(Work work) throws NativeException {
        try {
            thread.call(work::run);
        } catch (NativeException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
