package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.Scheduler;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.vigil.balance.TestVirtualServers.virtualServer;

/**
 * The proxy side of {@link DescriptorExhaustionTest}, run in its own JVM under a low open-file limit
 * ({@code ulimit -n}) so that running out of descriptors hurts nobody else. It fills the descriptor
 * table with spare files and then closes {@code HEADROOM} of them, which makes the number of
 * connections that fit exact, whatever the JVM itself happens to hold.
 *
 * <pre>
 *   args: BACKEND_PORT HEADROOM
 *   prints  "ready PORT limit=L fds=F"        once listening, warmed up and filled
 *   stdin   "counters" -> "counters accepted=.. open=.. noRealServer=.. connectFailures=.. retries=..
 *                         acceptFailures=.. resetsPassed=.."
 *   stdin   "fds"      -> "fds F"  descriptors open now (-1 if the table is full: listing them needs one)
 *   stdin   "free K"   -> closes K spare files, prints "freed K"
 *   stdin   EOF        -> closes the engine and exits 0
 * </pre>
 */
public final class DescriptorLimitedProxy {
    /** Spare descriptors: held here so that no cleaner closes them. */
    private static final List<FileInputStream> spares = new ArrayList<>();

    public static void main(String[] args) throws Exception {
        int backendPort = Integer.parseInt(args[0]);
        int headroom = Integer.parseInt(args[1]);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        // One event loop: with two, both may take the last free descriptors with accept and then
        // neither gets a real-server socket, which makes what a full table does to the backlog a race.
        try (ProxyEngine engine = new ProxyEngine(ProxyEngine.Options.fromSystemProperties().withEventLoops(1))) {
            VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                    .real("127.0.0.1", backendPort, 1).build());
            VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            if (!l.listening()) throw new IllegalStateException("not listening: " + l.failure());
            warmUp(l.localAddress(), engine);
            loadEngineClasses();
            fillAllBut(headroom);
            say("ready " + l.localAddress().getPort() + " limit=" + openFileLimit() + " fds=" + openDescriptors());
            for (String line; (line = stdin.readLine()) != null; ) {
                if (line.equals("counters")) {
                    ForwardCounters.Snapshot c = engine.counters();
                    say("counters accepted=" + c.accepted() + " open=" + c.openConnections()
                            + " noRealServer=" + c.noRealServer() + " connectFailures=" + c.connectFailures()
                            + " retries=" + c.retries() + " acceptFailures=" + c.acceptFailures()
                            + " resetsPassed=" + c.resetsPassed());
                } else if (line.equals("fds")) {
                    say("fds " + openDescriptors());
                } else if (line.startsWith("free ")) {
                    int k = Integer.parseInt(line.substring("free ".length()));
                    for (int i = 0; i < k; i++) spares.removeLast().close();
                    say("freed " + k);
                }
            }
        }
        System.exit(0);
    }

    /**
     * One connection end to end before the table fills: the classes of the data path are loaded, and
     * the jars they come from opened, while descriptors are still to be had.
     */
    private static void warmUp(InetSocketAddress proxy, ProxyEngine engine) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(proxy, 5000);
            s.setSoTimeout(5000);
            s.getOutputStream().write("warm\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            for (int i = 0; i < 5; i++) {
                if (in.read() < 0) throw new IllegalStateException("warm-up connection closed early");
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (engine.openConnections() > 0 && System.nanoTime() < deadline) Thread.sleep(10);
    }

    /**
     * The JVM loads a class when it is first used. From Vigil's jar, open since start-up, that needs no
     * descriptor; from a directory of class files, as under Maven, it needs one, and the engine's
     * error paths would die of NoClassDefFoundError just when descriptors run out. So load them now.
     */
    private static void loadEngineClasses() throws Exception {
        Path root = Path.of(ProxyEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isDirectory(root)) return;
        for (String pkg : List.of("dev/vigil/forward", "dev/vigil/linux", "dev/vigil/balance", "dev/vigil/config")) {
            List<Path> classFiles;
            try (Stream<Path> files = Files.list(root.resolve(pkg))) {
                classFiles = files.filter(f -> f.toString().endsWith(".class")).toList();
            }
            for (Path f : classFiles) {
                String name = root.relativize(f).toString().replace('/', '.');
                Class.forName(name.substring(0, name.length() - ".class".length()), false,
                        DescriptorLimitedProxy.class.getClassLoader());
            }
        }
    }

    /** Opens spare files until the table is full, then closes {@code free} of them. */
    private static void fillAllBut(int free) throws IOException {
        try {
            while (true) spares.add(new FileInputStream("/dev/null"));
        } catch (FileNotFoundException full) {
            if (!full.getMessage().contains("Too many open files")) throw new IllegalStateException(full);
        }
        for (int i = 0; i < free; i++) spares.removeLast().close();
    }

    private static long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) return Long.parseLong(line.split("\\s+")[3]);
        }
        throw new IllegalStateException("no open-file limit in /proc/self/limits");
    }

    /** Descriptors open now as the listing sees them (to compare with another listing); -1 if the table is full. */
    private static long openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.count() - 1;
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
