package dev.vigil.report;

import dev.vigil.config.Protocol;
import dev.vigil.config.VirtualServer;
import dev.vigil.linux.ChildProcesses;
import dev.vigil.text.ControlCharacters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes keepalived's {@code notify_fifo} lines ({@code INSTANCE "VI_1" MASTER 100},
 * {@code RS [10.0.0.11]:tcp:443 [10.0.0.1]:tcp:443 DOWN}) for a reader script. Callers only enqueue; a
 * full queue drops the line and counts it. The FIFO is opened read-write as keepalived does, so opening
 * never waits for a reader; a missing FIFO is created with {@code mkfifo}. Anything else at the path (a
 * symbolic link, a regular file) is refused, never followed or appended to.
 */
public final class NotifyFifo implements TransitionListener, AutoCloseable {

    /** Which events go to this FIFO: {@code notify_fifo} takes all, the vrrp_/lvs_ variants one kind. */
    public enum Events { ALL, VRRP, LVS }

    public static final int DEFAULT_QUEUE_CAPACITY = 1024;
    private static final Logger LOG = LoggerFactory.getLogger(NotifyFifo.class);

    private final Path path;
    private final Events events;
    private final BlockingQueue<String> queue;
    private final Thread writer;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private volatile boolean closed;
    private @Nullable FileChannel channel;
    private boolean openErrorLogged;

    private NotifyFifo(Path path, Events events, int capacity) {
        this.path = Objects.requireNonNull(path, "path");
        this.events = Objects.requireNonNull(events, "events");
        this.queue = new ArrayBlockingQueue<>(capacity);
        // A platform thread: a write to a full pipe blocks in the kernel until the reader catches up,
        // which would pin a virtual thread's carrier for that long.
        this.writer = Thread.ofPlatform().daemon().name("vigil-notify-fifo").unstarted(this::writeLoop);
    }

    public static NotifyFifo start(Path path, Events events) {
        return start(path, events, DEFAULT_QUEUE_CAPACITY);
    }

    public static NotifyFifo start(Path path, Events events, int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("queue capacity must be positive");
        NotifyFifo fifo = new NotifyFifo(path, events, capacity);
        // Made before start returns, so a reader can open it as soon as Vigil runs; failures are retried
        // (and logged) by the writer.
        try {
            if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) fifo.mkfifo();
        } catch (IOException e) {
            LOG.warn("notify FIFO {}: {}", path, e.getMessage());
        }
        fifo.writer.start();
        return fifo;
    }

    /**
     * {@code INSTANCE "VI_1" MASTER 100} / {@code GROUP "VG_1" BACKUP 0}. Like every line, with its control
     * characters escaped: a name cannot end the line and forge the next one for the reader.
     */
    public static String line(VrrpTransition t) {
        return ControlCharacters.escape(t.scope().name() + " \"" + t.name() + "\" " + t.to().name() + " " + t.priority());
    }

    /** {@code RS [10.0.0.11]:tcp:443 [10.0.0.1]:tcp:443 UP}; anything but UP is DOWN, as keepalived has no more words. */
    public static String line(RealServerTransition t) {
        String proto = proto(t.protocol());
        String host = AlertMail.bracketed(t.address(), t.port());
        int colon = host.lastIndexOf(':');
        return ControlCharacters.escape("RS " + host.substring(0, colon) + ":" + proto + host.substring(colon) + " "
                + virtualServer(t.virtualServer(), proto) + " " + (t.state() == RealServerState.UP ? "UP" : "DOWN"));
    }

    /** {@code VS [10.0.0.1]:tcp:443 DOWN}. */
    public static String line(VirtualServerTransition t) {
        return ControlCharacters.escape("VS " + virtualServer(t.virtualServer(), proto(t.protocol())) + " "
                + (t.up() ? "UP" : "DOWN"));
    }

    /**
     * {@code SYNC LOST 3} (the count of losses) / {@code SYNC BACK 3}: Vigil's own line (keepalived has no
     * connection sync), written to {@code notify_fifo} only, so readers of the vrrp_ and lvs_ FIFOs see only
     * keepalived's kinds.
     */
    public static String line(SyncTransition t) {
        return "SYNC " + (t.lost() ? "LOST" : "BACK") + " " + t.losses();
    }

    private static String proto(Protocol p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    private static String virtualServer(VirtualServer.Key key, String proto) {
        return switch (key) {
            case VirtualServer.ByAddress a -> {
                String b = AlertMail.bracketed(a.address(), a.port());
                int colon = b.lastIndexOf(':');
                yield b.substring(0, colon) + ":" + proto + b.substring(colon);
            }
            case VirtualServer.ByFwmark f -> "FWM " + f.mark();
            case VirtualServer.ByGroup g -> "group " + g.name();
        };
    }

    @Override
    public void vrrpTransition(VrrpTransition t) {
        if (events != Events.LVS) offer(line(t));
    }

    @Override
    public void realServerTransition(RealServerTransition t) {
        if (events != Events.VRRP) offer(line(t));
    }

    @Override
    public void virtualServerTransition(VirtualServerTransition t) {
        if (events != Events.VRRP) offer(line(t));
    }

    @Override
    public void syncTransition(SyncTransition t) {
        if (events == Events.ALL) offer(line(t));
    }

    public long written() {
        return written.get();
    }

    public long dropped() {
        return dropped.get();
    }

    /** Lines that could not be written (FIFO missing and not creatable, write error). */
    public long failed() {
        return failed.get();
    }

    private void offer(String line) {
        if (closed || !queue.offer(line)) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) LOG.warn("notify FIFO {} is not being read: dropped {} line(s) so far", path, n);
        }
    }

    private void writeLoop() {
        try {
            while (!closed) {
                String line = queue.poll(200, TimeUnit.MILLISECONDS);
                if (line != null) write(line);
            }
        } catch (InterruptedException e) {
            // closing
        } finally {
            closeChannel();
        }
    }

    private void write(String line) {
        try {
            if (channel == null) channel = open();
            ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) channel.write(bytes);
            written.incrementAndGet();
            openErrorLogged = false;
        } catch (Refused e) {
            failed.incrementAndGet();
            if (!openErrorLogged) {
                LOG.error("refusing to write to notify FIFO {}: it {}. Lines are counted as failed until a FIFO is"
                        + " there (remove it and Vigil makes one); if nobody put it there, someone who can write to"
                        + " its directory tried to make Vigil write elsewhere with its privileges.", path, e.getMessage());
                openErrorLogged = true;
            }
        } catch (IOException e) {
            failed.incrementAndGet();
            if (!openErrorLogged) {
                LOG.warn("cannot write to notify FIFO {}: {}", path, e.getMessage() == null ? e.toString() : e.getMessage());
                openErrorLogged = true;
            }
            closeChannel();
        }
    }

    /**
     * Opens the FIFO, and nothing else: Vigil writes as root, so a link or a file planted at the path (by anyone
     * who may write its directory) must not lead these lines into another file.
     */
    private FileChannel open() throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) mkfifo();
        BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) throw new Refused("is a symbolic link; not following it");
        if (!attrs.isOther()) throw new Refused("is not a FIFO" + (attrs.isRegularFile() ? " but a regular file" : ""));
        // O_NOFOLLOW: a link swapped in since that look is refused by the kernel. O_RDWR on a FIFO never waits
        // for a reader (Linux), and keeps the pipe open between readers.
        FileChannel opened = FileChannel.open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS));
        // What was opened must be a FIFO as well, in case a file was swapped in since: Java has no fstat, but
        // a pipe is the one thing here that cannot seek.
        boolean seekable;
        try {
            opened.position();
            seekable = true;
        } catch (IOException pipe) {
            seekable = false;
        }
        if (seekable) {
            opened.close();
            throw new Refused("changed into something that is not a FIFO while being opened");
        }
        return opened;
    }

    /** The path holds something Vigil must not write to. */
    private static final class Refused extends IOException {
        Refused(String why) {
            super(why);
        }
    }

    private void mkfifo() throws IOException {
        Process p = ChildProcesses.start(new ProcessBuilder("mkfifo", "-m", "600", path.toString()).redirectErrorStream(true));
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("mkfifo did not finish");
            }
            if (p.exitValue() != 0) {
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                throw new IOException("mkfifo failed: " + out);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted creating the FIFO");
        }
    }

    private void closeChannel() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing more to do with a broken FIFO
        }
        channel = null;
    }

    /** Writes what is queued within {@code timeout}, then stops. */
    public void close(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        try {
            while (!queue.isEmpty() && System.nanoTime() < end) Thread.sleep(10);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        writer.interrupt();
        try {
            writer.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dropped.addAndGet(queue.size());
        queue.clear();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(2));
    }
}
