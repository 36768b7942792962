package dev.vigil.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.report.StatusJson;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.testing.NetnsBed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One Vigil node: {@code vigil run -f CONFIG --admin ADDR} in its own JVM inside a node namespace,
 * its output appended to a log file (each start marked). Status comes from the admin endpoint, read
 * from inside the namespace. Killing, SIGTERM and restarting act on the JVM itself: {@code ip netns
 * exec} replaces itself with the command, so the started process is the JVM.
 */
public final class VigilNodeProcess implements AutoCloseable {

    static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final NetnsBed bed;
    private final String name;
    private final String namespace;
    private final List<String> command;
    private final InetSocketAddress admin;
    private final Path log;
    private volatile Process process;
    private int starts;

    /**
     * @param name  a label for logs and messages, e.g. {@code "balancer01"}
     * @param admin where {@code --admin} binds, inside {@code namespace}
     */
    public VigilNodeProcess(NetnsBed bed, String name, String namespace, Path config, InetSocketAddress admin, Path log) {
        this(bed, name, namespace, command(config, admin), admin, log);
    }

    /** A node started with its own command line (e.g. the packaged {@code /usr/bin/vigil} in a chroot). */
    public VigilNodeProcess(NetnsBed bed, String name, String namespace, List<String> command, InetSocketAddress admin,
                            Path log) {
        this.bed = bed;
        this.name = name;
        this.namespace = namespace;
        this.command = List.copyOf(command);
        this.admin = admin;
        this.log = log;
    }

    /** {@code command} run through {@code env}, which execs it: the started process stays the JVM. */
    public static List<String> withEnvironment(List<String> environment, List<String> command) {
        List<String> all = new ArrayList<>(List.of("env"));
        all.addAll(environment);
        all.addAll(command);
        return all;
    }

    /** The command line of the node JVM: the test's own JDK and class path. */
    public static List<String> command(Path config, InetSocketAddress admin) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx192m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                "dev.vigil.daemon.Main", "run", "-f", config.toString(),
                "--admin", admin.getAddress().getHostAddress() + ":" + admin.getPort());
    }

    /** Starts the JVM (it must not be running). */
    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) throw new IllegalStateException(name + " is already running");
        starts++;
        Files.writeString(log, "=== " + Instant.now() + " start #" + starts + " of " + name + " in " + namespace + " ===\n",
                StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        process = bed.start(namespace, command, log);
    }

    /** Waits until the admin endpoint answers a status document; fails early, with the log's tail, if the JVM dies. */
    public StatusSnapshot awaitReady(Duration timeout) throws IOException, InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        IOException last = null;
        while (System.nanoTime() < end) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                throw new IOException(name + " exited " + (p == null ? "(never started)" : p.exitValue())
                        + " before its admin endpoint answered; log tail:\n" + logTail(30));
            }
            try {
                return status();
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new IOException(name + ": admin endpoint " + admin + " did not answer within " + timeout
                + " (" + (last == null ? "" : last.getMessage()) + "); log tail:\n" + logTail(30));
    }

    /** The status document as a Jackson tree. */
    public JsonNode statusJson() throws IOException {
        return JSON.readTree(statusText());
    }

    /** The status document, read back through the report package's own reader. */
    public StatusSnapshot status() throws IOException {
        try {
            return StatusJson.read(statusText());
        } catch (IllegalArgumentException e) {
            throw new IOException(name + ": bad status document: " + e.getMessage(), e);
        }
    }

    /** The status, or empty when the node does not answer (dead, starting, stopping). */
    public Optional<StatusSnapshot> tryStatus() {
        Process p = process;
        if (p == null || !p.isAlive()) return Optional.empty();
        try {
            return Optional.of(status());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private String statusText() throws IOException {
        return NamespaceHttp.get(namespace, admin, "/api/v1/status", STATUS_TIMEOUT);
    }

    /** The first VRRP instance as this node reports it, if the node answers. */
    public Optional<StatusSnapshot.VrrpInstance> vrrp() {
        return tryStatus().flatMap(s -> s.vrrp().stream().findFirst());
    }

    public boolean isAlive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL, as a crash or a pulled plug: no priority 0 advert, no cleanup. */
    public void kill9() {
        Process p = process;
        if (p != null) bed.kill(p);
    }

    /** SIGTERM and wait: the clean stop (priority 0 sent, VIP removed). Returns the exit code. */
    public int terminate(Duration timeout) throws IOException, InterruptedException {
        Process p = process;
        if (p == null || !p.isAlive()) return p == null ? 0 : p.exitValue();
        p.destroy();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            bed.kill(p);
            throw new IOException(name + " did not stop within " + timeout + " of SIGTERM; killed");
        }
        return p.exitValue();
    }

    /** Stops (SIGKILL if still running) and starts again. */
    public void restart() throws IOException {
        kill9();
        start();
    }

    /** Open file descriptors of the JVM ({@code /proc/PID/fd}). */
    public int openFileDescriptors() throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc", String.valueOf(pid()), "fd"))) {
            return (int) fds.count();
        }
    }

    /** Threads of the JVM, from {@code /proc/PID/status}. */
    public int threads() throws IOException {
        return (int) procStatus("Threads:");
    }

    /** Resident memory in KiB, from {@code /proc/PID/status}. */
    public long residentKiB() throws IOException {
        return procStatus("VmRSS:");
    }

    private long procStatus(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith(field)) return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
        throw new IOException("no " + field + " in /proc/" + pid() + "/status");
    }

    /** The last {@code lines} lines of the node's log. */
    public String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", new ArrayList<>(all.subList(Math.max(0, all.size() - lines), all.size())));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return namespace;
    }

    public InetSocketAddress admin() {
        return admin;
    }

    public Path log() {
        return log;
    }

    @Override
    public void close() {
        kill9();
    }

    @Override
    public String toString() {
        return name + "@" + namespace;
    }
}
