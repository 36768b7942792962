package dev.vigil.daemon;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Vigil's logging ({@link LogConfiguration}), as the daemon prints with it. */
class LogConfigurationTest {

    @Test
    void controlCharactersInAMessageAreEscapedSoALogLineCannotBeForgedOrRecolour() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        var stdout = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
        assertThat(stdout).as("LogConfiguration's STDOUT appender").isNotNull();
        ch.qos.logback.classic.Logger log = context.getLogger("dev.vigil.health.HealthMonitor");
        // A reason as a hostile real server or script could word it, and a name from the configuration.
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), log, Level.WARN, "{} real server {}: {} ({})",
                null, new Object[] {"[10.0.0.1]:443", "10.0.0.11:443", "DOWN",
                        "misc_path: exit 1: \u001b[2J\n2026-12-02 04:00:00.000 INFO  Node: all fine\r\t\u007f"});
        String line = new String(stdout.getEncoder().encode(event), StandardCharsets.UTF_8);
        assertThat(line).endsWith("WARN  HealthMonitor: [10.0.0.1]:443 real server 10.0.0.11:443: DOWN (misc_path: exit 1:"
                + " \\x1b[2J\\n2026-12-02 04:00:00.000 INFO  Node: all fine\\r\\t\\x7f)" + System.lineSeparator());
        assertThat(line.strip().chars().noneMatch(Character::isISOControl)).isTrue();
    }

    @Test
    void anEmptyTimeSettingLeavesTheTimeOutAndTheLevelIsTaken() {
        String time = System.getProperty("VIGIL_LOG_TIME");
        String level = System.getProperty("VIGIL_LOG_LEVEL");
        System.setProperty("VIGIL_LOG_TIME", "");
        System.setProperty("VIGIL_LOG_LEVEL", "DEBUG");
        try {
            LoggerContext context = new LoggerContext();
            assertThat(new LogConfiguration().configure(context)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            assertThat(root.getLevel()).isEqualTo(Level.DEBUG);
            assertThat(context.getLogger("io.netty.channel").getEffectiveLevel()).isEqualTo(Level.WARN);
            var stdout = (OutputStreamAppender<ILoggingEvent>) root.getAppender("STDOUT");
            ch.qos.logback.classic.Logger log = context.getLogger("dev.vigil.daemon.Node");
            LoggingEvent event = new LoggingEvent(Logger.class.getName(), log, Level.INFO, "up\n", null, null);
            assertThat(new String(stdout.getEncoder().encode(event), StandardCharsets.UTF_8))
                    .isEqualTo("INFO  Node: up\\n" + System.lineSeparator());
        } finally {
            restore("VIGIL_LOG_TIME", time);
            restore("VIGIL_LOG_LEVEL", level);
        }
    }

    @Test
    void aLineIsStampedWithTheTimeAndAnExceptionIsFollowedByItsStackTrace() {
        String time = System.getProperty("VIGIL_LOG_TIME");
        System.clearProperty("VIGIL_LOG_TIME");
        try {
            LoggerContext context = new LoggerContext();
            new LogConfiguration().configure(context);
            var stdout = (OutputStreamAppender<ILoggingEvent>) context.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDOUT");
            ch.qos.logback.classic.Logger log = context.getLogger("dev.vigil.daemon.Node");
            LoggingEvent event = new LoggingEvent(Logger.class.getName(), log, Level.ERROR, "reload failed",
                    new IllegalStateException("boom"), null);
            event.setTimeStamp(java.time.LocalDateTime.of(2026, 12, 3, 9, 5, 7, 42_000_000)
                    .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli());
            String text = new String(stdout.getEncoder().encode(event), StandardCharsets.UTF_8);
            assertThat(text).startsWith("2026-12-03 09:05:07.042 ERROR Node: reload failed" + System.lineSeparator()
                    + "java.lang.IllegalStateException: boom" + System.lineSeparator() + "\tat dev.vigil.daemon.LogConfigurationTest.")
                    .endsWith(System.lineSeparator());
        } finally {
            restore("VIGIL_LOG_TIME", time);
        }
    }

    private static void restore(String name, String value) {
        if (value == null) System.clearProperty(name);
        else System.setProperty(name, value);
    }
}
