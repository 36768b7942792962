package dev.vigil.daemon;

import dev.vigil.config.Notify;
import dev.vigil.config.NodeConfig;
import dev.vigil.config.Script;
import dev.vigil.report.VrrpTransition;
import dev.vigil.script.ScriptRunner;
import dev.vigil.vrrp.VrrpListener;
import dev.vigil.vrrp.VrrpState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns VRRP state changes into keepalived's notify scripts ({@code notify_master} ... as written, the
 * generic {@code notify} with {@code INSTANCE|GROUP name STATE priority} appended), alerts and
 * metrics. Scripts are started and not waited for: a hung script never delays a failover.
 */
final class VrrpNotifier implements VrrpListener {
    private static final Logger LOG = LoggerFactory.getLogger(VrrpNotifier.class);
    static final Duration NOTIFY_TIMEOUT = Duration.ofSeconds(30);

    private final NodeConfig config;
    private final ScriptRunner scripts;
    private final Alerts alerts;

    VrrpNotifier(NodeConfig config, ScriptRunner scripts, Alerts alerts) {
        this.config = config;
        this.scripts = scripts;
        this.alerts = alerts;
    }

    @Override
    public void onStateChange(String instanceName, VrrpState oldState, VrrpState newState, int priority) {
        var instance = config.vrrpInstance(instanceName);
        if (instance.isEmpty()) return;
        LOG.info("VRRP instance {}: {} -> {} (priority {})", instanceName, oldState, newState, priority);
        runNotify(instance.get().notifyScripts(), "INSTANCE", instanceName, newState, priority);
        boolean mail = instance.get().smtpAlert().orElse(config.global().smtpAlert());
        alerts.vrrp(transition(VrrpTransition.Scope.INSTANCE, instanceName, oldState, newState, priority), mail);
    }

    @Override
    public void onSyncGroupStateChange(String groupName, VrrpState oldState, VrrpState newState) {
        var group = config.syncGroups().stream().filter(g -> g.name().equals(groupName)).findFirst();
        if (group.isEmpty()) return;
        LOG.info("VRRP sync group {}: {} -> {}", groupName, oldState, newState);
        runNotify(group.get().notifyScripts(), "GROUP", groupName, newState, 0);
        boolean mail = group.get().smtpAlert().orElse(config.global().smtpAlert());
        alerts.vrrp(transition(VrrpTransition.Scope.GROUP, groupName, oldState, newState, 0), mail);
    }

    private void runNotify(Notify notify, String kind, String name, VrrpState state, int priority) {
        Optional<Script> specific = switch (state) {
            case MASTER -> notify.master();
            case BACKUP -> notify.backup();
            case FAULT -> notify.fault();
            case STOP -> notify.stop();
            case INIT -> Optional.empty();
        };
        specific.ifPresent(s -> scripts.run(s, NOTIFY_TIMEOUT));
        notify.any().ifPresent(s -> scripts.run(withArguments(s, kind, name, state.name(), Integer.toString(priority)),
                NOTIFY_TIMEOUT));
    }

    /** keepalived's generic notify: the script's own arguments, then {@code TYPE NAME STATE PRIORITY}. */
    static Script withArguments(Script script, String... extra) {
        List<String> argv = new ArrayList<>(script.argv());
        argv.addAll(List.of(extra));
        return new Script(script.commandLine() + " " + String.join(" ", extra), argv, script.user(), script.source());
    }

    private static VrrpTransition transition(VrrpTransition.Scope scope, String name, VrrpState from, VrrpState to,
                                             int priority) {
        return new VrrpTransition(scope, name, dev.vigil.report.VrrpState.valueOf(from.name()),
                dev.vigil.report.VrrpState.valueOf(to.name()), priority, Clock.systemUTC().instant());
    }

}
