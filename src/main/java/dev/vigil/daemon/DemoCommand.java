package dev.vigil.daemon;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** {@code vigil demo}: not built yet. */
@Command(name = "demo", description = "Not available yet.")
final class DemoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("vigil demo: not available yet");
        return 2;
    }
}
