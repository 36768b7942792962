package dev.vigil.linux;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Watches rtnetlink's link and address groups (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR,
 * RTNLGRP_IPV6_IFADDR) in the namespace it was started in and hands events to a listener on its
 * own platform thread: link up/down for {@code track_interface}, addresses added or removed by
 * someone else (a VIP deleted behind our back). Link events are delivered only when the up,
 * running or name state of an interface changes, not for every RTM_NEWLINK.
 */
public final class LinkMonitor implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LinkMonitor.class);
    private static final int POLL_MILLIS = 100;

    /** What the monitor reports. */
    public sealed interface Event permits LinkChanged, LinkDeleted, AddressAdded, AddressRemoved, EventsLost {}

    /** A link appeared or its up/running state changed. */
    public record LinkChanged(LinkState link) implements Event {}

    /** A link was deleted. */
    public record LinkDeleted(LinkState link) implements Event {}

    /** An address was added to an interface (by anyone, including us). */
    public record AddressAdded(InterfaceAddress address) implements Event {}

    /** An address was removed from an interface (by anyone, including us). */
    public record AddressRemoved(InterfaceAddress address) implements Event {}

    /** The kernel dropped events (receive buffer overrun): re-read the state you depend on. */
    public record EventsLost() implements Event {}

    private final NetlinkSocket socket;
    private final Consumer<Event> listener;
    private final Map<Integer, LinkState> known = new HashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    private LinkMonitor(NetlinkSocket socket, Consumer<Event> listener) {
        this.socket = socket;
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("vigil-link-monitor").unstarted(this::loop);
    }

    /** Subscribes in the caller's network namespace and starts the monitor thread. */
    public static LinkMonitor start(Consumer<Event> listener) throws NativeException {
        NetlinkSocket socket = new NetlinkSocket(RtnetlinkMessages.RTMGRP_LINK | RtnetlinkMessages.RTMGRP_IPV4_IFADDR
                | RtnetlinkMessages.RTMGRP_IPV6_IFADDR);
        LinkMonitor monitor = new LinkMonitor(socket, listener);
        monitor.thread.start();
        return monitor;
    }

    private void loop() {
        try {
            while (running) {
                Optional<ByteBuffer> datagram;
                try {
                    datagram = socket.receive(POLL_MILLIS);
                } catch (NativeException e) {
                    if (e.errno() == Errno.ENOBUFS) {
                        known.clear();
                        deliver(new EventsLost());
                        continue;
                    }
                    if (running) LOG.error("link monitor stopped: {}", e.getMessage());
                    return;
                }
                datagram.ifPresent(this::dispatch);
            }
        } finally {
            socket.close();
        }
    }

    private void dispatch(ByteBuffer datagram) {
        for (RtnetlinkMessages.Message m : RtnetlinkMessages.split(datagram)) {
            switch (m.type()) {
                case RtnetlinkMessages.RTM_NEWLINK -> RtnetlinkMessages.parseLink(m).ifPresent(link -> {
                    LinkState before = known.put(link.index(), link);
                    if (before == null || before.up() != link.up() || before.running() != link.running()
                            || !before.name().equals(link.name())) {
                        deliver(new LinkChanged(link));
                    }
                });
                case RtnetlinkMessages.RTM_DELLINK -> RtnetlinkMessages.parseLink(m).ifPresent(link -> {
                    known.remove(link.index());
                    deliver(new LinkDeleted(link));
                });
                case RtnetlinkMessages.RTM_NEWADDR -> RtnetlinkMessages.parseAddress(m).ifPresent(a -> deliver(new AddressAdded(a)));
                case RtnetlinkMessages.RTM_DELADDR -> RtnetlinkMessages.parseAddress(m).ifPresent(a -> deliver(new AddressRemoved(a)));
                default -> { }
            }
        }
    }

    private void deliver(Event event) {
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.error("link monitor listener failed on {}", event, e);
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
