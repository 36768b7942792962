package dev.vigil.daemon;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil run}: not built yet. */
@Command(name = "run", description = "Not available yet.")
final class RunCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil run: not available yet");
        return 2;
    }
}
