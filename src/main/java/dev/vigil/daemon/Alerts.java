package dev.vigil.daemon;

import dev.vigil.config.GlobalDefs;
import dev.vigil.config.ParseOptions;
import dev.vigil.report.MailAlerter;
import dev.vigil.report.NotifyFifo;
import dev.vigil.report.RealServerTransition;
import dev.vigil.report.TransitionListener;
import dev.vigil.report.VirtualServerTransition;
import dev.vigil.report.VrrpTransition;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where transitions go: metrics and notify FIFOs hear everything; mail only what {@code smtp_alert}
 * asks for, which the caller decides per event (keepalived: real servers alert by default, VRRP
 * instances only with {@code smtp_alert}).
 */
final class Alerts implements AutoCloseable {
    private final List<TransitionListener> always = new ArrayList<>();
    private final List<NotifyFifo> fifos = new ArrayList<>();
    private final Optional<MailAlerter> mail;

    Alerts(GlobalDefs globals, TransitionListener metrics) {
        always.add(metrics);
        globals.notifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.ALL)));
        globals.vrrpNotifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.VRRP)));
        globals.lvsNotifyFifo().ifPresent(p -> fifos.add(NotifyFifo.start(Path.of(p), NotifyFifo.Events.LVS)));
        always.addAll(fifos);
        mail = MailAlerter.Settings.from(globals)
                .map(s -> MailAlerter.start(s, globals.routerId().orElse(ParseOptions.shortHostName())));
    }

    Optional<MailAlerter> mail() {
        return mail;
    }

    List<NotifyFifo> fifos() {
        return fifos;
    }

    void vrrp(VrrpTransition t, boolean sendMail) {
        always.forEach(l -> l.vrrpTransition(t));
        if (sendMail) mail.ifPresent(m -> m.vrrpTransition(t));
    }

    void realServer(RealServerTransition t, boolean sendMail) {
        always.forEach(l -> l.realServerTransition(t));
        if (sendMail) mail.ifPresent(m -> m.realServerTransition(t));
    }

    void virtualServer(VirtualServerTransition t, boolean sendMail) {
        always.forEach(l -> l.virtualServerTransition(t));
        if (sendMail) mail.ifPresent(m -> m.virtualServerTransition(t));
    }

    @Override
    public void close() {
        mail.ifPresent(m -> m.close(Duration.ofSeconds(5)));
        fifos.forEach(NotifyFifo::close);
    }
}
