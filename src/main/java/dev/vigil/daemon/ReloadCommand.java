package dev.vigil.daemon;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil reload}: not built yet. */
@Command(name = "reload", description = "Not available yet.")
final class ReloadCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil reload: not available yet");
        return 2;
    }
}
