package dev.vigil.script;

import dev.vigil.config.GlobalDefs.ScriptUser;
import dev.vigil.testing.ProcessTable;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static dev.vigil.health.ConfigFixtures.script;
import static dev.vigil.health.ConfigFixtures.scriptAs;
import static org.assertj.core.api.Assertions.assertThat;

class ScriptRunnerTest {

    @TempDir
    Path dir;

    private final ScriptRunner runner = new ScriptRunner(Optional.empty(), false, Duration.ofMillis(300));

    @AfterEach
    void stop() {
        runner.close();
    }

    private Path write(String name, String body) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private ScriptResult run(ScriptRunner r, Duration timeout, String... argv) throws Exception {
        return r.run(script(argv), timeout).get(30, TimeUnit.SECONDS);
    }

    @Test
    void capturesExitCodeAndBothOutputStreamsWithoutAShell() throws Exception {
        Path s = write("s.sh", "#!/bin/sh\necho \"out:$1\"\necho err >&2\nexit 3\n");
        // The argument holds characters a shell would expand; it must arrive verbatim.
        ScriptResult r = run(runner, Duration.ofSeconds(10), s.toString(), "a b;$HOME*");
        assertThat(r.exitCode()).isEqualTo(3);
        assertThat(r.timedOut()).isFalse();
        assertThat(r.output()).contains("out:a b;$HOME*").contains("err");
        assertThat(r.succeeded()).isFalse();
        assertThat(runner.counters().failures()).isEqualTo(1);
    }

    @Test
    void extraArgumentsFollowTheConfiguredOnesAndEnvironmentIsPassed() throws Exception {
        ScriptResult r = runner.run(script("/bin/sh", "-c", "echo \"$0 $1 $2 $VIGIL_X\"", "INSTANCE"),
                List.of("VI_1", "MASTER"), Duration.ofSeconds(10), java.util.Map.of("VIGIL_X", "x")).get(20, TimeUnit.SECONDS);
        assertThat(r.output().strip()).isEqualTo("INSTANCE VI_1 MASTER x");
    }

    @Test
    void outputIsBounded() throws Exception {
        ScriptResult r = run(runner, Duration.ofSeconds(10), "/bin/sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x");
        assertThat(r.exitCode()).isZero();
        assertThat(r.output()).startsWith("xxxx").endsWith("[truncated]");
        assertThat(r.output().length()).isLessThan(ScriptRunner.OUTPUT_LIMIT + 100);
    }

    @Test
    void environmentIsMinimal() throws Exception {
        ScriptResult r = run(runner, Duration.ofSeconds(10), "/usr/bin/env");
        assertThat(r.output()).contains("PATH=" + ScriptRunner.MINIMAL_PATH).doesNotContain("JAVA_HOME")
                .doesNotContain("HOME=");
    }

    @Test
    void timeoutKillsTheWholeTreeEvenWhenSigtermIsIgnored() throws Exception {
        Path pids = dir.resolve("pids");
        Path s = write("stubborn.sh", """
                #!/bin/bash
                trap '' TERM
                bash -c 'trap "" TERM; while :; do sleep 0.05; done' &
                echo $! >> %1$s
                sleep 300 &
                echo $! >> %1$s
                echo $$ >> %1$s
                echo started
                while :; do sleep 0.05; done
                """.formatted(pids));
        long t0 = System.nanoTime();
        ScriptResult r = run(runner, Duration.ofMillis(700), s.toString());
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(r.timedOut()).isTrue();
        assertThat(r.output()).contains("started");
        assertThat(took).isLessThan(8000);
        List<Long> all = Files.readAllLines(pids).stream().map(Long::parseLong).toList();
        assertThat(all).hasSize(3);
        for (long pid : all) {
            // a reaped process is gone; an unreaped zombie child of init is dead too
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
                    && !Files.readString(Path.of("/proc/" + pid + "/stat")).split(" ")[2].equals("Z");
            assertThat(alive).as("pid %d still alive", pid).isFalse();
        }
        assertThat(runner.counters().timeouts()).isEqualTo(1);
    }

    /**
     * A bounded fork bomb: it ignores SIGTERM and forks 200 sleepers, one in two detached at once (its
     * parent subshell exits, so it is re-parented out of the script's tree before any kill can find it),
     * then hangs. Every one of them must be gone after the timeout.
     */
    @Test
    void timeoutKillsAForkBombIncludingTheChildrenThatLeftTheTree() throws Exception {
        String tag = "fx-bomb-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        Path s = write("bomb.sh", """
                #!/bin/bash
                trap '' TERM
                for i in $(seq 200); do
                  if (( i % 2 )); then (exec -a "$1" sleep 3600) & else ( (exec -a "$1" sleep 3600) & ) fi
                done
                echo forked
                exec -a "$1" sleep 3600
                """);
        ScriptResult r = run(runner, Duration.ofSeconds(2), s.toString(), tag);
        assertThat(r.timedOut()).isTrue();
        assertThat(r.output()).contains("forked");
        System.out.println("fork bomb: timed out and killed after " + r.duration().toMillis() + " ms (timeout 2000 ms, grace 300 ms)");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        List<Long> left = ProcessTable.tagged(tag);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            left = ProcessTable.tagged(tag);
        }
        try {
            assertThat(left).as("processes of the fork bomb still running after its timeout").isEmpty();
        } finally {
            for (long pid : left) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void missingScriptIsReportedNotThrown() throws Exception {
        ScriptResult r = run(runner, Duration.ofSeconds(1), "/nonexistent/check.sh");
        assertThat(r.problem()).hasValueSatisfying(p -> assertThat(p).contains("/nonexistent/check.sh"));
        assertThat(r.succeeded()).isFalse();
    }

    @Test
    void scriptSecurityRefusesAWritableScriptNamingTheFile() throws Exception {
        ScriptRunner secure = new ScriptRunner(Optional.empty(), true, Duration.ofMillis(300));
        try {
            Path ok = write("ok.sh", "#!/bin/sh\nexit 0\n");
            assertThat(run(secure, Duration.ofSeconds(5), ok.toString()).succeeded()).isTrue();

            Path writable = write("w.sh", "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(writable, PosixFilePermissions.fromString("rwxr-xrwx"));
            ScriptResult r = run(secure, Duration.ofSeconds(5), writable.toString());
            assertThat(r.problem()).hasValueSatisfying(p -> assertThat(p).contains(writable.toString())
                    .contains("writable by every user"));

            Path open = Files.createDirectory(dir.resolve("open"));
            Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
            Path inside = open.resolve("x.sh");
            Files.writeString(inside, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rwxr-xr-x"));
            ScriptResult r2 = run(secure, Duration.ofSeconds(5), inside.toString());
            assertThat(r2.problem()).hasValueSatisfying(p -> assertThat(p).contains("directory " + open));
            assertThat(secure.counters().refused()).isEqualTo(2);
        } finally {
            secure.close();
        }
    }

    @Test
    @RequiresRoot(commands = {"setpriv", "runuser"})
    void runsAsTheConfiguredUserWhenRoot() throws Exception {
        ScriptRunner asNobody = new ScriptRunner(Optional.of(new ScriptUser("nobody", Optional.empty())), false,
                Duration.ofMillis(300));
        try {
            ScriptResult r = asNobody.run(script("/usr/bin/id", "-u"), Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
            assertThat(r.output().strip()).isEqualTo("65534");
            ScriptResult g = asNobody.run(scriptAs(new ScriptUser("nobody", Optional.of("nogroup")), "/usr/bin/id", "-g"),
                    Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
            assertThat(g.output().strip()).isEqualTo("65534");
        } finally {
            asNobody.close();
        }
    }

    @Test
    void closeKillsRunningScripts() throws Exception {
        Path pid = dir.resolve("pid");
        Path s = write("long.sh", "#!/bin/sh\necho $$ > " + pid + "\nexec sleep 300\n");
        var future = runner.run(script(s.toString()), Duration.ofMinutes(5));
        for (int i = 0; i < 200 && !(Files.exists(pid) && Files.size(pid) > 0); i++) Thread.sleep(20);
        runner.close();
        ScriptResult r = future.get(10, TimeUnit.SECONDS);
        assertThat(r.succeeded()).isFalse();
        long p = Long.parseLong(Files.readString(pid).strip());
        assertThat(ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
}
