package dev.vigil.sync;

import dev.vigil.linux.ChildProcesses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The node's conntrackd: written configuration, one daemon in console mode ({@code conntrackd -C CONF}, its output
 * read and logged by Vigil), restarted with a doubling back-off (1 s to 30 s) when it dies, stopped with Vigil.
 * It is started through {@code setpriv --pdeathsig KILL} from the supervising thread, which lives as long as the
 * daemon: if Vigil dies (kill -9), the kernel kills its conntrackd too, so none outlives its node. Vigil holds a
 * lock on its directory, so the conntrackd lock file and control socket a killed node left behind are its own,
 * and are removed before a start. A daemon that dies is a loss of the sync, told once to {@link Events} however
 * often the restarts fail; it is back when a restarted daemon answers on its control socket.
 */
public final class ConntrackdProcess implements Conntrackd, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackdProcess.class);
    public static final String BINARY = "/usr/sbin/conntrackd";
    /** How long a (re)started daemon may take to answer on its control socket. */
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration STATS_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration FIRST_BACKOFF = Duration.ofSeconds(1), MAX_BACKOFF = Duration.ofSeconds(30);
    /** A daemon that ran this long was healthy: the next restart starts the back-off again. */
    private static final Duration STABLE = Duration.ofSeconds(60);

    private final ConntrackdConfig.Paths paths;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ConntrackdLog log = ConntrackdLog.create();
    private final AtomicLong restarts = new AtomicLong(), losses = new AtomicLong();
    private final String binary;
    private final Events events;
    /** When the sync was lost (the daemon died), until a restarted one answers; null while it runs. */
    private volatile @Nullable Instant lostSince;
    private final Object commits = new Object();
    private long commitsFinished;
    private ConntrackdLog.@Nullable Commit lastCommit;
    private long flushAnswers;
    private boolean lastFlushDone;
    private final Thread supervisor;
    private volatile @Nullable Process process;
    private volatile boolean closing;

    /** The sync was lost or is back; called on the supervisor's threads, must return at once (queue). */
    public interface Events {
        /** conntrackd died or cannot start; {@code losses} counts this one. */
        void lost(String reason, long losses);

        /** A restarted conntrackd answers again, {@code down} after the loss. */
        void back(Duration down);

        Events NONE = new Events() {
            @Override
            public void lost(String reason, long losses) {}

            @Override
            public void back(Duration down) {}
        };
    }

    private ConntrackdProcess(ConntrackdConfig.Paths paths, FileChannel lockChannel, FileLock lock, String binary,
                              Events events) {
        this.paths = paths;
        this.binary = binary;
        this.events = events;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.supervisor = Thread.ofPlatform().daemon().name("vigil-conntrackd").unstarted(this::supervise);
    }

    /**
     * Writes {@code config} into {@code dir}, starts conntrackd and waits until it answers on its control socket.
     *
     * @throws IOException saying what is missing or what conntrackd said
     */
    public static ConntrackdProcess start(Path dir, String config, Events events) throws IOException {
        return start(dir, config, BINARY, events);
    }

    /** With another conntrackd binary: tests give one that dies when told to. */
    static ConntrackdProcess start(Path dir, String config, String binary, Events events) throws IOException {
        if (!Files.isExecutable(Path.of(binary))) {
            throw new IOException("connection sync needs conntrackd (" + binary + "): apt-get install conntrackd");
        }
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        FileChannel channel = FileChannel.open(dir.resolve("vigil.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("another Vigil runs the connection sync of this network namespace (" + dir + " is locked)");
        }
        ConntrackdProcess p = new ConntrackdProcess(new ConntrackdConfig.Paths(dir), channel, lock, binary, events);
        try {
            Files.writeString(p.paths.config(), config, StandardCharsets.US_ASCII);
            p.supervisor.start();
            p.awaitReady();
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    public ConntrackdConfig.Paths paths() {
        return paths;
    }

    /** Restarts after the daemon died, since Vigil started. */
    public long restarts() {
        return restarts.get();
    }

    /** Times the sync was lost (the daemon died while Vigil ran), each counted once however long it stayed down. */
    public long losses() {
        return losses.get();
    }

    /** Since when the sync is lost, if it is. */
    public Optional<Instant> lostSince() {
        return Optional.ofNullable(lostSince);
    }

    public boolean running() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The daemon's pid while it runs (setpriv execs it, so the started process is conntrackd). */
    public Optional<Long> pid() {
        Process p = process;
        return p != null && p.isAlive() ? Optional.of(p.pid()) : Optional.empty();
    }

    public Optional<ConntrackdLog.Commit> lastCommit() {
        synchronized (commits) {
            return Optional.ofNullable(lastCommit);
        }
    }

    private void awaitReady() throws IOException {
        long end = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < end) {
            if (Files.exists(paths.control()) && control("-s", Duration.ofSeconds(2))) return;
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while conntrackd started", e);
            }
        }
        throw new IOException("conntrackd did not answer on " + paths.control() + " within " + READY_TIMEOUT.toSeconds()
                + " s (its output is in Vigil's log)");
    }

    private void supervise() {
        Duration backoff = FIRST_BACKOFF;
        while (!closing) {
            long started = System.nanoTime();
            int exit;
            try {
                exit = runOnce();
            } catch (IOException e) {
                // On a stop the JDK closes the output of the daemon we stopped under the reader: no failure.
                if (closing) return;
                exit = -1;
                LOG.error("sync: cannot start conntrackd: {}", e.getMessage());
            }
            if (closing) return;
            if (System.nanoTime() - started > STABLE.toNanos()) backoff = FIRST_BACKOFF;
            long n = restarts.incrementAndGet();
            String reason = "conntrackd " + (exit < 0 ? "did not start" : "exited (status " + exit + ")");
            String line = reason + "; restart #" + n + " in " + backoff.toSeconds()
                    + " s: until then this node syncs no connections";
            LOG.error("sync: {}", line);
            lost(reason);
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** Starts the daemon and reads its output until it exits; returns its exit status. */
    private int runOnce() throws IOException {
        // conntrackd refuses to start over the lock file of a dead one; ours is the only one (we hold the dir lock).
        Files.deleteIfExists(paths.lock());
        Files.deleteIfExists(paths.control());
        ProcessBuilder b = new ProcessBuilder("setpriv", "--pdeathsig", "KILL", "--", binary, "-C",
                paths.config().toString()).redirectErrorStream(true);
        Process p;
        synchronized (this) {
            if (closing) return 0;
            p = ChildProcesses.start(b);
            process = p;
        }
        LOG.info("sync: conntrackd started (pid {}), configuration {}", p.pid(), paths.config());
        if (lostSince != null) Thread.ofVirtual().name("vigil-conntrackd-ready").start(() -> awaitBack(p));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) consume(line);
        }
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The first loss since the daemon last ran: counted, logged and told; a failing restart adds nothing. */
    private void lost(String reason) {
        if (lostSince != null) return;
        lostSince = Instant.now();
        long n = losses.incrementAndGet();
        LOG.error("sync: connection sync LOST ({}): connections opened from now on do not survive a failover; "
                + "loss #{}", reason, n);
        events.lost(reason, n);
    }

    /** A restarted daemon that answers on its control socket ends the loss. */
    private void awaitBack(Process p) {
        long end = System.nanoTime() + READY_TIMEOUT.toNanos();
        try {
            while (System.nanoTime() < end && p.isAlive() && !closing) {
                if (Files.exists(paths.control()) && control("-s", Duration.ofSeconds(2)) && p.isAlive()) {
                    Instant since = lostSince;
                    if (since == null) return;
                    lostSince = null;
                    Duration down = Duration.between(since, Instant.now());
                    LOG.warn("sync: connection sync is BACK (conntrackd pid {} answers) after {} s down", p.pid(),
                            down.toSeconds());
                    events.back(down);
                    return;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@code conntrackd -s}, read within {@code STATS_TIMEOUT}: the caches and the sync link's traffic. Empty when
     * the daemon does not answer in time or prints something else.
     */
    @Override
    public Optional<ConntrackdStats> stats() {
        if (!running()) return Optional.empty();
        try {
            Process p = ChildProcesses.start(new ProcessBuilder(binary, "-C", paths.config().toString(), "-s")
                    .redirectErrorStream(true));
            // A reader thread: a daemon that hangs mid-answer must not hold the caller past the bound.
            var out = new java.util.concurrent.CompletableFuture<String>();
            Thread.ofVirtual().start(() -> {
                try (var in = p.getInputStream()) {
                    out.complete(new String(in.readNBytes(1 << 16), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.complete("");
                }
            });
            String text;
            try {
                text = out.get(STATS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                p.destroyForcibly();
                LOG.debug("sync: conntrackd -s did not answer within {} ms", STATS_TIMEOUT.toMillis());
                return Optional.empty();
            }
            if (!p.waitFor(STATS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) p.destroyForcibly();
            return ConntrackdStats.parse(text);
        } catch (IOException e) {
            LOG.debug("sync: cannot run conntrackd -s: {}", e.getMessage());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private void consume(String line) {
        String text = line.replaceFirst("^\\[[^]]*] \\(pid=\\d+\\) ", "");
        if (ConntrackdLog.isError(line)) LOG.warn("conntrackd: {}", text);
        else if (line.contains("ommit")) LOG.info("conntrackd: {}", text); // a takeover's own lines
        else LOG.debug("conntrackd: {}", text);
        ConntrackdLog.flushAnswer(line).ifPresent(done -> {
            synchronized (commits) {
                flushAnswers++;
                lastFlushDone = done;
                commits.notifyAll();
            }
        });
        log.line(line).ifPresent(c -> {
            synchronized (commits) {
                commitsFinished++;
                lastCommit = c;
                commits.notifyAll();
            }
        });
    }

    @Override
    public boolean control(String option, Duration timeout) {
        List<String> command = new ArrayList<>(List.of(binary, "-C", paths.config().toString(), option));
        try {
            Process p = ChildProcesses.start(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                LOG.warn("sync: conntrackd {} did not answer within {} ms", option, timeout.toMillis());
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            LOG.warn("sync: cannot run conntrackd {}: {}", option, e.getMessage());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long before;
        synchronized (commits) {
            before = flushAnswers;
        }
        if (!control("-f", timeout)) return false;
        synchronized (commits) {
            while (flushAnswers <= before) {
                long left = deadline - System.nanoTime();
                if (left <= 0) return false;
                TimeUnit.NANOSECONDS.timedWait(commits, left);
            }
            return lastFlushDone;
        }
    }

    @Override
    public long commitsFinished() {
        synchronized (commits) {
            return commitsFinished;
        }
    }

    @Override
    public Optional<ConntrackdLog.Commit> awaitCommit(long after, long deadlineNanos) throws InterruptedException {
        synchronized (commits) {
            while (commitsFinished <= after) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) return Optional.empty();
                TimeUnit.NANOSECONDS.timedWait(commits, left);
            }
            return Optional.ofNullable(lastCommit);
        }
    }

    /** SIGTERM (conntrackd removes its socket and lock), SIGKILL after 3 s, then the directory's files go. */
    @Override
    public void close() {
        Process p;
        synchronized (this) {
            closing = true;
            p = process;
        }
        supervisor.interrupt();
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(3, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(3, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            LOG.info("sync: conntrackd stopped");
        }
        try {
            supervisor.join(Duration.ofSeconds(3));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(paths.lock());
            Files.deleteIfExists(paths.control());
            Files.deleteIfExists(paths.config());
            lock.release();
            lockChannel.close();
            Files.deleteIfExists(paths.dir().resolve("vigil.lock"));
            Files.deleteIfExists(paths.dir());
        } catch (IOException e) {
            LOG.warn("sync: cannot remove {}: {}", paths.dir(), e.getMessage());
        }
    }
}
