package dev.vigil.forward;

import dev.vigil.report.StatusJson;
import dev.vigil.report.StatusSnapshot;
import dev.vigil.system.FigureLog;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import dev.vigil.testing.Soak;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Vigil as shipped ({@code dev.vigil.daemon.Main run -f CONFIG}, the launcher's JVM flags, in a child
 * JVM) in front of four loopback real servers with a TCP_CHECK, under three loads at once: ~10,000 idle
 * connections held for the whole run ({@link ReconnectingIdleClients}, another JVM), short connections
 * from three threads, and SHA-256-checked echoed bulk transfers of 4-16 MiB from two. Every minute one
 * real server dies (listener and connections closed) and comes back 25 s later.
 *
 * <p>The laws: no bulk byte lost or corrupted (a transfer in flight on a killed server may be cut, with
 * an error or an early end, never with a wrong byte); a short connection fails only within a window
 * after a kill; an idle connection ends only when its real server is killed (the clients' drops equal
 * the idle connections the killed servers held) and the rest answer at the end; Vigil's resident
 * memory, descriptors and threads stay flat, and its proxy never fails an accept or finds no real
 * server.
 *
 * <p>110 s by default (about 2.5 minutes with start and stop); {@code -Dvigil.soak.seconds=1800} for
 * the 30-minute proof. Figures (a sample a minute, and per 10 minutes) go to
 * target/soak/proxy-soak-figures.txt. Not named {@code Proxy*Test}: the pom's runs of those on the
 * engine's other data paths set properties of the test JVM, which the Vigil JVM here does not inherit,
 * so they would only run the same soak twice more.
 */
@ComponentTest
@Soak
class ForwardingSoakTest {

    static final Duration SOAK = Duration.ofSeconds(Long.getLong("vigil.soak.seconds", 110));
    static final Duration CYCLE = Duration.ofSeconds(60);
    static final Duration KILL_AT = Duration.ofSeconds(15);
    static final Duration DEAD_FOR = Duration.ofSeconds(25);
    static final int DELAY_LOOP_SECONDS = 1;
    static final int CHECK_TIMEOUT_SECONDS = 1;
    /** A short connection may fail from a kill until the check has seen it, plus a margin for a loaded machine. */
    static final Duration FAILURE_WINDOW = Duration.ofSeconds(DELAY_LOOP_SECONDS + CHECK_TIMEOUT_SECONDS + 5);
    static final Duration BUCKET = Duration.ofMinutes(10);
    static final int REAL_SERVERS = 4;
    static final int SHORT_THREADS = 3;
    static final int BULK_THREADS = 2;
    static final int PATTERN_BYTES = 16 << 20;

    /** Vigil's resources at one moment, {@code at} seconds into the soak. */
    record Sample(long at, long rssKiB, int fds, int threads, int idleOpen, String load) {}

    /** {@code atNanos} just before the kill, {@code doneNanos} once it returned: on a loaded machine the two lie tens of ms apart. */
    record Kill(int server, long atNanos, long doneNanos, int idleLost, Duration detected) {}

    record ShortResult(long start, long end, String error) {
        boolean ok() {
            return error.isEmpty();
        }
    }

    enum Outcome { OK, CUT, CORRUPTED }

    record Bulk(long start, long end, long size, long received, Outcome outcome, String detail) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Queue<ShortResult> shorts = new ConcurrentLinkedQueue<>();
    private final Queue<Bulk> bulks = new ConcurrentLinkedQueue<>();
    private final byte[] pattern = new byte[PATTERN_BYTES];

    @Test
    void tenThousandIdleShortAndBulkThroughRealServerDeaths() throws Exception {
        new Random(14).nextBytes(pattern);
        for (int i = 0; i < pattern.length; i++) if (pattern[i] == KillableRealServer.IDLE) pattern[i] = 'J'; // 'I' marks idle ones
        Path dir = Path.of("target", "soak");
        Files.createDirectories(dir);
        FigureLog figures = new FigureLog(dir.resolve("proxy-soak-figures.txt"));
        int n = (int) Math.min(10_000, (openFileLimit() - 600) / 2);
        figures.record("soak length (vigil.soak.seconds)", SOAK);
        figures.record("idle connections held (10,000, or what the open-file limit leaves: (limit - 600) / 2)", Integer.toString(n));

        List<KillableRealServer> servers = new ArrayList<>();
        List<Process> children = new ArrayList<>();
        try (HeldPort vsPort = HeldPort.forServer(); HeldPort adminPort = HeldPort.forServer()) {
            for (int i = 0; i < REAL_SERVERS; i++) servers.add(new KillableRealServer());
            Path config = dir.resolve("proxy-soak.conf");
            Files.writeString(config, config(vsPort.port(), servers));
            Process vigil = vigil(config, adminPort.port(), dir.resolve("vigil.log"));
            children.add(vigil);
            URI status = URI.create("http://127.0.0.1:" + adminPort.port() + "/api/v1/status");
            awaitStatus(status, vigil, s -> realServers(s).stream().allMatch(StatusSnapshot.RealServer::healthy),
                    Duration.ofSeconds(60), "all real servers up");
            InetSocketAddress vs = new InetSocketAddress("127.0.0.1", vsPort.port());

            long setupStart = System.nanoTime();
            Process idleProcess = peer(ReconnectingIdleClients.class, "127.0.0.1:" + vsPort.port(), Integer.toString(n));
            children.add(idleProcess);
            BufferedReader idleOut = new BufferedReader(new InputStreamReader(idleProcess.getInputStream()));
            PrintWriter idleIn = new PrintWriter(idleProcess.getOutputStream(), true);
            assertThat(idleOut.readLine()).isEqualTo("connected");
            figures.record(n + " idle connections opened in", FigureLog.seconds(Duration.ofNanos(System.nanoTime() - setupStart)));

            List<Thread> load = new ArrayList<>();
            for (int i = 0; i < SHORT_THREADS; i++) load.add(Thread.ofPlatform().name("short-" + i).start(() -> shortLoad(vs)));
            for (int i = 0; i < BULK_THREADS; i++) {
                long seed = i;
                load.add(Thread.ofPlatform().name("bulk-" + i).start(() -> bulkLoad(vs, seed)));
            }

            long t0 = System.nanoTime();
            long end = t0 + SOAK.toNanos();
            List<Sample> samples = new ArrayList<>();
            List<Kill> kills = new ArrayList<>();
            samples.add(sample(vigil, idleIn, idleOut, t0, n));
            for (int cycle = 0; ; cycle++) {
                long killAt = t0 + cycle * CYCLE.toNanos() + KILL_AT.toNanos();
                if (killAt >= end) break;
                sleepUntil(killAt);
                int k = cycle % REAL_SERVERS;
                KillableRealServer victim = servers.get(k);
                long killed = System.nanoTime();
                int idleLost = victim.kill();
                long killDone = System.nanoTime();
                String endpoint = "127.0.0.1:" + victim.port();
                awaitStatus(status, vigil, s -> realServer(s, endpoint).filter(r -> !r.healthy()).isPresent(),
                        Duration.ofSeconds(30), endpoint + " seen down");
                Duration detected = Duration.ofNanos(System.nanoTime() - killed);
                kills.add(new Kill(k, killed, killDone, idleLost, detected));
                sleepUntil(killed + DEAD_FOR.toNanos());
                victim.restore();
                awaitStatus(status, vigil, s -> realServer(s, endpoint).filter(StatusSnapshot.RealServer::healthy).isPresent(),
                        Duration.ofSeconds(30), endpoint + " seen up again");
                figures.record("kill " + (cycle + 1), String.format(Locale.ROOT, "real server %d at +%.0f s, %d idle connections on it, seen down after %s",
                        k + 1, (killed - t0) / 1e9, idleLost, FigureLog.seconds(detected)));
                sleepUntil(Math.min(t0 + (cycle + 1) * CYCLE.toNanos(), end));
                samples.add(sample(vigil, idleIn, idleOut, t0, n));
            }
            sleepUntil(end);
            running.set(false);
            for (Thread t : load) t.join(60_000);
            if (samples.getLast().at() < SOAK.toSeconds() - 5) samples.add(sample(vigil, idleIn, idleOut, t0, n));
            String idleStatus = idleCommand(idleIn, idleOut, "status");
            String probe = idleCommand(idleIn, idleOut, "probe");
            StatusSnapshot last = StatusJson.read(get(status));
            StatusSnapshot.Proxy proxy = last.proxy().orElseThrow();

            report(figures, t0, samples, kills, idleStatus, probe, proxy);

            // no byte lost or corrupted; a cut only on a killed server
            List<Bulk> all = List.copyOf(bulks);
            assertThat(all).as("bulk transfers ran").hasSizeGreaterThan((int) (SOAK.toSeconds() / 10));
            assertThat(all).filteredOn(b -> b.outcome() == Outcome.CORRUPTED).as("corrupted bulk transfers").isEmpty();
            assertThat(all).filteredOn(b -> b.outcome() == Outcome.CUT && !inFlightAtAKill(b.start(), b.end(), kills))
                    .as("bulk transfers cut without a real server dying under them").isEmpty();
            // short connections fail only just after a kill
            List<ShortResult> failedOutside = shorts.stream().filter(r -> !r.ok() && !nearAKill(r.start(), r.end(), kills)).toList();
            assertThat(failedOutside).as("short connections failed outside " + FAILURE_WINDOW + " after a kill").isEmpty();
            assertThat(shorts.stream().filter(ShortResult::ok).count()).as("short connections ran").isGreaterThan(SOAK.toSeconds() * 10);
            // idle connections end only with their real server, and all the others still answer
            long lost = kills.stream().mapToLong(Kill::idleLost).sum();
            assertThat(idleStatus).as("the idle clients: all open again, each drop one a killed server took")
                    .startsWith("open " + n + " drops " + lost + " ");
            assertThat(probe).isEqualTo("probed " + n + " of " + n);
            assertThat(kills).allSatisfy(k -> assertThat(k.detected()).isLessThan(FAILURE_WINDOW));
            assertThat(proxy.acceptFailures()).as("failed accepts").isZero();
            assertThat(proxy.noRealServer()).as("clients refused for want of a real server").isZero();
            // flat: the last ten minutes against the first sample after a minute of warm-up
            Sample base = samples.get(1);
            List<Sample> tail = samples.stream().filter(s -> s.at() > base.at() && s.at() >= samples.getLast().at() - BUCKET.toSeconds()).toList();
            assertThat(tail).isNotEmpty();
            assertThat(tail.stream().mapToLong(Sample::rssKiB).max().orElseThrow()).as("Vigil's RSS KiB, against " + base)
                    .isLessThanOrEqualTo(base.rssKiB() * 115 / 100);
            assertThat(tail.stream().mapToInt(Sample::fds).max().orElseThrow()).as("Vigil's descriptors, against " + base)
                    .isLessThanOrEqualTo(base.fds() * 102 / 100);
            assertThat(tail.stream().mapToInt(Sample::threads).max().orElseThrow()).as("Vigil's threads, against " + base)
                    .isLessThanOrEqualTo(base.threads() + Math.max(base.threads() * 2 / 100, 4));
            assertThat(vigil.isAlive()).isTrue();
        } finally {
            running.set(false);
            for (Process p : children.reversed()) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            for (KillableRealServer s : servers) s.close();
        }
    }

    private void report(FigureLog figures, long t0, List<Sample> samples, List<Kill> kills, String idleStatus, String probe,
                        StatusSnapshot.Proxy proxy) {
        for (Sample s : samples) {
            figures.record(String.format(Locale.ROOT, "sample +%4d s", s.at()), String.format(Locale.ROOT,
                    "RSS %d KiB, fds %d, threads %d, idle open %d, load average %s", s.rssKiB(), s.fds(), s.threads(), s.idleOpen(), s.load()));
        }
        long buckets = (SOAK.toNanos() + BUCKET.toNanos() - 1) / BUCKET.toNanos();
        for (long b = 0; b < buckets; b++) {
            long from = t0 + b * BUCKET.toNanos();
            long to = Math.min(from + BUCKET.toNanos(), t0 + SOAK.toNanos());
            long fromS = b * BUCKET.toSeconds();
            long toS = (to - t0) / 1_000_000_000L;
            List<Sample> in = samples.stream().filter(s -> s.at() >= fromS && s.at() <= toS).toList();
            List<ShortResult> sh = shorts.stream().filter(r -> r.start() >= from && r.start() < to).toList();
            List<Bulk> bu = bulks.stream().filter(r -> r.start() >= from && r.start() < to).toList();
            figures.record(String.format(Locale.ROOT, "minutes %d-%d", fromS / 60, (toS + 59) / 60), String.format(Locale.ROOT,
                    "RSS max %d KiB, fds max %d, threads max %d, idle open min %d, idle lost to kills %d, "
                            + "short ok %d failed %d, bulk ok %d cut %d corrupted %d, bulk MB moved %.0f, load average %s",
                    in.stream().mapToLong(Sample::rssKiB).max().orElse(0), in.stream().mapToInt(Sample::fds).max().orElse(0),
                    in.stream().mapToInt(Sample::threads).max().orElse(0), in.stream().mapToInt(Sample::idleOpen).min().orElse(0),
                    kills.stream().filter(k -> k.atNanos() >= from && k.atNanos() < to).mapToLong(Kill::idleLost).sum(),
                    sh.stream().filter(ShortResult::ok).count(), sh.stream().filter(r -> !r.ok()).count(),
                    count(bu, Outcome.OK), count(bu, Outcome.CUT), count(bu, Outcome.CORRUPTED),
                    2 * bu.stream().mapToLong(Bulk::received).sum() / 1e6, in.isEmpty() ? "" : in.getLast().load()));
        }
        figures.record("short connections failed (start after kill, error)", shorts.stream().filter(r -> !r.ok())
                .map(r -> since(r.start(), kills) + " " + r.error()).limit(40).toList().toString());
        figures.record("bulk transfers cut (start after kill, bytes of size, detail)", bulks.stream().filter(b -> b.outcome() != Outcome.OK)
                .map(b -> since(b.start(), kills) + " " + b.received() + "/" + b.size() + " " + b.outcome() + " " + b.detail()).limit(40).toList().toString());
        figures.record("idle clients at the end", idleStatus + "; " + probe);
        figures.record("Vigil's proxy counters at the end", proxy.toString());
    }

    private static long count(List<Bulk> bulks, Outcome o) {
        return bulks.stream().filter(b -> b.outcome() == o).count();
    }

    private static String since(long nanos, List<Kill> kills) {
        return kills.stream().filter(k -> k.atNanos() <= nanos).reduce((a, b) -> b)
                .map(k -> String.format(Locale.ROOT, "+%.3f s", (nanos - k.atNanos()) / 1e9)).orElse("(before any kill)");
    }

    private static boolean inFlightAtAKill(long start, long end, List<Kill> kills) {
        return kills.stream().anyMatch(k -> start <= k.doneNanos() && end >= k.atNanos());
    }

    private static boolean nearAKill(long start, long end, List<Kill> kills) {
        return kills.stream().anyMatch(k -> end >= k.atNanos() && start <= k.atNanos() + FAILURE_WINDOW.toNanos());
    }

    /** Connect, send 'S' and 32 bytes, half-close, read the echo, close. */
    private void shortLoad(InetSocketAddress vs) {
        Random random = new Random();
        byte[] request = new byte[33];
        while (running.get()) {
            random.nextBytes(request);
            request[0] = 'S';
            long start = System.nanoTime();
            String error = "";
            try (Socket s = new Socket()) {
                s.connect(vs, 5_000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(request);
                s.shutdownOutput();
                byte[] answer = s.getInputStream().readAllBytes();
                if (!Arrays.equals(answer, request)) error = "wrong answer: " + answer.length + " bytes";
            } catch (IOException e) {
                error = e.toString();
            }
            shorts.add(new ShortResult(start, System.nanoTime(), error));
            pause(20);
        }
    }

    private void bulkLoad(InetSocketAddress vs, long seed) {
        Random random = new Random(seed);
        while (running.get()) {
            int size = (4 << 20) + random.nextInt(12 << 20);
            int offset = random.nextInt(PATTERN_BYTES);
            bulks.add(transfer(vs, size, offset));
            pause(100);
        }
    }

    /** Sends {@code size} bytes of the pattern from {@code offset} (wrapping) and checks every byte of the echo. */
    private Bulk transfer(InetSocketAddress vs, int size, int offset) {
        long start = System.nanoTime();
        long received = 0;
        try (Socket s = new Socket()) {
            s.connect(vs, 5_000);
            s.setSoTimeout(30_000);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            AtomicLong written = new AtomicLong();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    for (long pos = 0; pos < size; ) {
                        int at = (int) ((offset + pos) % PATTERN_BYTES);
                        int len = (int) Math.min(Math.min(64 * 1024, size - pos), PATTERN_BYTES - at);
                        out.write(pattern, at, len);
                        sent.update(pattern, at, len);
                        pos += len;
                        written.set(pos);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    // the reader sees the same end
                }
            });
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            try {
                for (int r; (r = in.read(buf)) >= 0; ) {
                    if (received + r > size) {
                        return new Bulk(start, System.nanoTime(), size, received + r, Outcome.CORRUPTED, "more bytes than sent");
                    }
                    for (int i = 0; i < r; ) {
                        int at = (int) ((offset + received + i) % PATTERN_BYTES);
                        int len = Math.min(r - i, PATTERN_BYTES - at);
                        int bad = Arrays.mismatch(buf, i, i + len, pattern, at, at + len);
                        if (bad >= 0) {
                            return new Bulk(start, System.nanoTime(), size, received + i + bad, Outcome.CORRUPTED,
                                    "wrong byte at " + (received + i + bad));
                        }
                        i += len;
                    }
                    got.update(buf, 0, r);
                    received += r;
                }
            } catch (IOException e) {
                return new Bulk(start, System.nanoTime(), size, received, Outcome.CUT, e.toString());
            } finally {
                writer.join();
            }
            if (received < size) return new Bulk(start, System.nanoTime(), size, received, Outcome.CUT, "early end after " + written.get() + " sent");
            if (!MessageDigest.isEqual(sent.digest(), got.digest())) {
                return new Bulk(start, System.nanoTime(), size, received, Outcome.CORRUPTED, "SHA-256 differs");
            }
            return new Bulk(start, System.nanoTime(), size, received, Outcome.OK, "");
        } catch (IOException e) {
            return new Bulk(start, System.nanoTime(), size, received, Outcome.CUT, e.toString());
        } catch (Exception e) {
            return new Bulk(start, System.nanoTime(), size, received, Outcome.CORRUPTED, e.toString());
        }
    }

    private Sample sample(Process vigil, PrintWriter idleIn, BufferedReader idleOut, long t0, int n) throws Exception {
        // the idle clients of a killed server reconnect within a few seconds; sample with all of them back
        long until = System.nanoTime() + 30_000_000_000L;
        int open;
        while ((open = Integer.parseInt(idleCommand(idleIn, idleOut, "status").split(" ")[1])) < n && System.nanoTime() < until) {
            Thread.sleep(500);
        }
        long pid = vigil.pid();
        long rss = procStatus(pid, "VmRSS:");
        int threads = (int) procStatus(pid, "Threads:");
        int fds;
        try (Stream<Path> list = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            fds = (int) list.count();
        }
        String load = String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
        return new Sample(Math.round((System.nanoTime() - t0) / 1e9), rss, fds, threads, open, load);
    }

    private static String idleCommand(PrintWriter in, BufferedReader out, String command) throws IOException {
        in.println(command);
        String line = out.readLine();
        if (line == null) throw new IOException("the idle clients' JVM ended");
        return line;
    }

    private static long procStatus(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    private static String config(int vsPort, List<KillableRealServer> servers) {
        StringBuilder b = new StringBuilder("global_defs {\n    router_id proxy-soak\n}\n\n");
        b.append("virtual_server 127.0.0.1 ").append(vsPort).append(" {\n")
                .append("    delay_loop ").append(DELAY_LOOP_SECONDS).append('\n')
                .append("    lb_algo wlc\n    lb_kind NAT\n    protocol TCP\n");
        for (KillableRealServer s : servers) {
            b.append("    real_server 127.0.0.1 ").append(s.port()).append(" {\n        weight 1\n")
                    .append("        TCP_CHECK {\n            connect_timeout ").append(CHECK_TIMEOUT_SECONDS)
                    .append("\n            retry 0\n        }\n    }\n");
        }
        return b.append("}\n").toString();
    }

    /**
     * {@code vigil run}: the daemon's main class with the launcher's JVM flags and no heap limit, as shipped,
     * plus {@code AlwaysPreTouch}. Without it the resident set grows for many minutes as the allocation
     * first reaches pages of the heap the JVM committed at start (seen: +20% in 13 minutes with the old
     * generation 3% used), which is no leak but hides one of that size; touched at start, any later
     * growth is memory Vigil really kept.
     */
    private static Process vigil(Path config, int adminPort, Path log) throws IOException {
        List<String> cmd = List.of(java(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=4",
                "-XX:+AlwaysPreTouch",
                "-cp", System.getProperty("java.class.path"), "dev.vigil.daemon.Main", "run", "-f", config.toString(),
                "--admin", "127.0.0.1:" + adminPort);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static Process peer(Class<?> main, String... args) throws Exception {
        Path classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xmx512m", "-XX:+UseSerialGC", "-cp", classes.toString(), main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void awaitStatus(URI status, Process vigil, Predicate<StatusSnapshot> done, Duration timeout, String what) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < end) {
            assertThat(vigil.isAlive()).as("Vigil is running (see target/soak/vigil.log)").isTrue();
            try {
                if (done.test(StatusJson.read(get(status)))) return;
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + ": not within " + timeout + " " + last);
    }

    private String get(URI uri) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (r.statusCode() != 200) throw new IOException(uri + ": " + r.statusCode());
        return r.body();
    }

    private static List<StatusSnapshot.RealServer> realServers(StatusSnapshot s) {
        return s.virtualServers().stream().flatMap(v -> v.realServers().stream()).toList();
    }

    private static Optional<StatusSnapshot.RealServer> realServer(StatusSnapshot s, String endpoint) {
        return realServers(s).stream().filter(r -> r.endpoint().equals(endpoint)).findFirst();
    }

    private static long openFileLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) return Long.parseLong(line.split("\\s+")[4]);
        }
        return 20_000;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - System.nanoTime();
        if (left > 0) Thread.sleep(Duration.ofNanos(left));
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
