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
        List<RealServer> realServers,
        Source source) {

    public static final Duration DEFAULT_PERSISTENCE_TIMEOUT = Duration.ofSeconds(360);

    public VirtualServer {
        schedulerFlags = Set.copyOf(schedulerFlags);
        realServers = List.copyOf(realServers);
    }

    /** The same virtual server with other real servers. */
    public VirtualServer withRealServers(List<RealServer> servers) {
        return new VirtualServer(key, scheduler, schedulerFlags, forwardingMethod, protocol, persistenceTimeout,
                persistenceGranularity, sorryServer, sorryServerInhibit, quorum, hysteresis, quorumUp, quorumDown,
                omega, inhibitOnFailure, haSuspend, virtualhost, smtpAlert, checkTiming, proxy, servers, source);
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
     * Vigil's own per-virtual-server proxy settings ({@code proxy_*} keywords), with defaults fit for
     * Exchange: a long idle timeout, since ActiveSync and MAPI/HTTP hold connections for up to an hour.
     */
    public record ProxySettings(Duration connectTimeout, Duration idleTimeout, Optional<InetAddress> sourceAddress,
                                boolean tcpNodelay, boolean tcpKeepalive) {
        public static final ProxySettings DEFAULTS = new ProxySettings(Duration.ofSeconds(5), Duration.ofMinutes(75),
                Optional.empty(), true, true);
    }
}
