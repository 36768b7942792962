package dev.vigil.health;

import dev.vigil.config.Checker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/** {@code TCP_CHECK}: the server passes if a TCP connection opens within {@code connect_timeout}. */
final class TcpChecker implements HealthCheck {

    private final Checker.Connection connection;
    private final InetSocketAddress target;
    private final Duration timeout;

    TcpChecker(Checker.Connection connection, InetSocketAddress target, Duration timeout) {
        this.connection = connection;
        this.target = target;
        this.timeout = timeout;
    }

    @Override
    public CheckResult check() {
        long t0 = System.nanoTime();
        try {
            CheckConnection.open(target, connection.bindTo(), connection.bindPort(), timeout).close();
            return CheckResult.pass(since(t0));
        } catch (IOException e) {
            return CheckResult.fail(HealthCheck.describe(e, target), since(t0));
        }
    }

    static Duration since(long t0) {
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    @Override
    public Duration hardTimeout() {
        return timeout.plusSeconds(2);
    }

    @Override
    public String kind() {
        return "TCP_CHECK";
    }
}
