package dev.vigil.system;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import dev.vigil.linux.NetworkNamespace;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * The SMTP server of {@code global_defs}: GreenMail, started on a thread inside the SMTP namespace so
 * its listener (opened by a thread it starts, which inherits the namespace) lives there. A poller
 * stamps each message with the time it was first seen, so detection-to-mail delays can be measured.
 */
public final class MailCatcher implements AutoCloseable {

    /** One alert as received; {@code seenNanos} is {@link System#nanoTime()} when the poller first saw it. */
    public record Mail(String from, String to, String subject, String body, long seenNanos) {}

    private final GreenMail greenMail;
    private final List<Mail> mails = new CopyOnWriteArrayList<>();
    private final Thread poller;
    private volatile boolean closed;

    private MailCatcher(GreenMail greenMail) {
        this.greenMail = greenMail;
        this.poller = Thread.ofVirtual().name("mail-poller").unstarted(this::poll);
    }

    /** Starts an SMTP server on {@code address:port} inside {@code namespace}. */
    public static MailCatcher start(String namespace, String address, int port) throws Exception {
        GreenMail gm = NetworkNamespace.call(namespace, () -> {
            GreenMail g = new GreenMail(new ServerSetup(port, address, ServerSetup.PROTOCOL_SMTP));
            g.start();
            return g;
        });
        MailCatcher c = new MailCatcher(gm);
        c.poller.start();
        return c;
    }

    private void poll() {
        while (!closed) {
            MimeMessage[] received = greenMail.getReceivedMessages();
            for (int i = mails.size(); i < received.length; i++) mails.add(convert(received[i]));
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Mail convert(MimeMessage m) {
        try {
            String from = m.getFrom() == null ? "" : m.getFrom()[0].toString();
            String to = m.getAllRecipients() == null ? "" : m.getAllRecipients()[0].toString();
            return new Mail(from, to, String.valueOf(m.getSubject()), GreenMailUtil.getBody(m), System.nanoTime());
        } catch (MessagingException e) {
            return new Mail("", "", "unreadable: " + e.getMessage(), "", System.nanoTime());
        }
    }

    public List<Mail> mails() {
        return List.copyOf(mails);
    }

    /** The first mail matching {@code which}, waiting up to {@code timeout}. */
    public Optional<Mail> await(Predicate<Mail> which, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        do {
            for (Mail m : mails) if (which.test(m)) return Optional.of(m);
            Thread.sleep(50);
        } while (System.nanoTime() < end);
        return Optional.empty();
    }

    @Override
    public void close() {
        closed = true;
        poller.interrupt();
        greenMail.stop();
    }
}
