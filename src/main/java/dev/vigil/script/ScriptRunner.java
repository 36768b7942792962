package dev.vigil.script;

import com.google.errorprone.annotations.CanIgnoreReturnValue;
import dev.vigil.config.GlobalDefs;
import dev.vigil.config.GlobalDefs.ScriptUser;
import dev.vigil.config.Script;
import dev.vigil.linux.ChildProcesses;
import dev.vigil.text.ControlCharacters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs configured scripts ({@code MISC_CHECK}, {@code notify_up}/{@code notify_down}, VRRP notifies):
 * the argument vector as written, no shell, on a virtual thread, with a minimal environment, output
 * captured (the first {@link #OUTPUT_LIMIT} bytes, stdout and stderr together) and a hard timeout that
 * kills the whole process tree: SIGTERM, then SIGKILL after a short grace, to the script's descendants and
 * to its process group (each script leads a session of its own, through util-linux {@code setsid}), which
 * still holds the children it detached. When Vigil runs as root and a
 * user is configured (the script's own or {@code script_user}), the script runs as that user through
 * util-linux {@code setpriv}/{@code runuser}. Callers get a future and never wait on a script.
 */
public final class ScriptRunner implements AutoCloseable {

    public static final int OUTPUT_LIMIT = 4096;
    public static final String KEEPALIVED_SCRIPT_USER = "keepalived_script";
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofMillis(500);
    static final String MINIMAL_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** util-linux: runs the script as the leader of a new session (it execs, the pid stays the script's). */
    static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Logger LOG = LoggerFactory.getLogger(ScriptRunner.class);

    private final Optional<ScriptUser> defaultUser;
    private final boolean scriptSecurity;
    private final Duration killGrace;
    private final int effectiveUid;
    private final boolean root;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean closed;

    /** Counters since start: runs attempted, non-zero exits or failures to start, timeouts, refusals. */
    public record Counters(long runs, long failures, long timeouts, long refused) {}

    /**
     * From {@code global_defs}: {@code script_user}, else with {@code enable_script_security} keepalived's
     * {@code keepalived_script} user when it exists (else root, with the path checks).
     */
    public ScriptRunner(GlobalDefs globals) {
        this(globals.scriptUser().or(() -> globals.enableScriptSecurity()
                        && ScriptSecurity.uidOf(KEEPALIVED_SCRIPT_USER).isPresent()
                        ? Optional.of(new ScriptUser(KEEPALIVED_SCRIPT_USER, Optional.empty())) : Optional.empty()),
                globals.enableScriptSecurity(), DEFAULT_KILL_GRACE);
    }

    public ScriptRunner(Optional<ScriptUser> defaultUser, boolean scriptSecurity, Duration killGrace) {
        this.defaultUser = defaultUser;
        this.scriptSecurity = scriptSecurity;
        this.killGrace = killGrace;
        this.effectiveUid = effectiveUid();
        this.root = effectiveUid == 0;
    }

    /** Runs {@code script}; the future completes with the result, never exceptionally. */
    @CanIgnoreReturnValue // fire and forget is fine: the result is logged and counted here
    public CompletableFuture<ScriptResult> run(Script script, Duration timeout) {
        return run(script, timeout, Map.of());
    }

    /** As {@link #run(Script, Duration)}, with extra environment variables for the script. */
    @CanIgnoreReturnValue // fire and forget is fine: the result is logged and counted here
    public CompletableFuture<ScriptResult> run(Script script, Duration timeout, Map<String, String> env) {
        return run(script, List.of(), timeout, env);
    }

    /**
     * As {@link #run(Script, Duration, Map)}, with {@code extraArgs} after the configured arguments (as
     * keepalived appends "TYPE NAME STATE PRIORITY" to a generic VRRP {@code notify} script).
     */
    @CanIgnoreReturnValue // fire and forget is fine: the result is logged and counted here
    public CompletableFuture<ScriptResult> run(Script script, List<String> extraArgs, Duration timeout,
                                               Map<String, String> env) {
        runs.incrementAndGet();
        if (closed) return CompletableFuture.completedFuture(refuse(script, "script runner is stopped"));
        try {
            return CompletableFuture.supplyAsync(() -> execute(script, extraArgs, timeout, env), threads)
                    .exceptionally(e -> fail(script, "failed: " + e));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return CompletableFuture.completedFuture(refuse(script, "script runner is stopped"));
        }
    }

    public Counters counters() {
        return new Counters(runs.get(), failures.get(), timeouts.get(), refused.get());
    }

    private ScriptResult execute(Script script, List<String> extraArgs, Duration timeout, Map<String, String> env) {
        Optional<ScriptUser> user = script.user().or(() -> defaultUser);
        Optional<Path> exe = resolve(script.path());
        if (exe.isEmpty()) return fail(script, "script not found or not executable: " + script.path());
        if (scriptSecurity) {
            // Whose script it may be: the configured user's when Vigil is root and switches to it; otherwise
            // the script runs as Vigil itself, root or not.
            Optional<Integer> uid = root ? user.flatMap(u -> ScriptSecurity.uidOf(u.user()))
                    : Optional.of(effectiveUid);
            if (root && user.isPresent() && uid.isEmpty()) {
                return refuse(script, "script security: unknown user " + user.get().user() + " for " + script.path());
            }
            Optional<String> why = ScriptSecurity.check(exe.get(), uid);
            if (why.isPresent()) return refuse(script, why.get() + " (refusing to run " + script.commandLine() + ")");
        }
        List<String> command = new ArrayList<>();
        // Its own session, so its process group holds all it forks, even what a parent left behind.
        if (Files.isExecutable(SETSID)) command.add(SETSID.toString());
        if (root && user.isPresent()) command.addAll(switchUser(user.get()));
        command.add(exe.get().toString());
        command.addAll(script.argv().subList(1, script.argv().size()));
        command.addAll(extraArgs);

        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Map<String, String> environment = pb.environment();
        environment.clear();
        environment.put("PATH", MINIMAL_PATH);
        environment.put("LANG", "C");
        environment.putAll(env);

        long start = System.nanoTime();
        Process process;
        try {
            process = ChildProcesses.start(pb);
        } catch (IOException e) {
            return fail(script, "cannot start " + script.path() + ": " + e.getMessage());
        }
        running.add(process);
        try {
            BoundedOutput output = new BoundedOutput(process.getInputStream());
            Thread reader = Thread.ofVirtual().name("script-output").start(output);
            boolean finished;
            try {
                finished = process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                finished = false;
            }
            if (!finished) killTree(process);
            // Output left open by a background grandchild must not hold the result back.
            try {
                reader.join(Duration.ofMillis(200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            int code = finished ? process.exitValue() : -1;
            ScriptResult result = new ScriptResult(code, !finished, output.text(), took, Optional.empty());
            if (!finished) timeouts.incrementAndGet();
            if (!result.succeeded()) failures.incrementAndGet();
            log(script, result);
            return result;
        } finally {
            running.remove(process);
        }
    }

    private void killTree(Process process) {
        // The script's process group takes in what it forked, wherever that was re-parented. Its descendants
        // are signalled too, for one that left the group or a runner without setsid; they are taken before
        // their parents die, as afterwards they are out of reach. Each look at the descendants reads the whole
        // process table, so there is one per round, and with a group none but the last: a fork bomb's
        // hundreds of processes must not cost the node seconds of CPU.
        boolean group = ChildProcesses.leadsOwnGroup(process.toHandle());
        Set<ProcessHandle> tree = new LinkedHashSet<>();
        tree.add(process.toHandle());
        process.descendants().forEach(tree::add);
        if (group) ChildProcesses.signalGroup(process.pid(), false);
        tree.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + killGrace.toNanos();
        while (System.nanoTime() < deadline && tree.stream().anyMatch(ProcessHandle::isAlive)) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (!group) process.descendants().forEach(tree::add);
        }
        process.descendants().forEach(tree::add);
        if (group) ChildProcesses.signalGroup(process.pid(), true);
        tree.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(killGrace.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> switchUser(ScriptUser user) {
        if (user.group().isPresent()) {
            return List.of("/usr/bin/setpriv", "--reuid=" + user.user(), "--regid=" + user.group().get(),
                    "--init-groups", "--");
        }
        // runuser takes the user's own primary group, as keepalived does when no group is given.
        return List.of(Files.isExecutable(Path.of("/usr/sbin/runuser")) ? "/usr/sbin/runuser" : "runuser",
                "-u", user.user(), "--");
    }

    private static Optional<Path> resolve(String path) {
        if (path.contains("/")) {
            Path p = Path.of(path);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        for (String dir : MINIMAL_PATH.split(":", -1)) {
            Path p = Path.of(dir, path);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }

    private ScriptResult refuse(Script script, String why) {
        refused.incrementAndGet();
        failures.incrementAndGet();
        // A refused check script is refused again every delay_loop: say it once, then count.
        if (warned.add(why)) LOG.warn("{} ({}): {}", script.commandLine(), script.source(), why);
        else LOG.debug("{} ({}): {}", script.commandLine(), script.source(), why);
        return ScriptResult.notRun(why);
    }

    private ScriptResult fail(Script script, String why) {
        failures.incrementAndGet();
        if (warned.add(why)) LOG.warn("{} ({}): {}", script.commandLine(), script.source(), why);
        else LOG.debug("{} ({}): {}", script.commandLine(), script.source(), why);
        return ScriptResult.notRun(why);
    }

    private static void log(Script script, ScriptResult r) {
        String out = r.output().isBlank() ? "" : " output: " + ControlCharacters.escape(r.output().strip());
        if (r.timedOut()) LOG.warn("{}: {}, killed{}", script.commandLine(), r.describe(), out);
        else LOG.debug("{}: {} in {} ms{}", script.commandLine(), r.describe(), r.duration().toMillis(), out);
    }

    /** Kills every script still running; later runs are refused. */
    @Override
    public void close() {
        closed = true;
        threads.shutdown();
        for (Process p : List.copyOf(running)) killTree(p);
        try {
            threads.awaitTermination(killGrace.toMillis() + 2000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        threads.shutdownNow();
    }

    /** From {@code /proc/self/status}; -1 (nobody's uid, never root) when it cannot be read. */
    private static int effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.split("\\s+", -1)[2]);
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Keeps the first bytes of a stream and drains the rest so the script never blocks on a full pipe. */
    private static final class BoundedOutput implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile boolean truncated;

        BoundedOutput(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[1024];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (kept) {
                        int room = OUTPUT_LIMIT - kept.size();
                        if (room > 0) kept.write(buf, 0, Math.min(room, n));
                        if (n > room) truncated = true;
                    }
                }
            } catch (IOException e) {
                // the process is gone; keep what was read
            }
        }

        String text() {
            synchronized (kept) {
                String s = kept.toString(StandardCharsets.UTF_8);
                return truncated ? s + "...[truncated]" : s;
            }
        }
    }
}
