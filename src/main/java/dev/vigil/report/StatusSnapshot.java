package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the node is doing right now: the one input of the status API, the dashboard, {@code vigil status}
 * and the scrape-time gauges. The daemon builds one from the live parts whenever asked; nothing here
 * refers back to them.
 */
public record StatusSnapshot(Node node, List<VrrpInstance> vrrp, List<VirtualServer> virtualServers,
                             Optional<Proxy> proxy) {

    public StatusSnapshot {
        Objects.requireNonNull(node, "node");
        vrrp = List.copyOf(vrrp);
        virtualServers = List.copyOf(virtualServers);
        Objects.requireNonNull(proxy, "proxy");
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
     * that could not listen; {@code acceptFailures} failed accepts (such as running out of descriptors).
     */
    public record Proxy(long accepted, long openConnections, long noRealServer, long connectFailures, long retries,
                        long resetsPassed, long idleTimeouts, long bindFailures, long acceptFailures) {}

    /** One {@code vrrp_instance}: the configured and the effective (track-adjusted) priority. */
    public record VrrpInstance(String name, VrrpState state, int priority, int effectivePriority,
                               List<String> vips, Optional<Instant> masterSince) {
        public VrrpInstance {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(state, "state");
            vips = List.copyOf(vips);
            Objects.requireNonNull(masterSince, "masterSince");
        }
    }

    /**
     * One {@code virtual_server}. {@code address} is an IP literal, or {@code fwmark N} / {@code group NAME}
     * (then {@code port} is 0); {@code protocol} is {@code TCP}, {@code UDP} or {@code SCTP}; connection and
     * byte counts are the sums over its real servers as the forwarder counts them.
     */
    public record VirtualServer(String address, int port, String protocol, String scheduler,
                                long activeConnections, long inactiveConnections, long totalConnections,
                                long bytesIn, long bytesOut, boolean quorumUp, List<RealServer> realServers) {
        public VirtualServer {
            Objects.requireNonNull(address, "address");
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
