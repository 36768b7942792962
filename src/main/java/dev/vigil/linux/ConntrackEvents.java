package dev.vigil.linux;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Conntrack's events (ctnetlink: NFNLGRP_CONNTRACK_NEW, _UPDATE and _DESTROY) of one network namespace,
 * and dumps of its whole table to resynchronise: at start, every {@code resyncEvery}, on {@link #resync},
 * and after the kernel dropped events because the receive buffer overran (ENOBUFS; counted, logged once).
 * Events and dumps share one socket, so what the listener hears is in the kernel's order: an event queued
 * before the dump reached its entry comes before the dumped line, one queued after comes after it.
 *
 * <p>The listener runs on the monitor's own platform thread. Malformed messages are counted and skipped
 * (the first is logged).
 */
public final class ConntrackEvents implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConntrackEvents.class);
    private static final int POLL_MILLIS = 100;
    /** A dump that has not ended by then is given up (and asked again). */
    private static final long DUMP_TIMEOUT_NANOS = Duration.ofSeconds(30).toNanos();

    /** What a message told of an entry. */
    public enum Kind { NEW, UPDATE, DESTROY, DUMPED }

    /** Hears of entries, on the monitor's thread. */
    public interface Listener {
        /** An event, or (kind {@link Kind#DUMPED}) one line of a dump. */
        void entry(Kind kind, ConntrackEntry entry);

        /** A dump starts: what follows (dumped lines and events) until {@link #resyncDone} is all that lives. */
        void resyncStarted();

        /** The dump ended: an entry neither dumped nor heard of since {@link #resyncStarted} is gone. */
        void resyncDone();
    }

    /**
     * How the monitor reads.
     *
     * @param receiveBuffer bytes of socket receive buffer (the kernel drops events beyond it)
     * @param resyncEvery   how often the table is dumped even without an overrun (or 20 times as long as the
     *                      last dump took, if that is longer); zero for never
     */
    public record Options(int receiveBuffer, Duration resyncEvery) {
        /** 8 MiB: about 10,000 events, a burst of 1,500 new connections through their whole lives. */
        public static final Options DEFAULT = new Options(8 << 20, Duration.ofSeconds(5));
    }

    private final NetlinkSocket socket;
    private final Listener listener;
    private final Options options;
    private final Thread thread;
    private final AtomicBoolean resyncWanted = new AtomicBoolean(true);
    private final AtomicLong overruns = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private volatile boolean running = true;
    private int sequence = (int) (System.nanoTime() & 0x3fffffff);
    private int dumpSeq;
    private long dumpStarted;
    /** When the next dump is due without being asked for; {@code dueNever} for never. */
    private long due;
    private boolean dueNever;
    private boolean overrunInDump;

    private ConntrackEvents(NetlinkSocket socket, Listener listener, Options options) {
        this.socket = socket;
        this.listener = listener;
        this.options = options;
        this.thread = Thread.ofPlatform().daemon().name("vigil-conntrack-events").unstarted(this::loop);
    }

    /**
     * Subscribes in {@code namespace}'s network namespace (a netlink socket belongs to the namespace it was
     * opened in) and starts the monitor, which dumps the table first.
     */
    public static ConntrackEvents start(NamespaceThread namespace, Options options, Listener listener)
            throws NativeException {
        NetlinkSocket socket;
        try {
            socket = namespace.call(() -> new NetlinkSocket(ConntrackMessages.NETLINK_NETFILTER,
                    ConntrackMessages.GROUPS, options.receiveBuffer()));
        } catch (NativeException e) {
            throw new NativeException("cannot subscribe to conntrack's events (ctnetlink; the kernel needs "
                    + "CONFIG_NF_CT_NETLINK and CONFIG_NF_CONNTRACK_EVENTS): " + e.getMessage());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        ConntrackEvents events = new ConntrackEvents(socket, listener, options);
        events.thread.start();
        return events;
    }

    /** Asks for a dump soon (within about 100 ms, or after the one under way). */
    public void resync() {
        resyncWanted.set(true);
    }

    /** Times the kernel dropped events for want of buffer (each followed by a resync). */
    public long overruns() {
        return overruns.get();
    }

    /** Messages that could not be read, skipped. */
    public long malformed() {
        return malformed.get();
    }

    /** Dumps that ended. */
    public long resyncs() {
        return resyncs.get();
    }

    private void loop() {
        try {
            while (running) {
                long now = System.nanoTime();
                if (dumpSeq != 0 && now - dumpStarted > DUMP_TIMEOUT_NANOS) {
                    LOG.warn("conntrack: the table's dump did not end within 30 s; asking again");
                    dumpEnded(false);
                }
                if (dumpSeq == 0 && (resyncWanted.get() || (!dueNever && now - due >= 0))) startDump(now);
                Optional<ByteBuffer> datagram;
                try {
                    datagram = socket.receive(POLL_MILLIS);
                } catch (NativeException e) {
                    if (e.errno() != Errno.ENOBUFS) {
                        if (running) LOG.error("conntrack events stopped: {}", e.getMessage());
                        return;
                    }
                    if (overruns.incrementAndGet() == 1) {
                        LOG.warn("conntrack: the kernel dropped events (receive buffer of {} bytes overran); the "
                                + "table is dumped again after each overrun", options.receiveBuffer());
                    }
                    if (dumpSeq != 0) overrunInDump = true;
                    else resyncWanted.set(true);
                    continue;
                }
                datagram.ifPresent(this::dispatch);
            }
        } catch (NativeException e) {
            if (running) LOG.error("conntrack events stopped: {}", e.getMessage());
        } finally {
            socket.close();
        }
    }

    private void startDump(long now) throws NativeException {
        resyncWanted.set(false);
        dueNever = true;
        overrunInDump = false;
        dumpSeq = ++sequence;
        if (dumpSeq == 0) dumpSeq = ++sequence;
        dumpStarted = now;
        socket.send(ConntrackMessages.dumpRequest(dumpSeq), "IPCTNL_MSG_CT_GET dump");
        deliver(listener::resyncStarted);
    }

    private void dispatch(ByteBuffer datagram) {
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(datagram)) {
            ConntrackMessages.Parsed parsed;
            try {
                parsed = ConntrackMessages.parse(m);
            } catch (ConntrackMessages.Malformed e) {
                if (malformed.incrementAndGet() == 1) LOG.warn("conntrack: skipped a malformed message: {}", e.getMessage());
                continue;
            }
            switch (parsed) {
                case ConntrackMessages.Entry e -> {
                    if (e.kind() != Kind.DUMPED || e.seq() == dumpSeq) deliver(() -> listener.entry(e.kind(), e.entry()));
                }
                case ConntrackMessages.Done d -> {
                    if (dumpSeq != 0 && d.seq() == dumpSeq) dumpEnded(true);
                }
                case ConntrackMessages.Failed f -> {
                    if (dumpSeq != 0 && f.seq() == dumpSeq && f.errno() != 0) {
                        LOG.warn("conntrack: the table's dump failed: {} ({})", Errno.describe(f.errno()),
                                Errno.name(f.errno()));
                        dumpEnded(false);
                    }
                }
                case ConntrackMessages.Ignored i -> { }
            }
        }
    }

    private void dumpEnded(boolean complete) {
        dumpSeq = 0;
        if (complete) {
            resyncs.incrementAndGet();
            dueNever = options.resyncEvery().isZero();
            // A big table takes a while to dump: never spend more than about 5 % of the time on it.
            long now = System.nanoTime();
            due = now + Math.max(options.resyncEvery().toNanos(), 20 * (now - dumpStarted));
            // Events lost during the dump may have been of entries it had passed already.
            if (overrunInDump) resyncWanted.set(true);
            deliver(listener::resyncDone);
        } else {
            dueNever = false;
            due = System.nanoTime() + Duration.ofSeconds(1).toNanos(); // not at once: it may fail again
        }
    }

    private void deliver(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.error("conntrack listener failed", e);
        }
    }

    /** Stops the thread (within about 100 ms) and closes the socket. */
    @Override
    public void close() {
        running = false;
        if (Thread.currentThread() != thread) {
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
