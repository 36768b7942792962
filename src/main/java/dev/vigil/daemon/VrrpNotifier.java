package dev.vigil.daemon;

import dev.vigil.config.Notify;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.Script;
import dev.vigil.config.VirtualIp;
import dev.vigil.forward.ForwardingEngine;
import dev.vigil.report.Reporting;
import dev.vigil.report.SmtpAlertPolicy;
import dev.vigil.report.VrrpTransition;
import dev.vigil.script.ScriptRunner;
import dev.vigil.vrrp.VrrpListener;
import dev.vigil.vrrp.VrrpState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Turns VRRP state changes into keepalived's notify scripts ({@code notify_master} ... as written, the
 * generic {@code notify} with {@code INSTANCE|GROUP name STATE priority} appended), alerts and
 * metrics. Scripts are started and not waited for: a hung script never delays a failover.
 */
final class VrrpNotifier implements VrrpListener {
    private static final Logger LOG = LoggerFactory.getLogger(VrrpNotifier.class);
    static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);

    private volatile NodeConfig config;
    /** The configuration before the last reload: an instance it removed may still have a STOP to report. */
    private volatile NodeConfig previous;
    private final ScriptRunner scripts;
    private final Reporting reporting;
    private final ForwardingEngine engine;
    /**
     * The last notify script started for each instance or group. A new one runs after it ends, so a quick
     * MASTER -> BACKUP flip runs the article's "add SNAT rules" before its "remove them", never the reverse;
     * the VRRP thread itself never waits.
     */
    private final Map<String, CompletableFuture<?>> lastScript = new HashMap<>();

    VrrpNotifier(NodeConfig config, ScriptRunner scripts, Reporting reporting, ForwardingEngine engine) {
        this.config = config;
        this.previous = config;
        this.scripts = scripts;
        this.reporting = reporting;
        this.engine = engine;
    }

    /** A reload: notify scripts, mail settings and VIPs are now those of {@code next}. */
    void use(NodeConfig next) {
        previous = config;
        config = next;
    }

    @Override
    public void onStateChange(String instanceName, VrrpState oldState, VrrpState newState, int priority) {
        NodeConfig config = this.config;
        var instance = config.vrrpInstance(instanceName).or(() -> previous.vrrpInstance(instanceName));
        if (instance.isEmpty()) return;
        LOG.info("VRRP instance {}: {} -> {} (priority {})", instanceName, oldState, newState, priority);
        if (oldState == VrrpState.MASTER && newState != VrrpState.MASTER) {
            List<InetAddress> vips = instance.get().virtualIps().stream().map(VirtualIp::address).toList();
            int closed = engine.addressesReleased(vips);
            if (closed > 0) LOG.info("VRRP instance {}: closed {} connection(s) to its VIPs, now served elsewhere",
                    instanceName, closed);
        }
        runNotify(instance.get().notifyScripts(), "INSTANCE", instanceName, newState, priority);
        reporting.vrrpTransition(transition(VrrpTransition.Scope.INSTANCE, instanceName, oldState, newState, priority),
                SmtpAlertPolicy.forInstance(config.global(), instance.get()));
    }

    @Override
    public void onSyncGroupStateChange(String groupName, VrrpState oldState, VrrpState newState) {
        NodeConfig config = this.config;
        var group = Stream.concat(config.syncGroups().stream(), previous.syncGroups().stream())
                .filter(g -> g.name().equals(groupName)).findFirst();
        if (group.isEmpty()) return;
        LOG.info("VRRP sync group {}: {} -> {}", groupName, oldState, newState);
        runNotify(group.get().notifyScripts(), "GROUP", groupName, newState, 0);
        reporting.vrrpTransition(transition(VrrpTransition.Scope.GROUP, groupName, oldState, newState, 0),
                SmtpAlertPolicy.forSyncGroup(config.global(), group.get()));
    }

    private void runNotify(Notify notify, String kind, String name, VrrpState state, int priority) {
        Optional<Script> specific = switch (state) {
            case MASTER -> notify.master();
            case BACKUP -> notify.backup();
            case FAULT -> notify.fault();
            case STOP -> notify.stop();
            case INIT -> Optional.empty();
        };
        specific.ifPresent(s -> after(kind + " " + name, () -> scripts.run(s, NOTIFY_TIMEOUT)));
        notify.any().ifPresent(s -> after(kind + " " + name, () -> scripts.run(s,
                List.of(kind, name, state.name(), Integer.toString(priority)), NOTIFY_TIMEOUT, Map.of())));
    }

    /** Listener calls arrive on one thread, in order; the scripts of one instance run in that order too. */
    private void after(String key, Supplier<CompletableFuture<?>> script) {
        lastScript.compute(key, (k, previous) -> previous == null ? script.get()
                : previous.handle((r, e) -> null).thenCompose(ignored -> script.get()));
    }

    private static VrrpTransition transition(VrrpTransition.Scope scope, String name, VrrpState from, VrrpState to,
                                             int priority) {
        return new VrrpTransition(scope, name, ReportedState.of(from), ReportedState.of(to), priority,
                Clock.systemUTC().instant());
    }

}
