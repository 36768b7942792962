package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the node is doing right now: the one input of the status API, the dashboard, {@code vigil status}
 * and the scrape-time gauges. The daemon builds one from the live parts whenever asked; nothing here
 * refers back to them.
 */
public record StatusSnapshot(Node node, List<VrrpInstance> vrrp, List<VirtualServer> virtualServers,
                             Optional<Proxy> proxy, Optional<Sync> sync) {

    public StatusSnapshot {
        Objects.requireNonNull(node, "node");
        vrrp = List.copyOf(vrrp);
        virtualServers = List.copyOf(virtualServers);
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(sync, "sync");
    }

    /** A status without connection sync (not configured, or not served by the kernel engine). */
    public StatusSnapshot(Node node, List<VrrpInstance> vrrp, List<VirtualServer> virtualServers, Optional<Proxy> proxy) {
        this(node, vrrp, virtualServers, proxy, Optional.empty());
    }

    /** A status without the proxy engine's counters (no engine, or a daemon too old to send them). */
    public StatusSnapshot(Node node, List<VrrpInstance> vrrp, List<VirtualServer> virtualServers) {
        this(node, vrrp, virtualServers, Optional.empty());
    }

    /** The node itself. */
    public record Node(String routerId, String version, Duration uptime) {
        public Node {
            Objects.requireNonNull(routerId, "routerId");
            Objects.requireNonNull(version, "version");
            Objects.requireNonNull(uptime, "uptime");
        }
    }

    /**
     * The proxy engine's own counters, over all virtual servers since start. {@code accepted} client
     * connections, {@code openConnections} of them not yet closed; {@code noRealServer} clients refused
     * because no real server could take them; {@code connectFailures} failed connects to real servers, of
     * which {@code retries} were retried on another one; {@code resetsPassed} resets passed from one side to
     * the other; {@code idleTimeouts} connections closed for idleness; {@code bindFailures} virtual servers
     * that could not listen; {@code acceptFailures} failed accepts (such as running out of descriptors);
     * {@code refusedMaxconn} clients reset at once because {@code proxy_maxconn} (of the node or of their
     * virtual server) was reached, {@code refusedPerSource} because {@code proxy_maxconn_per_source} was;
     * {@code halfCloseTimeouts} connections closed by {@code proxy_half_close_timeout}; {@code guardDrops}
     * the kernel engine's: packets that would have opened a connection to a VIP without being a SYN, dropped.
     */
    public record Proxy(long accepted, long openConnections, long noRealServer, long connectFailures, long retries,
                        long resetsPassed, long idleTimeouts, long bindFailures, long acceptFailures,
                        long refusedMaxconn, long refusedPerSource, long halfCloseTimeouts, long guardDrops) {}

    /**
     * The connection sync (issue 13): its conntrackd, the sync link as conntrackd's statistics last showed it, and
     * the takeovers' commits. {@code mode} is {@code multicast} or {@code unicast}, {@code destination} the group or
     * the peer; {@code instance} the vrrp_instance whose MASTER state moves the connections (empty: every one).
     * {@code losses} counts the times the sync was lost (conntrackd died or could not start), {@code lostSince} is
     * set while it is; {@code restarts} counts conntrackd's restarts. {@code peerSeen}: the peer's messages arrived
     * lately; {@code link} is empty until conntrackd's statistics were first read.
     */
    public record Sync(String interfaceName, String mode, String destination, Optional<String> instance,
                       boolean running, Optional<Long> pid, long restarts, long losses, Optional<Instant> lostSince,
                       boolean peerSeen, Optional<Instant> peerLastSeen, Optional<SyncLink> link, long commits,
                       long unfinishedCommits, Optional<SyncCommit> lastCommit, long resyncsRequested,
                       long bulkSends, Optional<SyncHold> lastHold) {
        public Sync {
            Objects.requireNonNull(interfaceName, "interfaceName");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(instance, "instance");
            Objects.requireNonNull(pid, "pid");
            Objects.requireNonNull(lostSince, "lostSince");
            Objects.requireNonNull(peerLastSeen, "peerLastSeen");
            Objects.requireNonNull(link, "link");
            Objects.requireNonNull(lastCommit, "lastCommit");
            Objects.requireNonNull(lastHold, "lastHold");
        }
    }

    /**
     * A fail-back whose preemption waited for the peer's connections: when it ended, how long it waited, the
     * entries then in the external cache, and whether they all came ({@code complete}) or the bound ran out.
     */
    public record SyncHold(Instant at, Duration held, long entries, boolean complete) {
        public SyncHold {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(held, "held");
        }
    }

    /**
     * conntrackd's figures of the sync link, read at {@code readAt}: entries of its internal cache (this node's own
     * connections) and external cache (the peer's: what a takeover commits), bytes and packets both ways, errors,
     * and messages of the peer's lost on the way.
     */
    public record SyncLink(Instant readAt, long internalEntries, long externalEntries, long bytesSent,
                           long bytesReceived, long packetsSent, long packetsReceived, long sendErrors,
                           long receiveErrors, long lostMessages, long malformedMessages) {
        public SyncLink {
            Objects.requireNonNull(readAt, "readAt");
        }
    }

    /** A takeover's commit: when it started, whether it finished within the bound, what it committed, how long. */
    public record SyncCommit(Instant at, boolean finished, long entries, Duration took) {
        public SyncCommit {
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(took, "took");
        }
    }

    /**
     * One {@code vrrp_instance}: the configured and the effective (track-adjusted) priority, and the adverts
     * it dropped since start by reason ({@code BAD_CHECKSUM}, {@code NOT_A_PEER}, ... as docs/vrrp.md lists
     * them; reasons never seen are absent).
     */
    public record VrrpInstance(String name, VrrpState state, int priority, int effectivePriority,
                               List<String> vips, Optional<Instant> masterSince, Map<String, Long> drops) {
        public VrrpInstance {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(state, "state");
            vips = List.copyOf(vips);
            Objects.requireNonNull(masterSince, "masterSince");
            drops = Collections.unmodifiableMap(new TreeMap<>(drops));
        }

        public VrrpInstance(String name, VrrpState state, int priority, int effectivePriority, List<String> vips,
                            Optional<Instant> masterSince) {
            this(name, state, priority, effectivePriority, vips, masterSince, Map.of());
        }
    }

    /**
     * One {@code virtual_server}. {@code address} is an IP literal, or {@code fwmark N} / {@code group NAME}
     * (then {@code port} is 0); {@code protocol} is {@code TCP}, {@code UDP} or {@code SCTP}; connection and
     * byte counts are the sums over its real servers as the forwarder counts them. {@code engine} is
     * {@code proxy} or {@code kernel}, {@code engineReason} why it got it (e.g. {@code lvs_sync_daemon}).
     */
    public record VirtualServer(String address, int port, String protocol, String scheduler,
                                long activeConnections, long inactiveConnections, long totalConnections,
                                long bytesIn, long bytesOut, boolean quorumUp, List<RealServer> realServers,
                                String engine, String engineReason) {
        public VirtualServer {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(engine, "engine");
            Objects.requireNonNull(engineReason, "engineReason");
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(scheduler, "scheduler");
            realServers = List.copyOf(realServers);
        }

        /** {@code 10.0.0.1:443}, {@code [2001:db8::1]:443}, or the address alone for fwmark and group. */
        public String endpoint() {
            return StatusSnapshot.endpoint(address, port);
        }
    }

    /**
     * One real server of a virtual server. {@code healthy} is the checkers' verdict; {@code state} adds what
     * an operator did (drain, maintenance). {@code reason} says why it last failed; {@code services} holds
     * per-service health where the checker knows services (Exchange), else it is empty.
     */
    public record RealServer(String address, int port, ForwardingMethod forwarding, int weight, int effectiveWeight,
                             boolean healthy, RealServerState state, Optional<String> reason, List<Service> services,
                             long activeConnections, long inactiveConnections, long totalConnections,
                             long bytesIn, long bytesOut) {
        public RealServer {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(forwarding, "forwarding");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(reason, "reason");
            services = List.copyOf(services);
        }

        public String endpoint() {
            return StatusSnapshot.endpoint(address, port);
        }
    }

    /** Health of one service on a real server, e.g. {@code owa} UP, or {@code ews} DOWN "HTTP 503". */
    public record Service(String name, String status, String detail) {
        public Service {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(status, "status");
            detail = detail == null ? "" : detail;
        }
    }

    static String endpoint(String address, int port) {
        if (address.startsWith("fwmark ") || address.startsWith("group ")) return address;
        return address.indexOf(':') >= 0 ? "[" + address + "]:" + port : address + ":" + port;
    }

    static String endpoint(InetAddress address, int port) {
        return address instanceof Inet6Address
                ? "[" + address.getHostAddress() + "]:" + port
                : address.getHostAddress() + ":" + port;
    }
}
