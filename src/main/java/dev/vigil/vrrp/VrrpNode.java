package dev.vigil.vrrp;

import dev.vigil.config.NodeConfig;
import dev.vigil.config.SourceErasure;
import dev.vigil.config.VrrpInstance;
import dev.vigil.config.VrrpScript;
import dev.vigil.config.VrrpSyncGroup;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * All VRRP instances of one Vigil node. One platform driver thread runs every state machine (so they
 * need no locks and sync groups act atomically); one platform thread per instance receives adverts;
 * listeners are told on a separate notification thread so a slow notify script never delays a failover.
 *
 * <p>Track scripts are run by the caller, which reports each result with {@link #reportScriptResult};
 * tracked interfaces (and the instance's own, unless {@code dont_track_primary}) are polled here.
 *
 * <p>A reload changes the instances one by one ({@link #prepare}, then {@link Reconfiguration#apply}):
 * those that can take their new settings keep running in their state, with their VIPs.
 */
public final class VrrpNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VrrpNode.class);
    private static final long LINK_POLL_NANOS = 500_000_000L;

    private final VrrpNetwork network;
    private final VrrpListener listener;
    private final Clock wallClock;
    private final LongSupplier nanoTime;
    /** In configuration order; replaced whole, on the driver thread, by {@link Reconfiguration#apply}. */
    private volatile Map<String, VrrpInstanceRunner> runners;
    private volatile List<VrrpSyncGroup> syncGroups;
    private volatile Map<String, VrrpScript> scripts;
    // the driver thread's own (and start()'s, before the driver runs)
    private final Map<String, SyncGroup> groupOf = new HashMap<>();
    private final Map<String, VrrpSyncGroup> groupConfigs = new HashMap<>();
    private final Map<String, VrrpScriptStatus> scriptStatus = new HashMap<>();
    private final Map<String, Boolean> linkUsable = new HashMap<>();
    /**
     * Work for the driver thread. Adverts are bounded per instance by its runner (a flood is dropped and
     * counted there); what else comes here must never be lost and is bounded by the configuration: script
     * results at their intervals, a stop. Timers are not events: the driver runs them from the deadlines.
     */
    private final LinkedBlockingQueue<LongConsumer> events = new LinkedBlockingQueue<>();
    private final ExecutorService notifications =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("vrrp-notify").daemon().factory());
    private @Nullable Thread driver;
    private volatile boolean running;
    private long nextLinkPoll;

    /**
     * @param instances  the {@code vrrp_instance} blocks (each checked by {@link VrrpParameters#of})
     * @param syncGroups the {@code vrrp_sync_group} blocks
     * @param scripts    every {@code vrrp_script}, referenced by {@code track_script}
     */
    public VrrpNode(List<VrrpInstance> instances, List<VrrpSyncGroup> syncGroups, List<VrrpScript> scripts,
                    VrrpNetwork network, VrrpListener listener) {
        this(instances, syncGroups, scripts, network, listener, Clock.systemUTC(), System::nanoTime);
    }

    /** Every VRRP part of a configuration. */
    public static VrrpNode of(NodeConfig config, VrrpNetwork network, VrrpListener listener) {
        return new VrrpNode(config.vrrpInstances(), config.syncGroups(), config.vrrpScripts(), network, listener);
    }

    VrrpNode(List<VrrpInstance> instances, List<VrrpSyncGroup> syncGroups, List<VrrpScript> scripts,
             VrrpNetwork network, VrrpListener listener, Clock wallClock, LongSupplier nanoTime) {
        this.network = network;
        this.listener = listener;
        this.wallClock = wallClock;
        this.nanoTime = nanoTime;
        Map<String, VrrpScript> byName = new LinkedHashMap<>();
        for (VrrpScript s : scripts) {
            byName.put(s.name(), s);
            scriptStatus.put(s.name(), new VrrpScriptStatus(s));
        }
        this.scripts = Collections.unmodifiableMap(byName);
        Map<String, Set<Integer>> others = otherVrids(instances);
        Map<String, VrrpInstanceRunner> byInstance = new LinkedHashMap<>();
        for (VrrpInstance instance : instances) byInstance.put(instance.name(), runner(instance, others.getOrDefault(instance.name(), Set.of())));
        this.runners = Collections.unmodifiableMap(byInstance);
        this.syncGroups = List.copyOf(syncGroups);
    }

    private VrrpInstanceRunner runner(VrrpInstance instance, Set<Integer> otherVrids) {
        return new VrrpInstanceRunner(instance, VrrpParameters.of(instance, instance.garp()), this, network, otherVrids);
    }

    /** For each instance, the VRIDs of the other instances on its interface. */
    private static Map<String, Set<Integer>> otherVrids(List<VrrpInstance> instances) {
        Map<String, Set<Integer>> out = new HashMap<>();
        for (VrrpInstance instance : instances) {
            Set<Integer> others = new HashSet<>();
            for (VrrpInstance other : instances) {
                if (!other.equals(instance) && other.interfaceName().equals(instance.interfaceName())) others.add(other.virtualRouterId());
            }
            others.remove(instance.virtualRouterId());
            out.put(instance.name(), others);
        }
        return out;
    }

    /**
     * Opens every instance's channel, resolving its source address: what can fail (no such interface, no
     * address on it, no permission) fails here, before anything runs. {@link #start} opens them if needed.
     */
    public synchronized void open() throws IOException {
        open(runners.values());
    }

    private static void open(Collection<VrrpInstanceRunner> toOpen) throws IOException {
        try {
            for (VrrpInstanceRunner r : toOpen) r.open();
        } catch (IOException | RuntimeException e) {
            for (VrrpInstanceRunner r : toOpen) r.stopReceiving(); // closes what was opened
            throw e;
        }
    }

    /** Opens every channel, starts the threads and the instances (VIPs left over are removed first). */
    public synchronized void start() throws IOException {
        if (running) return;
        open();
        joinGroups(Map.of());
        running = true;
        long now = nanoTime();
        pollLinks(now);
        for (VrrpInstanceRunner r : runners.values()) {
            refreshTracking(r, now);
            r.startReceiving();
        }
        for (SyncGroup g : new HashSet<>(groupOf.values())) g.refreshFaults(now);
        for (VrrpInstanceRunner r : runners.values()) {
            r.machine().onStart(now);
            r.publish();
        }
        driver = Thread.ofPlatform().name("vrrp-driver").daemon().start(this::drive);
    }

    /** Puts the instances into their sync groups; {@code carried} are groups that go on with their state. */
    private void joinGroups(Map<String, SyncGroup> carried) {
        groupOf.clear();
        groupConfigs.clear();
        for (VrrpSyncGroup g : syncGroups) {
            groupConfigs.put(g.name(), g);
            SyncGroup group = carried.getOrDefault(g.name(), new SyncGroup(g.name()));
            for (String name : g.instances()) {
                VrrpInstanceRunner r = runners.get(name);
                if (r == null) {
                    log.warn("sync group {}: no vrrp_instance {} (ignored)", g.name(), name);
                    continue;
                }
                group.add(name, r.machine());
                groupOf.put(name, group);
            }
        }
    }

    /**
     * Prepares moving the running instances to a reloaded configuration, instance by instance as
     * {@link VrrpReloadPlan} decides: new and restarting instances get runners whose channels are opened
     * here, so whatever can fail (a missing interface, a setting Vigil does not speak) fails now, with
     * nothing that runs touched. Then {@link Reconfiguration#apply} or {@link Reconfiguration#abandon}.
     */
    public synchronized Reconfiguration prepare(List<VrrpInstance> instances, List<VrrpSyncGroup> groups,
                                                List<VrrpScript> newScripts) throws IOException {
        List<VrrpInstance> running = runners.values().stream().map(r -> r.config).toList();
        VrrpReloadPlan plan = VrrpReloadPlan.of(running, syncGroups, instances, groups);
        Map<String, VrrpParameters> keptParameters = new HashMap<>();
        Map<String, Set<Integer>> others = otherVrids(instances);
        Map<String, VrrpInstanceRunner> fresh = new LinkedHashMap<>();
        for (VrrpInstance i : instances) {
            if (plan.kept().containsKey(i.name())) keptParameters.put(i.name(), VrrpParameters.of(i, i.garp()));
            else fresh.put(i.name(), runner(i, others.getOrDefault(i.name(), Set.of())));
        }
        open(fresh.values());
        return new Reconfiguration(plan, List.copyOf(instances), List.copyOf(groups), List.copyOf(newScripts),
                keptParameters, fresh);
    }

    /** A reload of the VRRP part, prepared by {@link #prepare}: apply it or abandon it, once. */
    public final class Reconfiguration {
        private final VrrpReloadPlan plan;
        private final List<VrrpInstance> instances;
        private final List<VrrpSyncGroup> groups;
        private final List<VrrpScript> newScripts;
        private final Map<String, VrrpParameters> keptParameters;
        private final Map<String, VrrpInstanceRunner> fresh;

        private Reconfiguration(VrrpReloadPlan plan, List<VrrpInstance> instances, List<VrrpSyncGroup> groups,
                                List<VrrpScript> newScripts, Map<String, VrrpParameters> keptParameters,
                                Map<String, VrrpInstanceRunner> fresh) {
            this.plan = plan;
            this.instances = instances;
            this.groups = groups;
            this.newScripts = newScripts;
            this.keptParameters = keptParameters;
            this.fresh = fresh;
        }

        /** Whether the {@code vrrp_script}s change, so whoever runs them must run the new set. */
        public boolean scriptsChange() {
            return !newScripts.stream().map(SourceErasure::script).toList()
                    .equals(scripts.values().stream().map(SourceErasure::script).toList());
        }

        /**
         * Makes the change on the driver thread: leaving instances send priority 0 and release their VIPs,
         * kept ones take their new settings in their current state, new ones start. Returns what happened to
         * each instance, script and group that changed, e.g. {@code VI_1: priority 100 -> 101, kept MASTER}.
         */
        public List<String> apply() {
            List<String> done = new ArrayList<>();
            List<VrrpInstanceRunner> leaving = new ArrayList<>();
            CountDownLatch applied = new CountDownLatch(1);
            Throwable[] failure = new Throwable[1];
            submit(now -> {
                try {
                    applyNow(this, now, done, leaving);
                } catch (RuntimeException | Error e) {
                    failure[0] = e;
                } finally {
                    applied.countDown();
                }
            });
            try {
                if (!applied.await(5, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the VRRP driver did not apply the reload within 5 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while the VRRP driver applied the reload");
            }
            leaving.forEach(VrrpInstanceRunner::stopReceiving);
            if (failure[0] instanceof RuntimeException e) throw e;
            if (failure[0] instanceof Error e) throw e;
            return done;
        }

        /** Closes the channels {@link #prepare} opened; the running instances never knew. */
        public void abandon() {
            fresh.values().forEach(VrrpInstanceRunner::stopReceiving);
        }
    }

    /** {@link Reconfiguration#apply}, on the driver thread. */
    private void applyNow(Reconfiguration change, long now, List<String> done, List<VrrpInstanceRunner> leaving) {
        VrrpReloadPlan plan = change.plan;
        Map<String, VrrpInstanceRunner> old = runners;
        for (var e : old.entrySet()) {
            if (plan.kept().containsKey(e.getKey())) continue;
            e.getValue().machine().onShutdown(now);
            leaving.add(e.getValue());
        }
        Map<String, SyncGroup> carried = new HashMap<>();
        for (SyncGroup g : groupOf.values()) {
            if (plan.carriedGroups().contains(g.name())) carried.put(g.name(), g);
        }
        done.addAll(scriptChanges(change.newScripts));
        done.addAll(groupChanges(change.groups, plan));
        Map<String, VrrpInstanceRunner> next = new LinkedHashMap<>();
        Map<String, Set<Integer>> others = otherVrids(change.instances);
        for (VrrpInstance i : change.instances) {
            boolean kept = plan.kept().containsKey(i.name());
            VrrpInstanceRunner r = Objects.requireNonNull(kept ? old.get(i.name()) : change.fresh.get(i.name()), i.name());
            if (kept) r.reconfigure(i, Objects.requireNonNull(change.keptParameters.get(i.name()), i.name()), now);
            r.otherLocalVrids(others.getOrDefault(i.name(), Set.of()));
            next.put(i.name(), r);
        }
        runners = Collections.unmodifiableMap(next);
        syncGroups = change.groups;
        joinGroups(carried);
        pollLinks(now);
        for (VrrpInstanceRunner r : change.fresh.values()) {
            refreshTracking(r, now);
            r.startReceiving();
        }
        for (SyncGroup g : new HashSet<>(groupOf.values())) g.refreshFaults(now);
        for (VrrpInstanceRunner r : next.values()) {
            if (plan.kept().containsKey(r.name())) refreshTracking(r, now);
        }
        for (VrrpInstanceRunner r : change.fresh.values()) r.machine().onStart(now);
        publishAll();
        for (VrrpInstanceRunner r : next.values()) {
            VrrpInstanceChange kept = plan.kept().get(r.name());
            String restarted = plan.restarted().get(r.name());
            if (kept != null && !kept.none()) {
                done.add(r.name() + ": " + String.join(", ", kept.changes()) + ", kept " + r.machine().state());
            } else if (restarted != null) {
                done.add(r.name() + ": restarted (" + restarted + ")");
            } else if (kept == null) {
                done.add(r.name() + ": added");
            }
        }
        plan.removed().forEach(name -> done.add(name + ": removed"));
        if (!done.isEmpty()) log.info("VRRP reloaded: {}", String.join("; ", done));
    }

    /** Moves to the new scripts, each keeping its verdict while its command stays the same. */
    private List<String> scriptChanges(List<VrrpScript> newScripts) {
        Map<String, VrrpScript> before = scripts;
        Map<String, VrrpScript> after = new LinkedHashMap<>();
        Map<String, VrrpScriptStatus> statuses = new HashMap<>();
        List<String> done = new ArrayList<>();
        for (VrrpScript s : newScripts) {
            after.put(s.name(), s);
            VrrpScript was = before.get(s.name());
            if (was == null) {
                statuses.put(s.name(), new VrrpScriptStatus(s));
                done.add("vrrp_script " + s.name() + ": added");
            } else {
                statuses.put(s.name(), Objects.requireNonNull(scriptStatus.get(s.name()), s.name()).reconfigured(was, s));
                if (!SourceErasure.script(was).equals(SourceErasure.script(s))) done.add("vrrp_script " + s.name() + ": changed");
            }
        }
        for (String name : before.keySet()) {
            if (!after.containsKey(name)) done.add("vrrp_script " + name + ": removed");
        }
        scripts = Collections.unmodifiableMap(after);
        scriptStatus.clear();
        scriptStatus.putAll(statuses);
        return done;
    }

    private List<String> groupChanges(List<VrrpSyncGroup> groups, VrrpReloadPlan plan) {
        Map<String, VrrpSyncGroup> before = new LinkedHashMap<>();
        syncGroups.forEach(g -> before.put(g.name(), g));
        List<String> done = new ArrayList<>();
        for (VrrpSyncGroup g : groups) {
            VrrpSyncGroup was = before.remove(g.name());
            if (was == null) {
                done.add("sync group " + g.name() + ": added");
            } else if (!was.instances().equals(g.instances())) {
                done.add("sync group " + g.name() + ": members changed");
            } else if (!SourceErasure.syncGroup(was).equals(SourceErasure.syncGroup(g))) {
                done.add("sync group " + g.name() + ": changed" + (plan.carriedGroups().contains(g.name())
                        ? ", kept its state" : ""));
            }
        }
        before.keySet().forEach(name -> done.add("sync group " + name + ": removed"));
        return done;
    }

    /** The result of one run of the named {@code vrrp_script} (exit 0 = success, a timeout is a failure). */
    public void reportScriptResult(String scriptName, boolean success) {
        submit(now -> {
            VrrpScriptStatus s = scriptStatus.get(scriptName);
            if (s == null || !s.record(success)) return;
            log.info("VRRP_Script({}) {}", scriptName, s.ok() ? "succeeded" : "failed");
            for (VrrpInstanceRunner r : runners.values()) refreshTracking(r, now);
        });
    }

    /** The {@code vrrp_script}s the caller has to run, with their interval and timeout. */
    public List<VrrpScript> trackedScripts() {
        return List.copyOf(scripts.values());
    }

    /** Snapshots of every instance, in configuration order. */
    public List<VrrpInstanceStatus> status() {
        return runners.values().stream().map(VrrpInstanceRunner::status).toList();
    }

    public Optional<VrrpInstanceStatus> status(String instanceName) {
        return Optional.ofNullable(runners.get(instanceName)).map(VrrpInstanceRunner::status);
    }

    /** SIGTERM: every master sends priority 0 and removes its VIPs, then the threads stop. */
    public void shutdown() {
        stop(true);
    }

    @Override
    public void close() {
        shutdown();
    }

    /** Stops dead without a word, VIPs left in place: what {@code kill -9} does (for tests). */
    void crash() {
        stop(false);
    }

    private synchronized void stop(boolean graceful) {
        if (!running) {
            for (VrrpInstanceRunner r : runners.values()) r.stopReceiving(); // opened, perhaps, never started
            notifications.shutdown();
            return;
        }
        CountDownLatch done = new CountDownLatch(1);
        submit(now -> {
            if (graceful) {
                for (VrrpInstanceRunner r : runners.values()) r.machine().onShutdown(now);
            }
            running = false;
            done.countDown();
        });
        try {
            if (!done.await(5, TimeUnit.SECONDS)) log.warn("VRRP driver did not stop within 5 s");
            Thread d = driver;
            if (d != null) d.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        for (VrrpInstanceRunner r : runners.values()) r.stopReceiving();
        notifications.shutdown();
        try {
            notifications.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- driver thread ----

    void submit(LongConsumer event) {
        events.add(event);
    }

    private void drive() {
        while (running) {
            long now = nanoTime();
            try {
                for (VrrpInstanceRunner r : runners.values()) {
                    if (r.machine().nextDeadline() <= now) r.machine().onTimer(now);
                }
                if (now - nextLinkPoll >= 0) {
                    pollLinks(now);
                    for (VrrpInstanceRunner r : runners.values()) refreshTracking(r, now);
                    checkVirtualIps(now);
                }
                publishAll();
                LongConsumer event = events.poll(Math.max(0, nextWakeUp() - nanoTime()), TimeUnit.NANOSECONDS);
                while (event != null) {
                    event.accept(nanoTime());
                    // a steady stream of events must not hold up a due timer (our adverts, master down)
                    event = nanoTime() - nextWakeUp() < 0 ? events.poll() : null;
                }
                publishAll();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("VRRP driver: unexpected error, continuing", e);
            }
        }
    }

    private long nextWakeUp() {
        long next = nextLinkPoll;
        for (VrrpInstanceRunner r : runners.values()) next = Math.min(next, r.machine().nextDeadline());
        return next;
    }

    private void publishAll() {
        for (VrrpInstanceRunner r : runners.values()) r.publish();
    }

    private void pollLinks(long now) {
        nextLinkPoll = now + LINK_POLL_NANOS;
        Set<String> names = new HashSet<>();
        for (VrrpInstanceRunner r : runners.values()) {
            if (!r.config.dontTrackPrimary()) names.add(r.parameters.interfaceName());
            r.config.trackInterfaces().forEach(t -> names.add(t.name()));
        }
        for (VrrpSyncGroup g : syncGroups) g.trackInterfaces().forEach(t -> names.add(t.name()));
        for (String name : names) {
            boolean usable;
            try {
                usable = network.linkUsable(name);
            } catch (IOException | RuntimeException e) {
                usable = false;
            }
            Boolean before = linkUsable.put(name, usable);
            if (before != null && before != usable) log.info("Netlink: {} is {}", name, usable ? "up" : "down");
        }
    }

    private void checkVirtualIps(long now) {
        Map<String, Set<java.net.InetAddress>> present = new HashMap<>();
        for (VrrpInstanceRunner r : runners.values()) {
            if (r.machine().state() != VrrpState.MASTER) continue;
            for (var vip : r.parameters.virtualIps()) {
                String device = vip.device().orElse(r.parameters.interfaceName());
                Set<java.net.InetAddress> addresses = present.computeIfAbsent(device, d -> {
                    try {
                        return network.addresses(d);
                    } catch (IOException | RuntimeException e) {
                        return null;
                    }
                });
                if (addresses != null && !addresses.contains(vip.address())) {
                    log.warn("({}) virtual IP {} was removed from {} by someone else", r.name(), vip.address().getHostAddress(), device);
                    r.machine().onVirtualIpLost(now);
                    break;
                }
            }
        }
    }

    private void refreshTracking(VrrpInstanceRunner r, long now) {
        List<TrackedPriority.Track> tracks = new ArrayList<>();
        if (!r.config.dontTrackPrimary()) {
            tracks.add(new TrackedPriority.Track(r.parameters.interfaceName(), 0, false, linkUsable.getOrDefault(r.parameters.interfaceName(), true)));
        }
        r.config.trackInterfaces().forEach(t -> tracks.add(new TrackedPriority.Track(t.name(), t.weight(), t.reverse(), linkUsable.getOrDefault(t.name(), true))));
        r.config.trackScripts().forEach(t -> tracks.add(scriptTrack(t)));
        SyncGroup group = groupOf.get(r.name());
        if (group != null) {
            VrrpSyncGroup g = Objects.requireNonNull(groupConfigs.get(group.name())); // groups are made from these
            g.trackInterfaces().forEach(t -> tracks.add(new TrackedPriority.Track(t.name(), t.weight(), t.reverse(), linkUsable.getOrDefault(t.name(), true))));
            g.trackScripts().forEach(t -> tracks.add(scriptTrack(t)));
        }
        TrackedPriority.Result result = TrackedPriority.compute(r.parameters.priority(), tracks);
        if (r.machine().ownFault() != result.fault()) {
            if (result.fault()) r.machine().onFault(now);
            else r.machine().onFaultCleared(now);
            if (group != null) group.refreshFaults(now);
        }
        r.machine().onPriorityChange(result.priority(), now);
    }

    private TrackedPriority.Track scriptTrack(VrrpInstance.TrackScript t) {
        VrrpScript script = scripts.get(t.name());
        int weight = t.weight().orElse(script == null ? 0 : script.weight());
        boolean reverse = t.weight().isPresent() ? t.reverse() : script != null && script.weightReverse();
        VrrpScriptStatus status = scriptStatus.get(t.name());
        return new TrackedPriority.Track("script:" + t.name(), weight, reverse, status == null || status.ok());
    }

    /** From a runner's {@link VrrpActions#stateChanged}, on the driver thread. */
    void instanceChanged(VrrpInstanceRunner r, VrrpState from, VrrpState to) {
        int priority = r.machine().effectivePriority();
        notifications.execute(() -> {
            try {
                listener.onStateChange(r.name(), from, to, priority);
            } catch (RuntimeException e) {
                log.warn("({}) state listener failed: {}", r.name(), e.toString());
            }
        });
        SyncGroup group = groupOf.get(r.name());
        if (group == null) return;
        VrrpState before = group.state();
        VrrpState after = group.memberChanged(r.name(), from, to, nanoTime());
        if (after != null) {
            log.info("VRRP_Group({}) Syncing instances to {} state", group.name(), after);
            notifications.execute(() -> {
                try {
                    listener.onSyncGroupStateChange(group.name(), before, after);
                } catch (RuntimeException e) {
                    log.warn("sync group {} listener failed: {}", group.name(), e.toString());
                }
            });
        }
    }

    long nanoTime() {
        return nanoTime.getAsLong();
    }

    Clock wallClock() {
        return wallClock;
    }
}
