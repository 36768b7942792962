package dev.vigil.vrrp;

import dev.vigil.config.VrrpInstance;
import dev.vigil.config.VrrpScript;
import dev.vigil.config.VrrpSyncGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 */
public final class VrrpNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(VrrpNode.class);
    private static final long LINK_POLL_NANOS = 500_000_000L;

    private final VrrpNetwork network;
    private final VrrpListener listener;
    private final Clock wallClock;
    private final LongSupplier nanoTime;
    private final Map<String, VrrpInstanceRunner> runners = new LinkedHashMap<>();
    private final Map<String, SyncGroup> groupOf = new HashMap<>();
    private final Map<String, VrrpSyncGroup> groupConfigs = new HashMap<>();
    private final Map<String, VrrpScript> scripts = new HashMap<>();
    private final Map<String, VrrpScriptStatus> scriptStatus = new HashMap<>();
    private final Map<String, Boolean> linkUsable = new HashMap<>();
    private final LinkedBlockingQueue<LongConsumer> events = new LinkedBlockingQueue<>();
    private final ExecutorService notifications =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().name("vrrp-notify").daemon().factory());
    private Thread driver;
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

    VrrpNode(List<VrrpInstance> instances, List<VrrpSyncGroup> syncGroups, List<VrrpScript> scripts,
             VrrpNetwork network, VrrpListener listener, Clock wallClock, LongSupplier nanoTime) {
        this.network = network;
        this.listener = listener;
        this.wallClock = wallClock;
        this.nanoTime = nanoTime;
        for (VrrpScript s : scripts) {
            this.scripts.put(s.name(), s);
            scriptStatus.put(s.name(), new VrrpScriptStatus(s));
        }
        for (VrrpInstance instance : instances) {
            Set<Integer> others = new HashSet<>();
            for (VrrpInstance other : instances) {
                if (other != instance && other.interfaceName().equals(instance.interfaceName())) others.add(other.virtualRouterId());
            }
            others.remove(instance.virtualRouterId());
            var runner = new VrrpInstanceRunner(instance, VrrpParameters.of(instance, instance.garp()), this, network, others);
            runners.put(instance.name(), runner);
        }
        for (VrrpSyncGroup g : syncGroups) groupConfigs.put(g.name(), g);
        this.syncGroups = List.copyOf(syncGroups);
    }

    private final List<VrrpSyncGroup> syncGroups;

    /** Opens every channel, starts the threads and the instances (VIPs left over are removed first). */
    public synchronized void start() throws IOException {
        if (running) return;
        for (VrrpInstanceRunner r : runners.values()) r.open();
        for (VrrpSyncGroup g : syncGroups) {
            SyncGroup group = new SyncGroup(g.name());
            for (String name : g.instances()) {
                VrrpInstanceRunner r = runners.get(name);
                if (r == null) {
                    log.warn("sync group {}: no vrrp_instance {} (ignored)", g.name(), name);
                    continue;
                }
                group.add(name, r.machine);
                groupOf.put(name, group);
            }
        }
        running = true;
        long now = nanoTime();
        pollLinks(now);
        for (VrrpInstanceRunner r : runners.values()) {
            refreshTracking(r, now);
            r.startReceiving();
        }
        for (SyncGroup g : new HashSet<>(groupOf.values())) g.refreshFaults(now);
        for (VrrpInstanceRunner r : runners.values()) {
            r.machine.onStart(now);
            r.publish();
        }
        driver = Thread.ofPlatform().name("vrrp-driver").daemon().start(this::drive);
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
        if (!running) return;
        CountDownLatch done = new CountDownLatch(1);
        submit(now -> {
            if (graceful) {
                for (VrrpInstanceRunner r : runners.values()) r.machine.onShutdown(now);
            }
            running = false;
            done.countDown();
        });
        try {
            if (!done.await(5, TimeUnit.SECONDS)) log.warn("VRRP driver did not stop within 5 s");
            driver.join(2_000);
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
                    if (r.machine.nextDeadline() <= now) r.machine.onTimer(now);
                }
                if (now - nextLinkPoll >= 0) {
                    pollLinks(now);
                    for (VrrpInstanceRunner r : runners.values()) refreshTracking(r, now);
                }
                publishAll();
                long next = nextLinkPoll;
                for (VrrpInstanceRunner r : runners.values()) next = Math.min(next, r.machine.nextDeadline());
                LongConsumer event = events.poll(Math.max(0, next - nanoTime()), TimeUnit.NANOSECONDS);
                while (event != null) {
                    event.accept(nanoTime());
                    event = events.poll();
                }
                publishAll();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("VRRP driver: unexpected error, continuing", e);
            }
        }
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

    private void refreshTracking(VrrpInstanceRunner r, long now) {
        List<TrackedPriority.Track> tracks = new ArrayList<>();
        if (!r.config.dontTrackPrimary()) {
            tracks.add(new TrackedPriority.Track(r.parameters.interfaceName(), 0, false, linkUsable.getOrDefault(r.parameters.interfaceName(), true)));
        }
        r.config.trackInterfaces().forEach(t -> tracks.add(new TrackedPriority.Track(t.name(), t.weight(), t.reverse(), linkUsable.getOrDefault(t.name(), true))));
        r.config.trackScripts().forEach(t -> tracks.add(scriptTrack(t)));
        SyncGroup group = groupOf.get(r.name());
        if (group != null) {
            VrrpSyncGroup g = groupConfigs.get(group.name());
            g.trackInterfaces().forEach(t -> tracks.add(new TrackedPriority.Track(t.name(), t.weight(), t.reverse(), linkUsable.getOrDefault(t.name(), true))));
            g.trackScripts().forEach(t -> tracks.add(scriptTrack(t)));
        }
        TrackedPriority.Result result = TrackedPriority.compute(r.parameters.priority(), tracks);
        if (r.machine.ownFault() != result.fault()) {
            if (result.fault()) r.machine.onFault(now);
            else r.machine.onFaultCleared(now);
            if (group != null) group.refreshFaults(now);
        }
        r.machine.onPriorityChange(result.priority(), now);
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
        int priority = r.machine.effectivePriority();
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
