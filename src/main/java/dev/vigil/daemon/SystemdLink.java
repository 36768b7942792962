package dev.vigil.daemon;

import dev.vigil.linux.SystemdNotifier;

import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What the systemd unit ({@code Type=notify}, {@code WatchdogSec}) hears from the daemon: readiness,
 * reloads, stopping, and watchdog pings at half the interval. Does nothing outside systemd.
 */
final class SystemdLink implements AutoCloseable {
    private final Optional<SystemdNotifier> notifier;
    private final Optional<ScheduledExecutorService> watchdog;

    @SuppressWarnings("FutureReturnValueIgnored") // the pings run until close() shuts the timer down
    private SystemdLink(Optional<SystemdNotifier> notifier) {
        this.notifier = notifier;
        long micros = SystemdNotifier.watchdogMicros();
        this.watchdog = notifier.filter(n -> micros > 0).map(n -> {
            var timer = Executors.newSingleThreadScheduledExecutor(
                    Thread.ofPlatform().daemon().name("systemd-watchdog").factory());
            timer.scheduleAtFixedRate(() -> n.notify("WATCHDOG=1"), 0, micros / 2, TimeUnit.MICROSECONDS);
            return timer;
        });
    }

    static SystemdLink start() {
        return new SystemdLink(SystemdNotifier.fromEnvironment());
    }

    void ready() {
        notifier.ifPresent(n -> n.notify("READY=1\nSTATUS=serving"));
    }

    void reloading() {
        notifier.ifPresent(n -> n.notify("RELOADING=1\nSTATUS=reloading"));
    }

    void stopping() {
        notifier.ifPresent(n -> n.notify("STOPPING=1\nSTATUS=stopping"));
    }

    @Override
    public void close() {
        watchdog.ifPresent(ScheduledExecutorService::shutdownNow);
    }
}
