package dev.vigil.report;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.jspecify.annotations.Nullable;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Vigil's Prometheus metrics. Gauges and byte/connection counters are read from the status supplier at
 * scrape time; transition counters and latency histograms are fed by events. Each instance has its own
 * registry (with the JVM metrics, from the first scrape on), so tests and a reload never collide with a global one.
 */
public final class VigilMetrics implements TransitionListener {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter vrrpTransitions;
    private final Counter vrrpGroupTransitions;
    private final Histogram vrrpStateDuration;
    private final Gauge vrrpLastTransition;
    private final Counter realServerTransitions;
    private final Counter virtualServerTransitions;
    private final Histogram checkDuration;
    private final Counter adminAuthFailures;
    private final Counter adminRefused;
    /** When each instance entered its state, on the monotonic clock: a step of the wall clock is no time in a state. */
    private final Map<String, Long> enteredState = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;
    private volatile @Nullable MailAlerter mail;
    private final List<NotifyFifo> fifos = new CopyOnWriteArrayList<>();
    private final AtomicBoolean jvmMetricsRegistered = new AtomicBoolean();

    public VigilMetrics(Supplier<StatusSnapshot> status) {
        this(status, System::nanoTime);
    }

    /** With {@code nanoTime} as the monotonic clock that times VRRP states (tests pass their own). */
    public VigilMetrics(Supplier<StatusSnapshot> status, LongSupplier nanoTime) {
        Objects.requireNonNull(status, "status");
        this.nanoTime = nanoTime;
        registry.register(new StatusCollector(status, () -> mail, () -> fifos));
        // Without exemplars: Vigil has no trace to link them to, and their sampler runs a thread of its own.
        vrrpTransitions = Counter.builder().name("vigil_vrrp_transitions_total")
                .help("State changes of VRRP instances").labelNames("instance", "from", "to").withoutExemplars().register(registry);
        vrrpGroupTransitions = Counter.builder().name("vigil_vrrp_group_transitions_total")
                .help("State changes of VRRP sync groups").labelNames("group", "from", "to").withoutExemplars().register(registry);
        vrrpStateDuration = Histogram.builder().name("vigil_vrrp_state_duration_seconds")
                .help("How long a VRRP instance stayed in a state before leaving it (short = flapping)")
                .labelNames("instance", "state").classicOnly()
                .classicUpperBounds(1, 5, 30, 60, 300, 1800, 3600, 21600, 86400, 604800).withoutExemplars().register(registry);
        vrrpLastTransition = Gauge.builder().name("vigil_vrrp_last_transition_timestamp_seconds")
                .help("Unix time of the VRRP instance's last state change").labelNames("instance").withoutExemplars().register(registry);
        realServerTransitions = Counter.builder().name("vigil_real_server_transitions_total")
                .help("Real servers going up, down, into maintenance or draining")
                .labelNames("virtual_server", "protocol", "real_server", "state").withoutExemplars().register(registry);
        virtualServerTransitions = Counter.builder().name("vigil_virtual_server_quorum_transitions_total")
                .help("Virtual servers gaining (up) or losing (down) their quorum")
                .labelNames("virtual_server", "protocol", "quorum").withoutExemplars().register(registry);
        checkDuration = Histogram.builder().name("vigil_check_duration_seconds")
                .help("Duration of health checks by checker type and result").labelNames("checker", "result")
                .classicOnly().classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .withoutExemplars().register(registry);
        adminAuthFailures = Counter.builder().name("vigil_admin_auth_failures_total")
                .help("State-changing admin requests refused for a missing or wrong bearer token").withoutExemplars().register(registry);
        adminRefused = Counter.builder().name("vigil_admin_refused_total")
                .help("Admin requests refused unread: a foreign Host header (host), or a source locked out after "
                        + "wrong tokens (lockout)").labelNames("reason").withoutExemplars().register(registry);
    }

    /**
     * What {@code JvmMetrics.builder()} registers but its native-memory metrics: those ask the JVM through the
     * platform MBean server's DiagnosticCommand bean, which loads JMX and JFR's command classes (~600 of them,
     * 3.2 MiB of the daemon's memory: docs/performance.md) to report nothing unless native memory tracking was
     * turned on ({@code jcmd VM.native_memory} does that job when it is). Registered at the first scrape, not
     * before: a node nobody scrapes does not keep their ~200 classes (the MXBeans') loaded.
     */
    private static void registerJvmMetrics(PrometheusRegistry registry) {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /** Exposes the alerter's sent/failed/dropped counts ({@code vigil_mail_*_total}). */
    public void watch(MailAlerter alerter) {
        this.mail = alerter;
    }

    /** Adds the FIFO's written/dropped/failed counts to {@code vigil_notify_fifo_lines_*_total}. */
    public void watch(NotifyFifo fifo) {
        fifos.add(fifo);
    }

    /** One finished health check: {@code checker} is the type ({@code TCP_CHECK}, {@code HTTP_GET}, ...). */
    public void observeCheck(String checker, Duration duration, boolean success) {
        checkDuration.labelValues(checker, success ? "success" : "failure").observe(duration.toNanos() / 1e9);
    }

    @Override
    public void vrrpTransition(VrrpTransition t) {
        if (t.scope() == VrrpTransition.Scope.GROUP) {
            vrrpGroupTransitions.labelValues(t.name(), t.from().name(), t.to().name()).inc();
            return;
        }
        vrrpTransitions.labelValues(t.name(), t.from().name(), t.to().name()).inc();
        vrrpLastTransition.labelValues(t.name()).set(t.time().toEpochMilli() / 1000.0);
        long now = nanoTime.getAsLong();
        Long entered = enteredState.put(t.name(), now);
        if (entered != null) vrrpStateDuration.labelValues(t.name(), t.from().name()).observe((now - entered) / 1e9);
    }

    @Override
    public void realServerTransition(RealServerTransition t) {
        realServerTransitions.labelValues(t.virtualServer().toString(), t.protocol().name(), t.realServerEndpoint(),
                t.state().name()).inc();
    }

    @Override
    public void virtualServerTransition(VirtualServerTransition t) {
        virtualServerTransitions.labelValues(t.virtualServer().toString(), t.protocol().name(), t.up() ? "up" : "down")
                .inc();
    }

    void adminAuthFailure() {
        adminAuthFailures.inc();
    }

    public long adminAuthFailures() {
        return (long) adminAuthFailures.get();
    }

    /** An admin request refused before it was looked at; {@code reason} is {@code host} or {@code lockout}. */
    void adminRefused(String reason) {
        adminRefused.labelValues(reason).inc();
    }

    /** Content type for a scrape that sent {@code accept}: OpenMetrics if asked for, else Prometheus text. */
    ExpositionFormatWriter writerFor(String accept) {
        OpenMetricsTextFormatWriter open = OpenMetricsTextFormatWriter.create();
        if (accept != null && open.accepts(accept)) return open;
        return PrometheusTextFormatWriter.create();
    }

    /** Writes a scrape in the format {@code accept} asks for and returns its content type. */
    public String scrape(String accept, OutputStream out) throws IOException {
        if (jvmMetricsRegistered.compareAndSet(false, true)) registerJvmMetrics(registry);
        ExpositionFormatWriter writer = writerFor(accept);
        writer.write(out, registry.scrape());
        return writer.getContentType();
    }
}
