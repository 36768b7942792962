package dev.vigil.report;

import dev.vigil.config.GlobalDefs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything of the report package a running node needs, started from {@code global_defs}: metrics, the
 * admin endpoint, notify FIFOs and (when configured) alert mail. The daemon hands every transition here
 * once, saying whether {@code smtp_alert} applies ({@link SmtpAlertPolicy}); nothing here ever blocks it.
 */
public final class Reporting implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Reporting.class);

    private final VigilMetrics metrics;
    private final List<NotifyFifo> fifos;
    private final Optional<MailAlerter> mail;
    private final AdminServer admin;
    private final TransitionListener always;

    private Reporting(VigilMetrics metrics, List<NotifyFifo> fifos, Optional<MailAlerter> mail, AdminServer admin) {
        this.metrics = metrics;
        this.fifos = List.copyOf(fifos);
        this.mail = mail;
        this.admin = admin;
        List<TransitionListener> listeners = new ArrayList<>();
        listeners.add(metrics);
        listeners.addAll(fifos);
        this.always = new TransitionFanout(listeners);
    }

    /**
     * Starts metrics, FIFOs, mail and the admin endpoint.
     *
     * @param routerId     {@code router_id}, or the host name when it is not configured (as keepalived)
     * @param adminAddress {@code --admin} from the command line, if given; else {@code vigil_admin}, else
     *                     {@code 127.0.0.1:9180}
     * @throws IOException if the admin address cannot be bound (nothing is left running then)
     */
    public static Reporting start(GlobalDefs globals, String routerId, Optional<InetSocketAddress> adminAddress,
                                  Supplier<StatusSnapshot> status, AdminActions actions) throws IOException {
        Objects.requireNonNull(globals, "globals");
        VigilMetrics metrics = new VigilMetrics(status);
        List<NotifyFifo> fifos = new ArrayList<>();
        globals.notifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.ALL)));
        globals.vrrpNotifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.VRRP)));
        globals.lvsNotifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.LVS)));
        fifos.forEach(metrics::watch);
        Optional<MailAlerter> mail = MailAlerter.Settings.from(globals).map(s -> MailAlerter.start(s, routerId));
        mail.ifPresent(metrics::watch);
        if (globals.smtpAlert() && mail.isEmpty()) {
            LOG.warn("smtp_alert is on but smtp_server or notification_email is missing: no alert mail will be sent");
        }
        try {
            AdminServer admin = AdminServer.start(AdminServer.bindAddress(adminAddress, globals), globals.adminToken(),
                    globals.adminHostNames(), status, actions, metrics, Clock.systemUTC());
            return new Reporting(metrics, fifos, mail, admin);
        } catch (IOException | RuntimeException e) {
            fifos.forEach(NotifyFifo::close);
            mail.ifPresent(m -> m.close(Duration.ZERO));
            throw e;
        }
    }

    public void vrrpTransition(VrrpTransition t, boolean smtpAlert) {
        always.vrrpTransition(t);
        if (smtpAlert) mail.ifPresent(m -> m.vrrpTransition(t));
    }

    public void realServerTransition(RealServerTransition t, boolean smtpAlert) {
        always.realServerTransition(t);
        if (smtpAlert) mail.ifPresent(m -> m.realServerTransition(t));
    }

    public void virtualServerTransition(VirtualServerTransition t, boolean smtpAlert) {
        always.virtualServerTransition(t);
        if (smtpAlert) mail.ifPresent(m -> m.virtualServerTransition(t));
    }

    public void syncTransition(SyncTransition t, boolean smtpAlert) {
        always.syncTransition(t);
        if (smtpAlert) mail.ifPresent(m -> m.syncTransition(t));
    }

    /** One finished health check, for {@code vigil_check_duration_seconds}. */
    public void observeCheck(String checker, Duration duration, boolean success) {
        metrics.observeCheck(checker, duration, success);
    }

    public VigilMetrics metrics() {
        return metrics;
    }

    public AdminServer admin() {
        return admin;
    }

    public Optional<MailAlerter> mail() {
        return mail;
    }

    /** Stops the admin endpoint at once, then gives queued mail and FIFO lines a moment to go out. */
    @Override
    public void close() {
        admin.close();
        fifos.forEach(f -> f.close(Duration.ofSeconds(1)));
        mail.ifPresent(m -> m.close(Duration.ofSeconds(5)));
    }
}
