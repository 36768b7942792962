package dev.vigil.forward;

import dev.vigil.config.Engine;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's two engines behind one {@link ForwardingEngine}: each virtual server goes to the engine its
 * {@link ForwardedService#engine()} names, and counters and connections are summed. Each engine is started
 * the first time a virtual server asks for it: a node that needs no kernel engine never needs root, and one
 * whose virtual servers are all in the kernel (the seed's file) never loads Netty nor runs its event loops
 * (about 2 MiB at rest). If the kernel engine cannot start, the virtual servers that asked are not served and
 * {@link #apply} says, in one line, what is missing; a later apply (a reload) tries again. An engine, once
 * started, stays until {@link #close}.
 */
public final class SplitEngine implements ForwardingEngine {
    private static final Logger LOG = LoggerFactory.getLogger(SplitEngine.class);

    /** Starts the kernel engine; its exception's message says what is missing. */
    @FunctionalInterface
    public interface Starter {
        ForwardingEngine start() throws IOException;
    }

    private final Supplier<ForwardingEngine> proxyStarter;
    private final Starter kernelStarter;
    private volatile @Nullable ForwardingEngine proxy;
    private volatile @Nullable ForwardingEngine kernel;
    private int connectionLimit;

    public SplitEngine(Supplier<ForwardingEngine> proxyStarter, Starter kernelStarter) {
        this.proxyStarter = proxyStarter;
        this.kernelStarter = kernelStarter;
    }

    /** The engines started so far, {@code proxy}, {@code kernel} or {@code proxy+kernel}; {@code none} before any. */
    @Override
    public String name() {
        List<String> names = started().stream().map(ForwardingEngine::name).toList();
        return names.isEmpty() ? "none" : String.join("+", names);
    }

    private List<ForwardingEngine> started() {
        List<ForwardingEngine> out = new ArrayList<>(2);
        ForwardingEngine p = proxy, k = kernel;
        if (p != null) out.add(p);
        if (k != null) out.add(k);
        return out;
    }

    @Override
    public synchronized List<String> apply(List<ForwardedService> services) {
        List<ForwardedService> toProxy = new ArrayList<>();
        List<ForwardedService> toKernel = new ArrayList<>();
        for (ForwardedService f : services) (f.engine().engine() == Engine.KERNEL ? toKernel : toProxy).add(f);
        List<String> problems = new ArrayList<>();
        ForwardingEngine p = proxy;
        if (p == null && !toProxy.isEmpty()) {
            p = proxyStarter.get();
            p.limitConnections(connectionLimit);
            proxy = p;
        }
        if (p != null) problems.addAll(p.apply(toProxy));
        ForwardingEngine k = kernel;
        if (k == null && !toKernel.isEmpty()) {
            try {
                k = kernelStarter.start();
                k.limitConnections(connectionLimit);
                kernel = k;
            } catch (IOException | RuntimeException e) {
                problems.add("the kernel engine cannot start: " + e.getMessage() + " (needed by virtual server"
                        + (toKernel.size() == 1 ? " " : "s ")
                        + String.join(", ", toKernel.stream().map(f -> f.service().name()).toList()) + ")");
                return problems;
            }
        }
        if (k != null) problems.addAll(k.apply(toKernel));
        return problems;
    }

    @Override
    public synchronized void limitConnections(int max) {
        connectionLimit = max;
        started().forEach(e -> e.limitConnections(max));
    }

    @Override
    public ForwardCounters.Snapshot counters() {
        ForwardCounters.Snapshot sum = ForwardCounters.Snapshot.ZERO;
        for (ForwardingEngine e : started()) sum = sum.plus(e.counters());
        return sum;
    }

    @Override
    public List<ForwardedConnection> connections() {
        List<ForwardedConnection> all = new ArrayList<>();
        for (ForwardingEngine e : started()) all.addAll(e.connections());
        return all;
    }

    @Override
    public int addressesReleased(Collection<InetAddress> addresses) {
        int n = 0;
        for (ForwardingEngine e : started()) n += e.addressesReleased(addresses);
        return n;
    }

    /** Both drain at once, so a stop takes {@code drain} at most, not twice that. */
    @Override
    public void close(Duration drain) {
        ForwardingEngine k = kernel, p = proxy;
        Thread kernelClose = k == null ? null : Thread.ofPlatform().name("vigil-kernel-close").start(() -> k.close(drain));
        if (p != null) p.close(drain);
        if (kernelClose != null) {
            try {
                kernelClose.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                LOG.warn("interrupted while the kernel engine closed");
            }
        }
    }
}
