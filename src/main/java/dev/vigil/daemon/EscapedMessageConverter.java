package dev.vigil.daemon;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.vigil.text.ControlCharacters;

/**
 * Logback's {@code %msg} with its control characters escaped (LogConfiguration puts it in place of the
 * original): whatever a log message quotes (a name from the configuration, what a script printed, what a
 * real server or an admin API client sent) cannot start a forged log line or drive the terminal that shows
 * the log. One line per message is what journald and every log reader count on.
 */
public final class EscapedMessageConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return ControlCharacters.escape(event.getFormattedMessage());
    }
}
