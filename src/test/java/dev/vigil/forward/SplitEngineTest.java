package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.Engine;
import dev.vigil.config.EngineChoice;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

class SplitEngineTest {

    /** An engine that remembers what it was given. */
    private static final class Recording implements ForwardingEngine {
        final String name;
        final List<List<String>> applied = new ArrayList<>();
        final ForwardCounters.Snapshot counters;
        int limit = -1;
        boolean closed;

        Recording(String name, long accepted) {
            this.name = name;
            this.counters = new ForwardCounters.Snapshot(accepted, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, accepted * 10);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<String> apply(List<ForwardedService> services) {
            applied.add(services.stream().map(f -> f.service().name()).toList());
            return List.of();
        }

        @Override
        public void limitConnections(int max) {
            limit = max;
        }

        @Override
        public ForwardCounters.Snapshot counters() {
            return counters;
        }

        @Override
        public List<ForwardedConnection> connections() {
            return List.of();
        }

        @Override
        public int addressesReleased(Collection<InetAddress> addresses) {
            return 1;
        }

        @Override
        public void close(Duration drain) {
            closed = true;
        }
    }

    private static ForwardedService service(int port, Engine engine) {
        VirtualService s = new VirtualService(virtualServer("10.0.0.1", port, dev.vigil.config.Scheduler.RR).build());
        return new ForwardedService(s, List.of(new InetSocketAddress("10.0.0.1", port)), List.of(),
                new EngineChoice(engine, "test"));
    }

    @Test
    void eachVirtualServerGoesToItsEngineAndTheKernelStartsOnlyWhenAsked() {
        Recording proxy = new Recording("proxy", 5);
        Recording kernel = new Recording("kernel", 7);
        AtomicInteger starts = new AtomicInteger(), proxyStarts = new AtomicInteger();
        SplitEngine split = new SplitEngine(() -> {
            proxyStarts.incrementAndGet();
            return proxy;
        }, () -> {
            starts.incrementAndGet();
            return kernel;
        });
        split.limitConnections(100);
        assertThat(split.apply(List.of())).isEmpty();
        assertThat(split.name()).isEqualTo("none");
        assertThat(split.counters()).isEqualTo(ForwardCounters.Snapshot.ZERO);
        assertThat(proxyStarts).hasValue(0);
        assertThat(split.apply(List.of(service(80, Engine.PROXY)))).isEmpty();
        assertThat(starts).hasValue(0);
        assertThat(proxyStarts).hasValue(1);
        assertThat(proxy.limit).isEqualTo(100);
        assertThat(split.name()).isEqualTo("proxy");
        assertThat(split.counters()).isEqualTo(proxy.counters());

        assertThat(split.apply(List.of(service(80, Engine.PROXY), service(53, Engine.KERNEL)))).isEmpty();
        assertThat(split.apply(List.of(service(80, Engine.PROXY)))).isEmpty();
        assertThat(starts).hasValue(1);
        assertThat(split.name()).isEqualTo("proxy+kernel");
        assertThat(proxy.applied).containsExactly(List.of("10.0.0.1:80"), List.of("10.0.0.1:80"), List.of("10.0.0.1:80"));
        assertThat(kernel.applied).containsExactly(List.of("10.0.0.1:53"), List.of());
        assertThat(kernel.limit).isEqualTo(100);
        assertThat(split.counters().accepted()).isEqualTo(12);
        assertThat(split.counters().guardDrops()).isEqualTo(120);
        assertThat(split.addressesReleased(List.of())).isEqualTo(2);
        split.close(Duration.ZERO);
        assertThat(proxy.closed).isTrue();
        assertThat(kernel.closed).isTrue();
    }

    @Test
    void aNodeWhoseVirtualServersAreAllInTheKernelNeverStartsTheProxy() {
        Recording kernel = new Recording("kernel", 7);
        SplitEngine split = new SplitEngine(() -> {
            throw new AssertionError("the proxy engine was started");
        }, () -> kernel);
        assertThat(split.apply(List.of(service(443, Engine.KERNEL)))).isEmpty();
        assertThat(split.apply(List.of(service(443, Engine.KERNEL), service(53, Engine.KERNEL)))).isEmpty();
        assertThat(split.name()).isEqualTo("kernel");
        assertThat(split.counters()).isEqualTo(kernel.counters());
        assertThat(split.addressesReleased(List.of())).isEqualTo(1);
        split.close(Duration.ZERO);
        assertThat(kernel.closed).isTrue();
    }

    @Test
    void aKernelEngineThatCannotStartIsOneLineNamingWhatAskedForIt() {
        Recording proxy = new Recording("proxy", 0);
        SplitEngine split = new SplitEngine(() -> proxy, () -> {
            throw new IOException("cannot load libnftables.so.1 (...): ... install nftables (libnftables1)");
        });
        assertThat(split.apply(List.of(service(80, Engine.PROXY), service(53, Engine.KERNEL), service(54, Engine.KERNEL))))
                .containsExactly("the kernel engine cannot start: cannot load libnftables.so.1 (...): ... install "
                        + "nftables (libnftables1) (needed by virtual servers 10.0.0.1:53, 10.0.0.1:54)");
        assertThat(proxy.applied).containsExactly(List.of("10.0.0.1:80"));
        split.close(Duration.ZERO);
    }
}
