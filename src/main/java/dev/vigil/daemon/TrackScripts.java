package dev.vigil.daemon;

import dev.vigil.config.VrrpScript;
import dev.vigil.script.ScriptRunner;
import dev.vigil.vrrp.VrrpNode;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs every {@code vrrp_script} at its interval, with its timeout, and tells the VRRP node how each
 * run went. A run that is still going when the next is due is not doubled up.
 */
final class TrackScripts implements AutoCloseable {
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("vrrp-script-timer").factory());

    // The runs repeat until close() shuts the timer down; ScriptRunner.run never completes exceptionally
    // and the callback only reports the result.
    @SuppressWarnings("FutureReturnValueIgnored")
    TrackScripts(List<VrrpScript> scripts, ScriptRunner runner, VrrpNode node) {
        for (VrrpScript s : scripts) {
            var running = new java.util.concurrent.atomic.AtomicBoolean();
            timer.scheduleWithFixedDelay(() -> {
                if (!running.compareAndSet(false, true)) return;
                runner.run(s.script(), s.timeout()).whenComplete((result, error) -> {
                    running.set(false);
                    node.reportScriptResult(s.name(), error == null && result.succeeded());
                });
            }, 0, s.interval().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
