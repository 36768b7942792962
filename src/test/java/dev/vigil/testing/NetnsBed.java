package dev.vigil.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away test network of Linux network namespaces, for system tests run as root (annotate
 * them {@code @RequiresRoot(commands = {"ip"})}). Layout, as in research/vrrp.md section 6:
 * <pre>
 *   namespace bridge():  br0 (multicast snooping off) with ports vq1..vqN and vqc
 *   namespace node(i):   eth0 (veth to vq{i}), 10.199.0.{i}/24 and fd00:199::{i}/64, lo up
 *   namespace client():  eth0 (veth to vqc),  10.199.0.100/24 and fd00:199::100/64
 * </pre>
 * IPv6 duplicate address detection is off in node and client namespaces, so link-local addresses
 * are usable at once. Namespace names are {@code PREFIX + role + '-' + random suffix}, at most 15
 * characters, so parallel runs never clash.
 *
 * <p>Use it in try-with-resources: {@link #close()} kills every process {@link #start started}
 * here and deletes the namespaces; a JVM shutdown hook does the same as a last resort.
 * <pre>{@code
 * try (NetnsBed bed = NetnsBed.create("vl", 2, true)) {
 *     bed.exec(bed.node(1), "ip", "addr", "add", "10.199.0.50/24", "dev", "eth0");
 *     Process p = bed.start(bed.node(2), List.of("tcpdump", "-i", "eth0"), logFile);
 *     bed.cut(1);   // node 1 loses the bridge, its eth0 stays UP (split brain)
 *     bed.heal(1);
 * }
 * }</pre>
 * To open sockets (Vigil's raw sockets, or plain JDK sockets) inside a namespace from the test JVM
 * itself, use {@code dev.vigil.linux.NetworkNamespace.call(bed.node(1), () -> ...)}: what is opened
 * there stays in that namespace.
 */
public final class NetnsBed implements AutoCloseable {
    /** The interface name inside node and client namespaces. */
    public static final String INTERFACE = "eth0";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String bridge;
    private final List<String> nodes;
    private final Optional<String> client;
    private final List<String> created = new CopyOnWriteArrayList<>();
    private final List<Process> processes = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook;
    private volatile boolean closed;

    /** What a command printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private NetnsBed(String prefix, int nodeCount, boolean withClient) {
        if (prefix.length() > 4) throw new IllegalArgumentException("prefix at most 4 characters: " + prefix);
        String suffix = suffix();
        bridge = prefix + "b-" + suffix;
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= nodeCount; i++) names.add(prefix + i + "-" + suffix);
        nodes = List.copyOf(names);
        client = withClient ? Optional.of(prefix + "c-" + suffix) : Optional.empty();
        shutdownHook = Thread.ofPlatform().unstarted(this::deleteEverything);
    }

    /**
     * Builds the bed: a bridge namespace, {@code nodes} node namespaces (1..9) and optionally a client.
     *
     * @param prefix your tests' prefix, 1-4 characters (e.g. {@code "vl"} for linux, {@code "vr"} for vrrp)
     */
    public static NetnsBed create(String prefix, int nodes, boolean withClient) throws IOException {
        if (nodes < 1 || nodes > 9) throw new IllegalArgumentException("1..9 nodes, not " + nodes);
        NetnsBed bed = new NetnsBed(prefix, nodes, withClient);
        Runtime.getRuntime().addShutdownHook(bed.shutdownHook);
        try {
            bed.build();
        } catch (IOException | RuntimeException e) {
            bed.close();
            throw e;
        }
        return bed;
    }

    private void build() throws IOException {
        addNamespace(bridge);
        mustRun("ip", "-n", bridge, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        mustRun("ip", "-n", bridge, "link", "set", "br0", "up");
        for (int i = 1; i <= nodes.size(); i++) attach(nodes.get(i - 1), "vq" + i, String.valueOf(i));
        if (client.isPresent()) attach(client.get(), "vqc", "100");
    }

    private void attach(String ns, String port, String host) throws IOException {
        addNamespace(ns);
        exec(ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        mustRun("ip", "-n", ns, "link", "add", INTERFACE, "type", "veth", "peer", "name", port, "netns", bridge);
        mustRun("ip", "-n", bridge, "link", "set", port, "master", "br0", "up");
        mustRun("ip", "-n", ns, "addr", "add", "10.199.0." + host + "/24", "dev", INTERFACE);
        mustRun("ip", "-n", ns, "addr", "add", "fd00:199::" + host + "/64", "dev", INTERFACE, "nodad");
        mustRun("ip", "-n", ns, "link", "set", INTERFACE, "up");
    }

    private void addNamespace(String ns) throws IOException {
        mustRun("ip", "netns", "add", ns);
        created.add(ns);
        mustRun("ip", "-n", ns, "link", "set", "lo", "up");
    }

    private static String suffix() {
        String alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 6; i++) s.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return s.toString();
    }

    /** The namespace holding br0. */
    public String bridge() {
        return bridge;
    }

    /** Node namespace {@code i}, counted from 1. */
    public String node(int i) {
        return nodes.get(i - 1);
    }

    public List<String> nodes() {
        return nodes;
    }

    /** The client namespace; fails if the bed was made without one. */
    public String client() {
        return client.orElseThrow(() -> new IllegalStateException("bed created without a client"));
    }

    /** The fixed IPv4 address of a node or the client namespace on eth0. */
    public InetAddress ipv4(String ns) {
        return address("10.199.0." + hostPart(ns));
    }

    /** The fixed IPv6 (fd00:199::/64) address of a node or the client namespace on eth0. */
    public InetAddress ipv6(String ns) {
        return address("fd00:199::" + hostPart(ns));
    }

    private String hostPart(String ns) {
        if (client.isPresent() && client.get().equals(ns)) return "100";
        int i = nodes.indexOf(ns);
        if (i < 0) throw new IllegalArgumentException("not a node or client of this bed: " + ns);
        return String.valueOf(i + 1);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs a command inside a namespace ({@code ip netns exec}); fails with its stderr unless it exits 0. */
    public String exec(String ns, String... command) throws IOException {
        Result r = run(ns, command);
        if (!r.ok()) throw new IOException("in " + ns + ": " + String.join(" ", command) + " exited " + r.exitCode() + ": " + r.stderr().strip());
        return r.stdout();
    }

    /** Runs a command inside a namespace and returns its outcome without judging it. */
    public Result run(String ns, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        return runCommand(full);
    }

    /** Takes node {@code i} off the bridge without touching its eth0 (stays UP): a cut cable upstream. */
    public void cut(int node) throws IOException {
        mustRun("ip", "netns", "exec", bridge, "bridge", "link", "set", "dev", "vq" + node, "state", "0");
    }

    /** Undoes {@link #cut}. */
    public void heal(int node) throws IOException {
        mustRun("ip", "netns", "exec", bridge, "bridge", "link", "set", "dev", "vq" + node, "state", "3");
    }

    /**
     * Starts a long-running process inside a namespace, stdout and stderr to {@code log}; it is
     * killed (with its descendants) by {@link #kill} or at the latest by {@link #close()}.
     */
    public Process start(String ns, List<String> command, Path log) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(command);
        Process p = new ProcessBuilder(full).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        processes.add(p);
        return p;
    }

    /** SIGKILLs a started process and its descendants and waits for it. */
    public void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        processes.remove(p);
    }

    /** Kills what was started here and deletes every namespace; safe to call twice. */
    @Override
    public void close() {
        deleteEverything();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down and the hook runs anyway
        }
    }

    private synchronized void deleteEverything() {
        if (closed) return;
        closed = true;
        for (Process p : processes) kill(p);
        for (String ns : created.reversed()) {
            try {
                runCommand(List.of("ip", "netns", "del", ns));
            } catch (IOException ignored) {
                // best effort: the next namespace still gets deleted
            }
        }
        created.clear();
    }

    /** Runs a command in the test's own namespace (e.g. {@code ip -n NS ...}); fails unless it exits 0. */
    public static String mustRun(String... command) throws IOException {
        Result r = runCommand(List.of(command));
        if (!r.ok()) throw new IOException(String.join(" ", command) + " exited " + r.exitCode() + ": " + r.stderr().strip());
        return r.stdout();
    }

    /** Runs a command in the test's own namespace; 30 s at most. */
    public static Result runCommand(List<String> command) throws IOException {
        return runCommand(command, COMMAND_TIMEOUT);
    }

    /** As {@link #runCommand(List)}, for commands that may take longer than 30 s (debootstrap, dpkg). */
    public static Result runCommand(List<String> command, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(command).start();
        try {
            byte[][] streams = new byte[2][];
            Thread readOut = Thread.ofVirtual().start(() -> streams[0] = readAll(p.getInputStream()));
            Thread readErr = Thread.ofVirtual().start(() -> streams[1] = readAll(p.getErrorStream()));
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + timeout);
            }
            readOut.join();
            readErr.join();
            return new Result(p.exitValue(), new String(streams[0], StandardCharsets.UTF_8), new String(streams[1], StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static byte[] readAll(java.io.InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return new byte[0];
        }
    }
}
