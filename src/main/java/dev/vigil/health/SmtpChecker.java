package dev.vigil.health;

import dev.vigil.config.Checker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/** {@code SMTP_CHECK}: a 220 banner, then {@code HELO name} answered 250; QUIT to end politely. */
final class SmtpChecker implements HealthCheck {

    /** keepalived's default HELO name. */
    static final String DEFAULT_HELO = "smtpchecker.keepalived.org";

    private final Checker.SmtpCheck config;
    private final InetSocketAddress target;
    private final Duration timeout;

    SmtpChecker(Checker.SmtpCheck config, InetSocketAddress target, Duration timeout) {
        this.config = config;
        this.target = target;
        this.timeout = timeout;
    }

    @Override
    public CheckResult check() {
        long t0 = System.nanoTime();
        var conn = config.connection();
        try (CheckConnection c = CheckConnection.open(target, conn.bindTo(), conn.bindPort(), timeout)) {
            int banner = reply(c);
            if (banner != 220) return CheckResult.fail("SMTP banner " + banner + ", expected 220", TcpChecker.since(t0));
            c.write("HELO " + config.heloName().orElse(DEFAULT_HELO) + "\r\n");
            int helo = reply(c);
            if (helo != 250) return CheckResult.fail("SMTP HELO answered " + helo + ", expected 250", TcpChecker.since(t0));
            try {
                c.write("QUIT\r\n");
            } catch (IOException ignored) {
                // the verdict is already in
            }
            return CheckResult.pass(TcpChecker.since(t0));
        } catch (IOException e) {
            return CheckResult.fail("SMTP: " + HealthCheck.describe(e, target), TcpChecker.since(t0));
        }
    }

    /** The code of a (possibly multi-line, {@code 250-...}) reply. */
    static int reply(CheckConnection c) throws IOException {
        while (true) {
            String line = c.readLine(4096);
            if (line == null) throw new IOException("connection closed");
            // three digits (RFC 5321): Integer.parseInt alone read "-54" as -54 and "+22" as 22
            if (line.length() < 3 || !HttpProbe.threeDigits(line.substring(0, 3))) {
                throw new IOException("not an SMTP reply: " + HttpProbe.abbreviate(line));
            }
            int code = Integer.parseInt(line.substring(0, 3));
            if (line.length() == 3 || line.charAt(3) != '-') return code;
        }
    }

    @Override
    public Duration hardTimeout() {
        return timeout.plusSeconds(2);
    }

    @Override
    public String kind() {
        return "SMTP_CHECK";
    }
}
