package dev.vigil.report;

import dev.vigil.config.GlobalDefs;
import dev.vigil.text.ControlCharacters;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Sends keepalived-style alert mails ({@code smtp_alert}) on VRRP and real-server transitions. Callers
 * only enqueue: one virtual thread talks SMTP, a full queue drops the alert and counts it, and an
 * unreachable server costs a (rate-limited) log line and a counter, never a delayed failover. Each step
 * of the conversation waits at most {@code smtp_connect_timeout}, and the whole of it at most
 * {@link #conversationDeadline three times that}: a tar pit that answers a byte at a time, never slow
 * enough for a read to time out, costs each mail its deadline, not the queue forever. The caller
 * decides whether an event is alerted (global and per-instance {@code smtp_alert}); this class formats
 * and sends whatever it is given.
 */
public final class MailAlerter implements TransitionListener, AutoCloseable {

    public static final int DEFAULT_QUEUE_CAPACITY = 256;
    /** How many {@code smtp_connect_timeout}s one mail's whole conversation may take. */
    static final int CONVERSATION_TIMEOUTS = 3;
    private static final Logger LOG = LoggerFactory.getLogger(MailAlerter.class);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Where and how to send, from {@code global_defs}. */
    public record Settings(InetSocketAddress smtpServer, Duration connectTimeout, String from, List<String> to,
                           Optional<String> heloName) {
        public Settings {
            Objects.requireNonNull(smtpServer, "smtpServer");
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(from, "from");
            to = List.copyOf(to);
            Objects.requireNonNull(heloName, "heloName");
        }

        /**
         * The settings of {@code global_defs}, or empty when mail cannot be sent (no {@code smtp_server} or no
         * {@code notification_email}). The sender defaults to {@code vigil@HOSTNAME}, as keepalived's does to
         * {@code keepalived@HOSTNAME}.
         */
        public static Optional<Settings> from(GlobalDefs g) {
            if (g.smtpServer().isEmpty() || g.notificationEmail().isEmpty()) return Optional.empty();
            String from = g.notificationEmailFrom().orElseGet(() -> "vigil@" + hostName());
            return Optional.of(new Settings(g.smtpServer().get(), g.smtpConnectTimeout(), from, g.notificationEmail(),
                    g.smtpHeloName()));
        }

        private static String hostName() {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                return "localhost";
            }
        }
    }

    private record Alert(AlertMail mail, java.time.Instant time) {}

    private final Settings settings;
    private final String routerId;
    private final BlockingQueue<Alert> queue;
    /** Made for the first mail: a mail session loads every provider (SMTP, IMAP, POP3) and JUL, ~90 classes. */
    private @Nullable Session session;
    private final Thread sender;
    /** Runs each conversation, so that one past its deadline can be interrupted (which closes its socket). */
    private final ExecutorService conversations = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private long lastFailureLog = System.nanoTime() - LOG_INTERVAL_NANOS;
    private long failuresSinceLog;
    private volatile boolean closed;

    private MailAlerter(Settings settings, String routerId, int queueCapacity) {
        this.settings = settings;
        this.routerId = ControlCharacters.escape(Objects.requireNonNull(routerId, "routerId"));
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.sender = Thread.ofVirtual().name("vigil-mail").unstarted(this::sendLoop);
    }

    private synchronized Session session() {
        Session s = session;
        if (s == null) session = s = Session.getInstance(properties(settings));
        return s;
    }

    /** Starts the sender thread. {@code routerId} goes into every subject, as keepalived's does. */
    public static MailAlerter start(Settings settings, String routerId) {
        return start(settings, routerId, DEFAULT_QUEUE_CAPACITY);
    }

    public static MailAlerter start(Settings settings, String routerId, int queueCapacity) {
        if (queueCapacity < 1) throw new IllegalArgumentException("queue capacity must be positive");
        MailAlerter alerter = new MailAlerter(settings, routerId, queueCapacity);
        alerter.sender.start();
        return alerter;
    }

    @Override
    public void vrrpTransition(VrrpTransition t) {
        offer(AlertMail.of(routerId, t), t.time());
    }

    @Override
    public void realServerTransition(RealServerTransition t) {
        offer(AlertMail.of(routerId, t), t.time());
    }

    @Override
    public void virtualServerTransition(VirtualServerTransition t) {
        offer(AlertMail.of(routerId, t), t.time());
    }

    @Override
    public void syncTransition(SyncTransition t) {
        offer(AlertMail.of(routerId, t), t.time());
    }

    /** Mails handed to the SMTP server. */
    public long sent() {
        return sent.get();
    }

    /** Mails the SMTP server did not take (unreachable, refused, timed out). */
    public long failed() {
        return failed.get();
    }

    /** Alerts dropped because the queue was full or the alerter closed. */
    public long dropped() {
        return dropped.get();
    }

    /** Alerts waiting for the sender now, at most the queue's capacity. */
    public int queued() {
        return queue.size();
    }

    /** The longest one mail's whole SMTP conversation may take, for a given {@code smtp_connect_timeout}. */
    public static Duration conversationDeadline(Duration connectTimeout) {
        return connectTimeout.multipliedBy(CONVERSATION_TIMEOUTS);
    }

    private void offer(AlertMail mail, java.time.Instant time) {
        if (closed || !queue.offer(new Alert(mail, time))) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) LOG.warn("mail alert queue full, dropped '{}' ({} dropped so far)", mail.subject(), n);
        }
    }

    private void sendLoop() {
        while (!closed || !queue.isEmpty()) {
            Alert alert;
            try {
                alert = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (alert == null) continue;
            if (!send(alert)) break;
        }
        conversations.shutdownNow();
        int left = queue.size();
        if (left > 0) {
            dropped.addAndGet(left);
            queue.clear();
        }
    }

    /** One mail, within its deadline; false when the sender itself was interrupted (the alerter closes). */
    private boolean send(Alert alert) {
        Duration deadline = conversationDeadline(settings.connectTimeout());
        Future<?> conversation = conversations.submit(() -> {
            Transport.send(message(alert));
            return null;
        });
        try {
            conversation.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
            sent.incrementAndGet();
        } catch (ExecutionException e) {
            failed.incrementAndGet();
            logFailure(alert, e.getCause() instanceof Exception cause ? cause : e);
        } catch (TimeoutException e) {
            conversation.cancel(true);
            failed.incrementAndGet();
            logFailure(alert, new MessagingException("the conversation did not end within " + deadline.toMillis()
                    + " ms (" + CONVERSATION_TIMEOUTS + " x smtp_connect_timeout)"));
        } catch (InterruptedException e) {
            conversation.cancel(true);
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    private MimeMessage message(Alert alert) throws MessagingException {
        MimeMessage m = new MimeMessage(session());
        m.setFrom(new InternetAddress(settings.from()));
        List<InternetAddress> to = new ArrayList<>();
        for (String address : settings.to()) {
            try {
                to.add(new InternetAddress(address, true));
            } catch (AddressException e) {
                LOG.warn("notification_email '{}' is not a mail address, skipped", address);
            }
        }
        if (to.isEmpty()) throw new MessagingException("no valid notification_email address");
        m.setRecipients(Message.RecipientType.TO, to.toArray(InternetAddress[]::new));
        m.setSubject(alert.mail().subject(), StandardCharsets.UTF_8.name());
        m.setSentDate(Date.from(alert.time()));
        m.setHeader("X-Mailer", "Vigil");
        m.setText(alert.mail().body(), StandardCharsets.UTF_8.name());
        return m;
    }

    private void logFailure(Alert alert, Exception e) {
        failuresSinceLog++;
        long now = System.nanoTime();
        if (now - lastFailureLog < LOG_INTERVAL_NANOS) return;
        String cause = e.getMessage();
        for (Throwable c = e.getCause(); c != null; c = c.getCause()) if (c.getMessage() != null) cause = c.getMessage();
        LOG.warn("cannot send alert mail '{}' via {}:{}: {} ({} mail(s) failed since the last report)",
                alert.mail().subject(), settings.smtpServer().getHostString(), settings.smtpServer().getPort(),
                cause, failuresSinceLog);
        failuresSinceLog = 0;
        lastFailureLog = now;
    }

    private static Properties properties(Settings s) {
        Properties p = new Properties();
        String ms = Long.toString(Math.max(1, s.connectTimeout().toMillis()));
        p.setProperty("mail.smtp.host", s.smtpServer().getHostString());
        p.setProperty("mail.smtp.port", Integer.toString(s.smtpServer().getPort()));
        p.setProperty("mail.smtp.connectiontimeout", ms);
        p.setProperty("mail.smtp.timeout", ms);
        s.heloName().ifPresent(h -> p.setProperty("mail.smtp.localhost", h));
        return p;
    }

    /** Sends what is queued, waiting at most {@code timeout}; the rest is counted as dropped. */
    public void close(Duration timeout) {
        closed = true;
        try {
            if (!sender.join(timeout)) sender.interrupt();
        } catch (InterruptedException e) {
            sender.interrupt();
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
