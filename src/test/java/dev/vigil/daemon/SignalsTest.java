package dev.vigil.daemon;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The main thread's signal loop: whatever a reload does, the next SIGHUP and SIGTERM are still acted on; and
 * the handlers with real signals, sent to a child JVM (not this one: a stop handler would keep surefire from
 * ending its fork).
 */
@ComponentTest
class SignalsTest {

    /** The child: installs the handlers, says so, then prints the events of two signals. */
    public static void main(String[] args) {
        Signals signals = Signals.install();
        System.out.println("ready");
        System.out.println(signals.next());
        System.out.println(signals.next());
    }

    @Test
    void aReloadThatThrowsAnythingLeavesReloadAndStopWorking() throws Exception {
        List<String> done = new CopyOnWriteArrayList<>();
        List<Throwable> failures = List.of(new OutOfMemoryError("Java heap space"),
                new IllegalStateException("a bug in the parser"), new StackOverflowError());
        Signals signals = new Signals();
        Signals.Target node = new Signals.Target() {
            int reloads;

            @Override
            public void reload() {
                int n = reloads++;
                if (n < failures.size()) {
                    Throwable t = failures.get(n);
                    if (t instanceof Error e) throw e;
                    throw (RuntimeException) t;
                }
                done.add("reloaded");
            }

            @Override
            public void stop() {
                done.add("stopped");
            }
        };
        var main = Executors.newSingleThreadExecutor();
        try {
            Future<?> loop = main.submit(() -> signals.dispatch(node));
            for (int i = 0; i < failures.size(); i++) signals.deliver(Signals.Event.RELOAD);
            signals.deliver(Signals.Event.RELOAD);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!done.contains("reloaded") && !loop.isDone() && System.nanoTime() < deadline) Thread.sleep(10);
            assertThat(done).as("the fourth SIGHUP, after three reloads that threw").containsExactly("reloaded");
            signals.deliver(Signals.Event.STOP);
            assertThat(loop.get(10, TimeUnit.SECONDS)).isEqualTo(0);
            assertThat(done).containsExactly("reloaded", "stopped");
        } finally {
            main.shutdownNow();
        }
    }

    @Test
    void aStopThatThrowsStillEndsTheLoopWithAnErrorExitCode() throws Exception {
        Signals signals = new Signals();
        signals.deliver(Signals.Event.STOP);
        int exit = signals.dispatch(new Signals.Target() {
            @Override
            public void reload() {
            }

            @Override
            public void stop() {
                throw new OutOfMemoryError("Java heap space");
            }
        });
        assertThat(exit).isEqualTo(1);
    }

    @Test
    void hupAsksForAReloadAndTermForAStop() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SignalsTest.class.getName())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("ready");
            signal("HUP", child.pid());
            assertThat(out.readLine()).isEqualTo("RELOAD");
            signal("TERM", child.pid());
            assertThat(out.readLine()).isEqualTo("STOP");
            assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).isZero(); // a default handler would have ended it with 128 + signal
        } finally {
            child.destroyForcibly();
        }
    }

    private static void signal(String name, long pid) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start().waitFor()).isZero();
    }
}
