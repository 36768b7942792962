package dev.vigil.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Vigil's logging, set up in code (logback finds it through {@code META-INF/services}) rather than by a
 * logback.xml: reading XML loads logback's configuration interpreter and the JDK's XML parser, some 400
 * classes that would stay in the daemon's memory for its whole life. One line per event on stdout:
 * {@code [TIME ]LEVEL Logger: message}, the message's control characters escaped ({@link LogLineLayout});
 * Netty's loggers from WARN up.
 * <ul>
 * <li>{@code VIGIL_LOG_TIME}: set but empty (the systemd unit) leaves the time out, as journald stamps
 * the time itself.</li>
 * <li>{@code VIGIL_LOG_LEVEL}: the root level (default INFO).</li>
 * </ul>
 * Either may also be given as a system property of the same name.
 */
public final class LogConfiguration extends ContextAwareBase implements Configurator {
    @Override
    public ExecutionStatus configure(LoggerContext context) {
        LogLineLayout layout = new LogLineLayout(!setting("VIGIL_LOG_TIME", "on").isEmpty());
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stdout = new ConsoleAppender<>();
        stdout.setContext(context);
        stdout.setName("STDOUT");
        stdout.setEncoder(encoder);
        stdout.start();
        context.getLogger("io.netty").setLevel(Level.WARN);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(setting("VIGIL_LOG_LEVEL", "INFO"), Level.INFO));
        root.addAppender(stdout);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** A system property, else the environment variable; set but empty counts as set. */
    private static String setting(String name, String otherwise) {
        String value = System.getProperty(name);
        if (value == null) value = System.getenv(name);
        return value == null ? otherwise : value;
    }
}
