package dev.vigil.balance;

import dev.vigil.config.CheckTiming;
import dev.vigil.config.ForwardingMethod;
import dev.vigil.config.Protocol;
import dev.vigil.config.RealServer;
import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;
import dev.vigil.config.Source;
import dev.vigil.config.VirtualServer;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The one place tests of balance and forward build configuration records, so a new record component changes only this file. */
public final class TestVirtualServers {
    private TestVirtualServers() {}

    public static InetAddress ip(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public static RealServer realServer(String ip, int port, int weight) {
        return realServer(ip, port, weight, 0, 0);
    }

    public static RealServer realServer(String ip, int port, int weight, int upperThreshold, int lowerThreshold) {
        return new RealServer(ip(ip), port, weight, Optional.empty(), Optional.empty(), Optional.empty(),
                upperThreshold, lowerThreshold, Optional.empty(), Optional.empty(), Optional.empty(),
                CheckTiming.INHERIT, List.of(), Source.BUILT_IN);
    }

    /** A builder with keepalived's defaults: TCP, NAT, quorum 1, no persistence, no sorry server. */
    public static Builder virtualServer(String ip, int port, Scheduler scheduler) {
        return new Builder(ip(ip), port, scheduler);
    }

    public static final class Builder {
        private final InetAddress address;
        private final int port;
        private final Scheduler scheduler;
        private Set<SchedulerFlag> flags = Set.of();
        private Optional<Duration> persistence = Optional.empty();
        private Optional<InetAddress> granularity = Optional.empty();
        private Optional<InetSocketAddress> sorry = Optional.empty();
        private int quorum = 1;
        private int hysteresis = 0;
        private VirtualServer.ProxySettings proxy = VirtualServer.ProxySettings.DEFAULTS;
        private final List<RealServer> realServers = new ArrayList<>();

        Builder(InetAddress address, int port, Scheduler scheduler) {
            this.address = address;
            this.port = port;
            this.scheduler = scheduler;
        }

        public Builder flags(SchedulerFlag... f) {
            flags = Set.of(f);
            return this;
        }

        public Builder persistence(Duration timeout, String granularityMask) {
            persistence = Optional.of(timeout);
            granularity = Optional.ofNullable(granularityMask).map(TestVirtualServers::ip);
            return this;
        }

        public Builder sorryServer(String ip, int port) {
            sorry = Optional.of(new InetSocketAddress(ip(ip), port));
            return this;
        }

        public Builder quorum(int quorum, int hysteresis) {
            this.quorum = quorum;
            this.hysteresis = hysteresis;
            return this;
        }

        public Builder proxy(VirtualServer.ProxySettings settings) {
            proxy = settings;
            return this;
        }

        public Builder real(RealServer rs) {
            realServers.add(rs);
            return this;
        }

        public Builder real(String ip, int port, int weight) {
            return real(realServer(ip, port, weight));
        }

        public VirtualServer build() {
            return new VirtualServer(new VirtualServer.ByAddress(address, port), scheduler, flags, ForwardingMethod.NAT,
                    Protocol.TCP, persistence, granularity, sorry, false, quorum, hysteresis, Optional.empty(),
                    Optional.empty(), false, false, false, Optional.empty(), Optional.empty(), CheckTiming.INHERIT,
                    proxy, VirtualServer.EngineSettings.DEFAULTS, realServers, Source.BUILT_IN);
        }
    }
}
