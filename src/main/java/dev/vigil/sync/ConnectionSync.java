package dev.vigil.sync;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's connection sync while it runs: its conntrackd and the one thread that sends it commands, in the order
 * VRRP asked for them. {@link #commitBeforeVips} is the only call that makes its caller (VRRP's thread) wait, at
 * most {@link #MAX_VIP_DELAY}. Its {@link #status} never runs anything: a slow timer of its own reads conntrackd's
 * statistics ({@code -s}, bounded) every {@link #STATS_INTERVAL}, off VRRP's, the admin's and the scrape's threads.
 */
public final class ConnectionSync implements SyncedVrrpNetwork.Steps, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionSync.class);
    /** The commit's bound plus the time to hand it to the sync's thread: the most a takeover is delayed. */
    private static final Duration HAND_OVER = Duration.ofMillis(250);
    public static final Duration MAX_VIP_DELAY = Takeover.MAX_COMMIT_BOUND.plus(HAND_OVER);
    /** How often conntrackd's statistics are read (a fork and a few ms each). */
    public static final Duration STATS_INTERVAL = Duration.ofSeconds(5);
    /**
     * A peer whose messages stopped growing for this long is not seen. FTFW's ALIVE messages keep coming (about
     * one a second here) even when no connection changes, so three reads without one mean the peer is gone.
     */
    public static final Duration PEER_SILENCE = STATS_INTERVAL.multipliedBy(3);

    private final SyncSettings settings;
    private final ConntrackdProcess conntrackd;
    private final Takeover takeover;
    private final ExecutorService commands =
            Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("vigil-sync").factory());
    private static final Duration RESYNC_READ = Duration.ofMillis(100);
    /** The resync asked when this node last left MASTER (or started); null once a takeover made it moot. */
    private volatile @Nullable ResyncWatch resync;
    private volatile @Nullable Hold lastHold;
    private final AtomicLong commits = new AtomicLong(), unfinishedCommits = new AtomicLong();
    private volatile @Nullable LastCommit lastCommit;
    /** Reads conntrackd's stats, every 5 s and every 100 ms while a resync is awaited; never the takeover's thread. */
    private final ScheduledExecutorService statsTimer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("vigil-sync-stats").factory());
    private volatile @Nullable Link link;

    /** The last commit of a takeover: when it started, what it committed, how long the VIPs waited. */
    public record LastCommit(Instant at, boolean finished, long entries, Duration took) {}

    /**
     * A fail-back that waited for the peer's connections: how long, how many entries the node then held, and
     * whether they came ({@code complete}) or the bound ran out.
     */
    public record Hold(Instant at, Duration held, long entries, boolean complete) {}

    /**
     * The sync link as conntrackd's statistics last showed it: {@code readAt} that read, {@code peerLastSeen} the
     * last read at which the peer's messages had grown.
     */
    public record Link(Instant readAt, ConntrackdStats stats, Optional<Instant> peerLastSeen) {}

    /**
     * What status and metrics show. {@code losses} counts the times the sync was lost (conntrackd died), {@code
     * lostSince} is set while it is; {@code resyncsRequested} the {@code -n} sent on leaving MASTER, {@code bulkSends}
     * the {@code -B} on becoming it; {@code peerSeen} whether the peer's messages arrived within {@link #PEER_SILENCE}.
     */
    public record Status(SyncSettings settings, boolean conntrackdRunning, Optional<Long> pid, long conntrackdRestarts,
                         long losses, Optional<Instant> lostSince, long commits, long unfinishedCommits,
                         Optional<LastCommit> lastCommit, long resyncsRequested, long bulkSends, boolean peerSeen,
                         Optional<Link> link, Optional<Hold> lastHold) {}

    private ConnectionSync(SyncSettings settings, ConntrackdProcess conntrackd) {
        this.settings = settings;
        this.conntrackd = conntrackd;
        this.takeover = new Takeover(conntrackd, System::nanoTime);
        var _ = statsTimer.scheduleWithFixedDelay(this::readStats, 0, STATS_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One read of {@code -s}; a failed one leaves the last figures (their {@code readAt} says how old they are). */
    private void readStats() {
        try {
            Optional<ConntrackdStats> now = conntrackd.stats();
            if (now.isEmpty()) return;
            Link before = link;
            Instant at = Clock.systemUTC().instant();
            Optional<Instant> seen = before == null ? Optional.empty() : before.peerLastSeen();
            // Counters start again with a restarted daemon: any change, not only growth, is the peer's doing.
            if (before != null && now.get().packetsReceived() != before.stats().packetsReceived()) seen = Optional.of(at);
            link = new Link(at, now.get(), seen);
        } catch (RuntimeException e) {
            LOG.debug("sync: reading conntrackd's statistics failed: {}", String.valueOf(e));
        }
    }

    /**
     * Writes the configuration and starts conntrackd.
     *
     * @param local the node's address on the sync interface
     * @param vips  every VIP of the configuration (the filter must never ignore one)
     * @throws IOException what is missing or wrong, in a line for people
     */
    public static ConnectionSync start(SyncSettings settings, InetAddress local, Collection<InetAddress> vips,
                                       ConntrackdProcess.Events events) throws IOException {
        return start(settings, local, vips, events, runtimeDirectory().resolve("conntrackd-" + networkNamespaceId()),
                ConntrackdProcess.BINARY);
    }

    /** With the directory and the conntrackd binary chosen: tests give a binary that dies when told to. */
    static ConnectionSync start(SyncSettings settings, InetAddress local, Collection<InetAddress> vips,
                                ConntrackdProcess.Events events, Path dir, String binary) throws IOException {
        String text;
        try {
            text = ConntrackdConfig.text(settings, local, new ConntrackdConfig.Paths(dir), vips);
        } catch (IllegalArgumentException e) {
            throw new IOException(settings.source() + ": " + e.getMessage(), e);
        }
        var started = new java.util.concurrent.atomic.AtomicReference<ConnectionSync>();
        ConntrackdProcess p = ConntrackdProcess.start(dir, text, binary, new ConntrackdProcess.Events() {
            @Override
            public void lost(String reason, long losses) {
                events.lost(reason, losses);
            }

            @Override
            public void back(Duration down) {
                ConnectionSync sync = started.get();
                if (sync != null) sync.afterRestart();
                events.back(down);
            }
        });
        LOG.info("sync: connection sync on {} ({} to {}, port {}) for {}, conntrackd files in {}",
                settings.interfaceName(), settings.peer().isPresent() ? "unicast" : "multicast",
                settings.peer().orElse(settings.group()).getHostAddress(), settings.port(),
                settings.instance().map(i -> "vrrp_instance " + i).orElse("every vrrp_instance"), dir);
        ConnectionSync sync = new ConnectionSync(settings, p);
        started.set(sync);
        return sync;
    }

    /** {@code $RUNTIME_DIRECTORY} (systemd's {@code RuntimeDirectory=vigil}) if set, else {@code /run/vigil}. */
    static Path runtimeDirectory() {
        String systemd = System.getenv("RUNTIME_DIRECTORY");
        if (systemd == null || systemd.isBlank()) return Path.of("/run/vigil");
        int colon = systemd.indexOf(':'); // systemd lists several directories with ':'
        return Path.of(colon < 0 ? systemd : systemd.substring(0, colon));
    }

    /** The inode of this process's network namespace: nodes in namespaces of one machine get their own files. */
    private static String networkNamespaceId() throws IOException {
        String link = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString(); // net:[4026531840]
        return link.replaceAll("\\D", "");
    }

    public SyncSettings settings() {
        return settings;
    }

    /**
     * Commits the synced connections into the kernel and waits for it (bounded); then, without waiting, the
     * caches are renewed from the kernel and sent to the peer. Called on VRRP's thread before the first VIP.
     */
    @Override
    public void commitBeforeVips(String instance) {
        Instant at = Clock.systemUTC().instant();
        long start = System.nanoTime();
        resync = null;
        Link l = link;
        long entries = l == null ? 0 : l.stats().externalEntries();
        Duration wait = Takeover.commitBound(entries).plus(HAND_OVER);
        Future<Takeover.Commit> commit = commands.submit(() -> takeover.commit(entries));
        var _ = commands.submit(() -> {
            takeover.becameMaster();
            return null;
        });
        Takeover.Commit c;
        try {
            c = commit.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            LOG.warn("sync: {}: conntrackd still busy after {} ms; the VIPs go up now", instance, wait.toMillis());
            c = new Takeover.Commit(false, 0, Duration.ofNanos(System.nanoTime() - start));
        } catch (ExecutionException e) {
            LOG.error("sync: {}: the commit failed: {}", instance, String.valueOf(e.getCause()));
            c = new Takeover.Commit(false, 0, Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c = new Takeover.Commit(false, 0, Duration.ofNanos(System.nanoTime() - start));
        }
        commits.incrementAndGet();
        if (!c.finished()) unfinishedCommits.incrementAndGet();
        lastCommit = new LastCommit(at, c.finished(), c.entries(), Duration.ofNanos(System.nanoTime() - start));
    }

    /** conntrackd was restarted and answers: {@code -n -B} on the sync's thread, in order with the takeovers'. */
    private void afterRestart() {
        try {
            var _ = commands.submit(takeover::afterRestart);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closing: nothing to resync
        }
    }

    /**
     * VRRP left MASTER (or starts): {@code -t -n}, in order after anything asked before, without waiting; then the
     * peer's answer is watched, for a fail-back to wait on ({@link #readyToPreempt}).
     */
    @Override
    public void leftMaster() {
        var _ = commands.submit(() -> {
            Optional<ConntrackdStats> before = conntrackd.stats();
            takeover.leftMaster();
            ResyncWatch watch = new ResyncWatch(System.nanoTime(), before);
            resync = watch;
            readResync(watch);
        });
    }

    private void readResync(ResyncWatch watch) {
        if (resync != watch || watch.ready(System.nanoTime())) return;
        try {
            var _ = statsTimer.schedule(() -> {
                conntrackd.stats().ifPresent(s -> watch.sample(System.nanoTime(), s));
                readResync(watch);
            }, RESYNC_READ.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // the sync is closing
        }
    }

    /**
     * Whether a fail-back may take MASTER now: once the peer's connections came after the last resync request, or
     * {@link ResyncWatch#BOUND} after it. Answers at once, on VRRP's thread.
     */
    @Override
    public boolean readyToPreempt() {
        ResyncWatch watch = resync;
        if (watch == null) return true;
        long now = System.nanoTime();
        if (!watch.ready(now)) {
            if (watch.hold(now).isEmpty()) {
                LOG.info("sync: preemption held until the master's connections are here (at most {} s)",
                        ResyncWatch.BOUND.toSeconds());
            }
            watch.held(now);
            return false;
        }
        resync = null;
        watch.hold(now).ifPresent(held -> {
            boolean complete = watch.complete(now);
            lastHold = new Hold(Clock.systemUTC().instant(), held, Math.max(0, watch.entries()), complete);
            if (complete) {
                LOG.info("sync: preemption held {} ms, until the master's {} connection(s) were here", held.toMillis(),
                        Math.max(0, watch.entries()));
            } else {
                LOG.warn("sync: preemption held {} ms, the bound: the master's connections did not all come (external "
                        + "cache: {}); connections not here are dropped by the guard after the fail-back",
                        held.toMillis(), Math.max(0, watch.entries()));
            }
        });
        return true;
    }

    /** The last fail-back that waited for the master's connections. */
    public Optional<Hold> lastHold() {
        return Optional.ofNullable(lastHold);
    }

    @Override
    public boolean follows(String instance) {
        return settings.follows(instance);
    }

    public Status status() {
        Link l = link;
        Instant now = Clock.systemUTC().instant();
        boolean seen = l != null && l.peerLastSeen().map(t -> t.plus(PEER_SILENCE).isAfter(now)).orElse(false);
        return new Status(settings, conntrackd.running(), conntrackd.pid(), conntrackd.restarts(), conntrackd.losses(),
                conntrackd.lostSince(), commits.get(), unfinishedCommits.get(), Optional.ofNullable(lastCommit),
                takeover.resyncsRequested(), takeover.bulkSends(), seen, Optional.ofNullable(l), lastHold());
    }

    /** The conntrackd process, for tests and status: its pid and files. */
    public ConntrackdProcess conntrackd() {
        return conntrackd;
    }

    @Override
    public void close() {
        statsTimer.shutdownNow();
        commands.shutdown();
        try {
            if (!commands.awaitTermination(3, TimeUnit.SECONDS)) commands.shutdownNow();
        } catch (InterruptedException e) {
            commands.shutdownNow();
            Thread.currentThread().interrupt();
        }
        conntrackd.close();
    }
}
