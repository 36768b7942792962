package dev.vigil.daemon;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import dev.vigil.text.ControlCharacters;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * One log line: {@code [yyyy-MM-dd HH:mm:ss.SSS ]LEVEL Logger: message}, then the stack trace of an exception
 * if the event has one. The message's control characters are escaped: whatever it quotes (a name from the
 * configuration, what a script printed, what a real server or an admin API client sent) cannot start a forged
 * log line or drive the terminal that shows the log; one line per message is what journald and every log
 * reader count on. Written out rather than as a logback pattern: PatternLayout registers its ~70 converters
 * as lambdas and loads them all, some 130 classes that would stay in the daemon's memory.
 */
final class LogLineLayout extends LayoutBase<ILoggingEvent> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS ");

    private final boolean withTime;
    private final ZoneId zone = ZoneId.systemDefault();

    /** {@code withTime} false: no time stamp (journald adds its own). */
    LogLineLayout(boolean withTime) {
        this.withTime = withTime;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(128);
        if (withTime) TIME.formatTo(Instant.ofEpochMilli(event.getTimeStamp()).atZone(zone), line);
        String level = event.getLevel().toString();
        line.append(level).repeat(' ', Math.max(0, 5 - level.length())).append(' ');
        String logger = event.getLoggerName();
        line.append(logger, logger.lastIndexOf('.') + 1, logger.length()).append(": ")
                .append(ControlCharacters.escape(event.getFormattedMessage())).append(System.lineSeparator());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) line.append(ThrowableProxyUtil.asString(thrown)).append(System.lineSeparator());
        return line.toString();
    }
}
