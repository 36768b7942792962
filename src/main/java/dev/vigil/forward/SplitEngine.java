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

/**
 * A node's two engines behind one {@link ForwardingEngine}: each virtual server goes to the engine its
 * {@link ForwardedService#engine()} names, and counters and connections are summed. The proxy is always
 * there; the kernel engine is started the first time a virtual server asks for it, so a node that needs
 * none never needs root. If it cannot start, the virtual servers that asked are not served and
 * {@link #apply} says, in one line, what is missing; a later apply (a reload) tries again.
 */
public final class SplitEngine implements ForwardingEngine {
    private static final Logger LOG = LoggerFactory.getLogger(SplitEngine.class);

    /** Starts the kernel engine; its exception's message says what is missing. */
    @FunctionalInterface
    public interface Starter {
        ForwardingEngine start() throws IOException;
    }

    private final ForwardingEngine proxy;
    private final Starter kernelStarter;
    private volatile @Nullable ForwardingEngine kernel;
    private int connectionLimit;

    public SplitEngine(ForwardingEngine proxy, Starter kernelStarter) {
        this.proxy = proxy;
        this.kernelStarter = kernelStarter;
    }

    /** {@code proxy}, or {@code proxy+kernel} once the kernel engine runs. */
    @Override
    public String name() {
        return kernel == null ? proxy.name() : proxy.name() + "+" + kernel.name();
    }

    @Override
    public synchronized List<String> apply(List<ForwardedService> services) {
        List<ForwardedService> toProxy = new ArrayList<>();
        List<ForwardedService> toKernel = new ArrayList<>();
        for (ForwardedService f : services) (f.engine().engine() == Engine.KERNEL ? toKernel : toProxy).add(f);
        List<String> problems = new ArrayList<>(proxy.apply(toProxy));
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
        proxy.limitConnections(max);
        ForwardingEngine k = kernel;
        if (k != null) k.limitConnections(max);
    }

    @Override
    public ForwardCounters.Snapshot counters() {
        ForwardingEngine k = kernel;
        return k == null ? proxy.counters() : proxy.counters().plus(k.counters());
    }

    @Override
    public List<ForwardedConnection> connections() {
        ForwardingEngine k = kernel;
        if (k == null) return proxy.connections();
        List<ForwardedConnection> all = new ArrayList<>(proxy.connections());
        all.addAll(k.connections());
        return all;
    }

    @Override
    public int addressesReleased(Collection<InetAddress> addresses) {
        ForwardingEngine k = kernel;
        return proxy.addressesReleased(addresses) + (k == null ? 0 : k.addressesReleased(addresses));
    }

    /** Both drain at once, so a stop takes {@code drain} at most, not twice that. */
    @Override
    public void close(Duration drain) {
        ForwardingEngine k = kernel;
        Thread kernelClose = k == null ? null : Thread.ofPlatform().name("vigil-kernel-close").start(() -> k.close(drain));
        proxy.close(drain);
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
