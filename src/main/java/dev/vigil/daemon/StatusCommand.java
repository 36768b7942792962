package dev.vigil.daemon;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil status}: not built yet. */
@Command(name = "status", description = "Not available yet.")
final class StatusCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil status: not available yet");
        return 2;
    }
}
