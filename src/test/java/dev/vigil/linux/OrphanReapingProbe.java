package dev.vigil.linux;

import dev.vigil.script.ScriptResult;
import dev.vigil.script.ScriptRunner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.vigil.health.ConfigFixtures.script;

/**
 * Run by {@link OrphanReapingTest} in its own JVM (as PID 1 of a fresh PID namespace, or as a plain child):
 * starts reaping as the daemon does, runs check scripts that leave background children behind, mixed with
 * scripts that exit at once, and prints what it saw as {@code probe KEY=VALUE} lines.
 */
public final class OrphanReapingProbe {

    private static final int SCRIPTS = 100;

    public static void main(String[] args) throws Exception {
        long self = ProcessHandle.current().pid();
        System.out.println("probe pid=" + self);
        Path pids = Files.createTempDirectory("vigil-orphans-");
        try (var _ = ChildProcesses.startReaping(Duration.ofMillis(10));
             ScriptRunner runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(300))) {
            List<CompletableFuture<ScriptResult>> runs = new ArrayList<>();
            for (int i = 0; i < SCRIPTS; i++) {
                int code = 1 + i % 200;
                // Odd runs leave a sleeping orphan behind (not holding the output pipe, so the run ends when
                // the script does); even ones exit at once. A reaper blocked in waitpid(-1) takes about half
                // of these exit statuses from the JDK, which then reports exit 0.
                String command = i % 2 == 1
                        ? "sleep 2 >/dev/null 2>&1 & echo $! > " + pids.resolve(Integer.toString(i)) + "; exit " + code
                        : "exit " + code;
                runs.add(runner.run(script("/bin/sh", "-c", command), Duration.ofSeconds(30)));
            }
            List<Long> orphans = new ArrayList<>();
            int wrongCodes = 0;
            int adopted = 0;
            for (int i = 0; i < SCRIPTS; i++) {
                ScriptResult r = runs.get(i).get(60, TimeUnit.SECONDS);
                if (r.exitCode() != 1 + i % 200) {
                    wrongCodes++;
                    System.out.println("probe wrong-code run=" + i + " got=" + r.describe());
                }
                if (i % 2 == 1) {
                    long orphan = Long.parseLong(Files.readString(pids.resolve(Integer.toString(i))).strip());
                    orphans.add(orphan);
                    if (parentOf(orphan) == self) adopted++;
                }
            }
            System.out.println("probe wrong-codes=" + wrongCodes);
            System.out.println("probe adopted=" + adopted + "/" + orphans.size());
            // The orphans sleep 2 s; give the reaper time after that.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            List<Long> zombies;
            do {
                Thread.sleep(200);
                zombies = zombies(self);
            } while ((!zombies.isEmpty() || orphans.stream().anyMatch(p -> Files.exists(Path.of("/proc/" + p))))
                    && System.nanoTime() < deadline);
            System.out.println("probe zombies=" + zombies.size() + " " + zombies);
            System.out.println("probe orphans-left=" + orphans.stream().filter(p -> Files.exists(Path.of("/proc/" + p))).count());
        } finally {
            try (var files = Files.list(pids)) {
                for (Path f : files.toList()) Files.delete(f);
            }
            Files.delete(pids);
        }
    }

    /** The parent's pid from {@code /proc/PID/stat} (after the command name, which may hold spaces). */
    private static long parentOf(long pid) {
        String[] f = statFields(pid);
        return f == null ? -1 : Long.parseLong(f[1]);
    }

    private static List<Long> zombies(long parent) throws IOException {
        List<Long> found = new ArrayList<>();
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path p : entries.toList()) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) continue;
                String[] f = statFields(Long.parseLong(name));
                if (f != null && f[0].equals("Z") && Long.parseLong(f[1]) == parent) found.add(Long.parseLong(name));
            }
        }
        return found;
    }

    /** The fields after the command name: state, ppid, ... ; null when the process is gone. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException e) {
            return null;
        }
    }
}
