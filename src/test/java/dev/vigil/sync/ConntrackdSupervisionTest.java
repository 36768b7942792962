package dev.vigil.sync;

import dev.vigil.config.Source;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The supervisor's view of a conntrackd that dies: a stand-in binary (a shell script that acts as conntrackd in
 * console mode and answers {@code -s} with conntrackd 1.4.7's captured output) is killed, or made to fail its
 * restarts; the loss is told once and counted, its end is told when a restarted one answers, and that one is asked
 * for {@code -n -B}. The real conntrackd's death is ConnectionSyncSystemTest's.
 */
@ComponentTest
class ConntrackdSupervisionTest {

    private record Event(boolean lost, String text) {}

    private static final class Recorder implements ConntrackdProcess.Events {
        final List<Event> events = new CopyOnWriteArrayList<>();

        @Override
        public void lost(String reason, long losses) {
            events.add(new Event(true, reason + " #" + losses));
        }

        @Override
        public void back(Duration down) {
            events.add(new Event(false, "after " + down.toMillis() + " ms"));
        }
    }

    /** The stand-in: console mode makes the control "socket" and sleeps; -s prints the capture; every option is logged. */
    private static String fake(Path dir) throws IOException {
        Path stats = dir.resolve("stats.txt");
        try (InputStream in = ConntrackdSupervisionTest.class.getResourceAsStream("conntrackd-1.4.7-s-backup.txt")) {
            Files.write(stats, in.readAllBytes());
        }
        Path script = dir.resolve("conntrackd");
        Files.writeString(script, """
                #!/bin/sh
                dir=$(dirname "$2")
                if [ $# -eq 2 ]; then
                  if [ -e %1$s/fail-start ]; then echo "[ERROR] can't open channel socket"; exit 1; fi
                  touch "$dir/conntrackd.ctl"
                  echo "[notice] -- starting in console mode --"
                  exec sleep 600
                fi
                printf "%%s\\n" "$3" >> %1$s/options.log
                [ "$3" = -s ] && cat %1$s/stats.txt
                exit 0
                """.formatted(dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script.toString();
    }

    private static SyncSettings settings() throws IOException {
        return new SyncSettings("eth1", Optional.of("VI_1"), 3780, InetAddress.getByName("225.0.0.50"),
                Optional.of(InetAddress.getByName("10.0.1.2")), Source.BUILT_IN);
    }

    @Test
    void aKilledConntrackdIsOneLossAndARestartThatAnswersEndsIt(@TempDir Path dir) throws Exception {
        Recorder events = new Recorder();
        try (ConnectionSync sync = ConnectionSync.start(settings(), InetAddress.getByName("10.0.1.1"),
                List.of(InetAddress.getByName("10.0.0.50")), events, dir.resolve("run"), fake(dir))) {
            within(Duration.ofSeconds(10), "the first statistics read", () -> sync.status().link().isPresent());
            ConnectionSync.Status before = sync.status();
            assertThat(before.link().get().stats()).isEqualTo(new ConntrackdStats(0, 3, 208, 436, 13, 15, 0, 0, 0, 0));
            assertThat(before.conntrackdRunning()).isTrue();
            assertThat(before.losses()).isZero();
            assertThat(events.events).isEmpty();
            long pid = before.pid().orElseThrow();

            ProcessHandle.of(pid).orElseThrow().destroyForcibly();
            within(Duration.ofSeconds(5), "the loss told", () -> !events.events.isEmpty());
            assertThat(events.events.getFirst().lost()).isTrue();
            assertThat(events.events.getFirst().text()).isEqualTo("conntrackd exited (status 137) #1");
            assertThat(sync.status().lostSince()).isPresent();
            assertThat(sync.status().losses()).isEqualTo(1);

            within(Duration.ofSeconds(15), "the sync back", () -> events.events.size() >= 2);
            assertThat(events.events.get(1).lost()).isFalse();
            ConnectionSync.Status after = sync.status();
            assertThat(after.lostSince()).isEmpty();
            assertThat(after.conntrackdRunning()).isTrue();
            assertThat(after.pid()).isPresent().isNotEqualTo(Optional.of(pid));
            assertThat(after.conntrackdRestarts()).isEqualTo(1);
            within(Duration.ofSeconds(5), "-n -B sent to the restarted daemon",
                    () -> sync.status().resyncsRequested() == 1 && sync.status().bulkSends() == 1);
            assertThat(Files.readAllLines(dir.resolve("options.log"))).containsSubsequence("-n", "-B");
        }
        assertThat(dir.resolve("run")).doesNotExist();
    }

    @Test
    void restartsThatKeepFailingAreOneLossNotOneEach(@TempDir Path dir) throws Exception {
        Recorder events = new Recorder();
        try (ConnectionSync sync = ConnectionSync.start(settings(), InetAddress.getByName("10.0.1.1"),
                List.of(InetAddress.getByName("10.0.0.50")), events, dir.resolve("run"), fake(dir))) {
            Files.createFile(dir.resolve("fail-start"));
            ProcessHandle.of(sync.status().pid().orElseThrow()).orElseThrow().destroyForcibly();
            // Back-off 1 s, then 2 s: two failed restarts after the kill within 5 s.
            within(Duration.ofSeconds(10), "two failed restarts", () -> sync.status().conntrackdRestarts() >= 3);
            assertThat(events.events).hasSize(1);
            assertThat(sync.status().losses()).isEqualTo(1);
            assertThat(sync.status().conntrackdRunning()).isFalse();
            Files.delete(dir.resolve("fail-start"));
            within(Duration.ofSeconds(20), "the sync back", () -> events.events.size() >= 2);
            assertThat(events.events.get(1).lost()).isFalse();
            assertThat(sync.status().losses()).isEqualTo(1);

            ProcessHandle.of(sync.status().pid().orElseThrow()).orElseThrow().destroyForcibly();
            within(Duration.ofSeconds(5), "a second loss", () -> events.events.size() >= 3);
            assertThat(events.events.get(2).text()).endsWith("#2");
        }
    }

    private static void within(Duration d, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("not within " + d.toSeconds() + " s: " + what);
            Thread.sleep(50);
        }
    }
}
