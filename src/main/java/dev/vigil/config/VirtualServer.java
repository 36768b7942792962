package dev.vigil.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** A {@code virtual_server} block. */
public record VirtualServer(
        Key key,
        Scheduler scheduler,
        Set<SchedulerFlag> schedulerFlags,
        ForwardingMethod forwardingMethod,
        Protocol protocol,
        Optional<Duration> persistenceTimeout,
        Optional<InetAddress> persistenceGranularity,
        Optional<InetSocketAddress> sorryServer,
        boolean sorryServerInhibit,
        int quorum,
        int hysteresis,
        Optional<Script> quorumUp,
        Optional<Script> quorumDown,
        boolean omega,
        boolean inhibitOnFailure,
        boolean haSuspend,
        Optional<String> virtualhost,
        Optional<Boolean> smtpAlert,
        CheckTiming checkTiming,
        ProxySettings proxy,
        EngineSettings engine,
        List<RealServer> realServers,
        Source source) {

    public static final Duration DEFAULT_PERSISTENCE_TIMEOUT = Duration.ofMinutes(6);

    public VirtualServer {
        schedulerFlags = Set.copyOf(schedulerFlags);
        realServers = List.copyOf(realServers);
    }

    /** The same virtual server with other real servers. */
    public VirtualServer withRealServers(List<RealServer> servers) {
        return new VirtualServer(key, scheduler, schedulerFlags, forwardingMethod, protocol, persistenceTimeout,
                persistenceGranularity, sorryServer, sorryServerInhibit, quorum, hysteresis, quorumUp, quorumDown,
                omega, inhibitOnFailure, haSuspend, virtualhost, smtpAlert, checkTiming, proxy, engine, servers, source);
    }

    /** How the virtual server is named: {@code IP PORT}, {@code fwmark N} or {@code group NAME}. */
    public sealed interface Key permits ByAddress, ByFwmark, ByGroup {}

    public record ByAddress(InetAddress address, int port) implements Key {
        @Override
        public String toString() {
            return address.getAddress().length == 16
                    ? "[" + address.getHostAddress() + "]:" + port
                    : address.getHostAddress() + ":" + port;
        }
    }

    public record ByFwmark(int mark) implements Key {
        @Override
        public String toString() {
            return "fwmark " + mark;
        }
    }

    public record ByGroup(String name) implements Key {
        @Override
        public String toString() {
            return "group " + name;
        }
    }

    /**
     * Vigil's choice of forwarding engine for this virtual server, and the kernel engine's settings.
     *
     * @param choice {@code vigil_engine}; empty to follow {@link EngineChoice}'s rules
     * @param snat   {@code vigil_snat}: the kernel engine rewrites the source of connections to the real
     *               servers to this address (the VIP or a floating virtual_ipaddress); empty to leave the
     *               client's address, as IPVS's NAT does
     */
    public record EngineSettings(Optional<Engine> choice, Optional<InetAddress> snat) {
        public static final EngineSettings DEFAULTS = new EngineSettings(Optional.empty(), Optional.empty());
    }

    /**
     * Vigil's own per-virtual-server proxy settings ({@code proxy_*} keywords), with defaults fit for
     * Exchange: a long idle timeout, since ActiveSync and MAPI/HTTP hold connections for up to an hour.
     *
     * @param maxconn          most client connections open at once in this virtual server; 0 for no limit
     * @param maxconnPerSource most of them from one client address; 0 for no limit
     * @param halfCloseTimeout the idle timeout once one side has sent its FIN (when shorter than
     *                         {@code idleTimeout}): a peer that closed and vanished holds nothing for long
     */
    public record ProxySettings(Duration connectTimeout, Duration idleTimeout, Optional<InetAddress> sourceAddress,
                                boolean tcpNodelay, boolean tcpKeepalive, int maxconn, int maxconnPerSource,
                                Duration halfCloseTimeout) {
        public static final ProxySettings DEFAULTS = new ProxySettings(Duration.ofSeconds(5), Duration.ofMinutes(75),
                Optional.empty(), true, true, 0, 0, Duration.ofSeconds(60));
    }
}
