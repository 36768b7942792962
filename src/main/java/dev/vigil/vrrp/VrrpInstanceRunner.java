package dev.vigil.vrrp;

import dev.vigil.config.VirtualIp;
import dev.vigil.config.VrrpInstance;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One VRRP instance at run time: its state machine (driven only from the node's driver thread), its
 * advert channel with a platform receive thread, and the {@link VrrpActions} that turn decisions into
 * packets and addresses. A reload may change its configuration in place ({@link #reconfigure}), never its
 * channel.
 */
final class VrrpInstanceRunner implements VrrpActions {

    static final InetAddress IPV4_GROUP = literal("224.0.0.18");
    static final InetAddress IPV6_GROUP = literal("ff02::12");
    private static final Logger log = LoggerFactory.getLogger(VrrpInstanceRunner.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;
    /**
     * Adverts of this instance waiting for the driver at most: a few at any sane rate (one per peer and
     * interval); beyond that it is a flood, dropped as {@link DropReason#QUEUE_FULL} instead of growing memory.
     */
    static final int MAX_QUEUED_ADVERTS = 256;

    volatile VrrpInstance config;
    volatile VrrpParameters parameters;
    private final VrrpNode node;
    private final VrrpNetwork network;
    private volatile VrrpAdvertisementDecoder decoder;
    final DropCounters drops;
    private volatile Set<Integer> otherLocalVrids;

    private @Nullable VrrpStateMachine machine; // with source and destinations, set by open()
    private @Nullable InetAddress source;
    private @Nullable List<InetAddress> destinations;
    private volatile VrrpNetwork.@Nullable Channel channel;
    private @Nullable Thread receiver;
    private volatile boolean receiving;

    final AtomicLong advertsSent = new AtomicLong();
    final AtomicLong advertsReceived = new AtomicLong();
    final AtomicLong becameMaster = new AtomicLong();
    final AtomicLong sendErrors = new AtomicLong();
    private final AtomicInteger queuedAdverts = new AtomicInteger();
    private volatile VrrpState state = VrrpState.INIT;
    private volatile int effectivePriority;
    private volatile @Nullable Instant masterSince;
    private volatile @Nullable InetAddress currentMaster;
    private long lastErrorLog = Long.MIN_VALUE / 2;

    VrrpInstanceRunner(VrrpInstance config, VrrpParameters parameters, VrrpNode node, VrrpNetwork network,
                       Set<Integer> otherLocalVrids) {
        this.config = config;
        this.parameters = parameters;
        this.node = node;
        this.network = network;
        this.decoder = parameters.decoder();
        this.drops = new DropCounters(parameters.name());
        this.otherLocalVrids = Set.copyOf(otherLocalVrids);
        this.effectivePriority = parameters.priority();
    }

    String name() {
        return parameters.name();
    }

    /** The state machine; there is one once {@link #open} succeeded. */
    VrrpStateMachine machine() {
        return Objects.requireNonNull(machine, "not opened");
    }

    /** On the driver thread: a reload changed what the running instance can take (see {@link VrrpInstanceChange}). */
    void reconfigure(VrrpInstance next, VrrpParameters nextParameters, long now) {
        machine().reconfigure(nextParameters, now);
        config = next;
        parameters = nextParameters;
        decoder = nextParameters.decoder();
    }

    /** The VRIDs of the other instances on this interface, whose adverts are theirs, not drops of ours. */
    void otherLocalVrids(Set<Integer> vrids) {
        otherLocalVrids = Set.copyOf(vrids);
    }

    /** Resolves the source address and opens the channel; the state machine exists after this. */
    void open() throws IOException {
        if (channel != null) return;
        boolean ipv6 = parameters.ipv6();
        if (parameters.unicastSrcIp().isPresent()) source = parameters.unicastSrcIp().get();
        else if (config.mcastSrcIp().isPresent() && parameters.multicast()) source = config.mcastSrcIp().get();
        else source = network.primaryAddress(parameters.interfaceName(), ipv6);
        destinations = parameters.multicast() ? List.of(ipv6 ? IPV6_GROUP : IPV4_GROUP) : parameters.unicastPeers();
        machine = new VrrpStateMachine(parameters, source, this);
        channel = network.open(parameters);
    }

    void startReceiving() {
        receiving = true;
        receiver = Thread.ofPlatform().name("vrrp-rx-" + name()).daemon().start(this::receiveLoop);
    }

    private void receiveLoop() {
        while (receiving) {
            VrrpNetwork.Channel c = channel;
            if (c == null) return; // stopped
            Optional<ReceivedPacket> packet;
            try {
                packet = c.receive(100);
            } catch (IOException | RuntimeException e) {
                if (!receiving) return;
                logError("receive failed: " + e.getMessage());
                sleepQuietly();
                continue;
            }
            if (packet.isEmpty()) continue;
            ReceivedPacket p = packet.get();
            if (p.source().equals(source)) continue; // our own advert echoed back
            byte[] payload = p.payload();
            if (payload != null && payload.length > 1 && otherLocalVrids.contains(payload[1] & 0xff)) continue;
            switch (decoder.decode(p)) {
                case DecodeResult.Accepted(VrrpAdvertisement advert, InetAddress from) -> queue(advert, from);
                case DecodeResult.Dropped dropped -> drops.record(dropped, node.nanoTime());
            }
        }
    }

    /** Hands the advert to the driver thread unless too many of ours already wait there; never blocks. */
    private void queue(VrrpAdvertisement advert, InetAddress from) {
        if (queuedAdverts.incrementAndGet() > MAX_QUEUED_ADVERTS) {
            queuedAdverts.decrementAndGet();
            drops.record(new DecodeResult.Dropped(DropReason.QUEUE_FULL, MAX_QUEUED_ADVERTS
                    + " adverts already wait for the state machine; this one from " + from.getHostAddress()), node.nanoTime());
            return;
        }
        advertsReceived.incrementAndGet();
        node.submit(now -> {
            queuedAdverts.decrementAndGet();
            machine().onAdvertisement(advert, from, now);
        });
    }

    void stopReceiving() {
        receiving = false;
        if (channel != null) channel.close();
        channel = null;
        if (receiver != null) {
            try {
                receiver.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ---- VrrpActions, on the driver thread ----

    @Override
    public void sendAdvertisement(int priority) {
        VrrpNetwork.Channel c = channel;
        if (c == null) return; // stopped
        InetAddress from = Objects.requireNonNull(source);
        VrrpAdvertisement advert = parameters.advertisement(priority);
        for (InetAddress destination : Objects.requireNonNull(destinations)) {
            try {
                c.send(advert.encode(from, destination, parameters.v3ChecksumAsV2()), from, destination);
                advertsSent.incrementAndGet();
            } catch (IOException | RuntimeException e) {
                sendErrors.incrementAndGet();
                logError("advert to " + destination.getHostAddress() + " failed: " + e.getMessage());
            }
        }
    }

    @Override
    public void addVirtualIps() {
        for (VirtualIp vip : parameters.virtualIps()) {
            try {
                network.addVirtualIp(parameters.interfaceName(), vip);
            } catch (IOException | RuntimeException e) {
                log.error("({}) cannot add {}: {}", name(), vip.address().getHostAddress(), e.getMessage());
            }
        }
    }

    @Override
    public void removeVirtualIps() {
        for (VirtualIp vip : parameters.virtualIps()) {
            try {
                network.removeVirtualIp(parameters.interfaceName(), vip);
            } catch (IOException | RuntimeException e) {
                log.error("({}) cannot remove {}: {}", name(), vip.address().getHostAddress(), e.getMessage());
            }
        }
    }

    @Override
    public void sendGratuitousArps(int count) {
        for (VirtualIp vip : parameters.virtualIps()) {
            for (int i = 0; i < count; i++) {
                try {
                    network.sendGratuitousArp(parameters.interfaceName(), vip);
                } catch (IOException | RuntimeException e) {
                    logError("gratuitous ARP/NA for " + vip.address().getHostAddress() + " failed: " + e.getMessage());
                    break;
                }
            }
        }
    }

    @Override
    public boolean readyToPreempt() {
        return network.readyToPreempt(name());
    }

    @Override
    public void stateChanged(VrrpState from, VrrpState to, String reason) {
        log.info("({}) Entering {} STATE ({})", name(), to, reason);
        state = to;
        currentMaster = machine().masterAddress();
        if (to == VrrpState.MASTER) {
            becameMaster.incrementAndGet();
            masterSince = node.wallClock().instant();
        } else {
            masterSince = null;
        }
        node.instanceChanged(this, from, to);
    }

    /** Called by the node after each event, so the published status follows the machine. */
    void publish() {
        effectivePriority = machine().effectivePriority();
        currentMaster = machine().masterAddress();
    }

    VrrpInstanceStatus status() {
        return new VrrpInstanceStatus(name(), parameters.interfaceName(), parameters.virtualRouterId(),
                parameters.version(), state, parameters.priority(), effectivePriority, parameters.addresses(),
                Optional.ofNullable(masterSince), Optional.ofNullable(currentMaster), advertsSent.get(),
                advertsReceived.get(), becameMaster.get(), sendErrors.get(), drops.snapshot());
    }

    private void logError(String message) {
        long now = node.nanoTime();
        synchronized (this) {
            if (now - lastErrorLog < ERROR_LOG_INTERVAL_NANOS) return;
            lastErrorLog = now;
        }
        log.warn("({}) {}", name(), message);
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static InetAddress literal(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
