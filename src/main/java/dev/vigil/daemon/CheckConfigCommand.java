package dev.vigil.daemon;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil check-config}: not built yet. */
@Command(name = "check-config", description = "Not available yet.")
final class CheckConfigCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil check-config: not available yet");
        return 2;
    }
}
