package dev.vigil.system;

import dev.vigil.testing.NatTestbed;
import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reload under load with the kernel engine: {@code vigil run} in a {@link NatTestbed}'s balancer, ten SIGHUPs
 * that change weights, the scheduler and the set of real servers while clients open short connections and
 * download bulk streams. Every reload is applied in place (the table is changed, not replaced): no short
 * connection fails, every stream arrives whole, connections opened before the first reload still work after
 * the last, and each new set of servers is the one new connections reach.
 */
@RequiresRoot(commands = {"ip", "nft", "kill"})
@RequiresVigilRun
class KernelReloadSystemTest {
    private static final InetSocketAddress VS = new InetSocketAddress(NatTestbed.VIP, 80);

    /** One configuration: the scheduler and the weight of rs2, rs3, rs4 (null: not a real server of it). */
    private record Step(String scheduler, Integer... weights) {
        @Override
        public String toString() {
            return scheduler + " " + Arrays.toString(weights);
        }

        String config() {
            StringBuilder b = new StringBuilder("global_defs {\n  router_id kr\n  vigil_engine kernel\n}\n"
                    + "virtual_server " + NatTestbed.VIP + " 80 {\n  lb_algo " + scheduler + "\n");
            for (int i = 0; i < weights.length; i++) {
                if (weights[i] == null) continue;
                b.append("  real_server 10.198.0.").append(i + 2).append(' ').append(NatTestbed.BACKEND_PORT)
                        .append(" {\n    weight ").append(weights[i]).append("\n  }\n");
            }
            return b.append("}\n").toString();
        }

        /** The servers new connections may reach. */
        Set<String> serving() {
            Set<String> s = new TreeSet<>();
            for (int i = 0; i < weights.length; i++) if (weights[i] != null && weights[i] > 0) s.add("rs" + (i + 2));
            return s;
        }
    }

    private static final List<Step> STEPS = List.of(
            new Step("wrr", 3, 2, 1), new Step("wrr", 1, 1, 1), new Step("wrr", 1, 1, null),
            new Step("wrr", 1, 1, 2), new Step("rr", 1, 1, 1), new Step("wrr", 1, 0, 3),
            new Step("wrr", null, 2, 3), new Step("rr", 2, 1, 1), new Step("wrr", 2, 2, 0),
            new Step("wrr", 1, 1, 1));

    @Test
    void reloadsChangeTheTableInPlaceUnderLoad(@TempDir Path dir) throws Exception {
        FigureLog figures = new FigureLog(Path.of("target", "figures", "kernel-reload.txt"));
        try (NatTestbed net = NatTestbed.create("kr")) {
            Path conf = dir.resolve("keepalived.conf");
            Files.writeString(conf, new Step("wrr", 1, 1, 1).config());
            try (var lb = new VigilNodeProcess(net.bed(), "lb", net.balancer(), conf,
                    new InetSocketAddress("10.199.0.1", 9180), dir.resolve("lb.log"))) {
                lb.start();
                lb.awaitReady(Duration.ofSeconds(60));
                try {
                    underLoad(net, lb, conf, figures);
                } catch (Exception | AssertionError e) {
                    throw new AssertionError(e + "; the node's log ends:\n" + lb.logTail(40), e);
                }
            }
        }
    }

    private static void underLoad(NatTestbed net, VigilNodeProcess lb, Path conf, FigureLog figures) throws Exception {
        // Opened before any reload, used after the last: a reload must leave their conntrack entries alone.
        List<Socket> early = new ArrayList<>();
        for (int i = 0; i < 3; i++) early.add(net.connect(VS));

        AtomicBoolean stop = new AtomicBoolean();
        // The step whose table is in force (-1 while a reload is under way), and whom each step's connections reached:
        // sequential connections from several clients can fall into lockstep with round robin, so only the union
        // of everyone's is sure to meet every server.
        AtomicInteger inForce = new AtomicInteger(-1);
        List<Set<String>> reached = new ArrayList<>();
        for (int i = 0; i < STEPS.size(); i++) reached.add(java.util.concurrent.ConcurrentHashMap.newKeySet());
        AtomicInteger shortOk = new AtomicInteger(), streamsOk = new AtomicInteger();
        List<String> failures = new CopyOnWriteArrayList<>();
        List<Thread> load = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            load.add(Thread.ofPlatform().name("short-" + t).start(() -> {
                while (!stop.get()) {
                    try {
                        int step = inForce.get();
                        String answer = net.hello(VS);
                        assertThat(answer).matches("rs\\d 10\\.199\\.0\\.100:\\d+");
                        if (step >= 0 && inForce.get() == step) reached.get(step).add(answer.split(" ")[0]);
                        shortOk.incrementAndGet();
                    } catch (Exception | AssertionError e) {
                        failures.add("short connection: " + e);
                    }
                }
            }));
            load.add(Thread.ofPlatform().name("stream-" + t).start(() -> {
                while (!stop.get()) {
                    try {
                        stream(net);
                        streamsOk.incrementAndGet();
                    } catch (Exception | AssertionError e) {
                        failures.add("stream: " + e);
                    }
                }
            }));
        }

        List<Long> applyMillis = new ArrayList<>();
        try {
            for (int i = 0; i < STEPS.size(); i++) {
                Step step = STEPS.get(i);
                inForce.set(-1);
                Files.writeString(conf, step.config());
                int before = applied(lb);
                long sent = System.nanoTime();
                NetnsBed.mustRun("kill", "-HUP", String.valueOf(lb.pid()));
                long deadline = sent + Duration.ofSeconds(15).toNanos();
                while (applied(lb) == before) {
                    assertThat(System.nanoTime()).as("'reload applied' logged for " + step).isLessThan(deadline);
                    Thread.sleep(20);
                }
                applyMillis.add((System.nanoTime() - sent) / 1_000_000);
                inForce.set(i);
                reached.get(i).addAll(net.names(VS, 12));
                Thread.sleep(300);
                inForce.set(-1);
                assertThat(new TreeSet<>(reached.get(i))).as("servers reached after " + step).isEqualTo(step.serving());
            }
            Thread.sleep(500); // let the load run on the last table too
        } finally {
            stop.set(true);
            for (Thread t : load) t.join(Duration.ofSeconds(30));
        }

        for (Socket s : early) {
            try (s) {
                s.setSoTimeout(5000);
                s.getOutputStream().write("hello\n".getBytes(StandardCharsets.US_ASCII));
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                assertThat(line).as("a connection opened before the reloads").matches("rs\\d 10\\.199\\.0\\.100:\\d+");
            }
        }
        assertThat(failures).as("failures under %d reloads", STEPS.size()).isEmpty();
        assertThat(shortOk.get()).as("short connections made").isGreaterThan(50);
        assertThat(streamsOk.get()).as("whole streams").isGreaterThanOrEqualTo(2);
        String log = Files.readString(lb.log());
        assertThat(log).doesNotContain("Exception").doesNotContain("ERROR");
        assertThat(log.split("kernel engine: table inet vigil loaded", -1).length - 1)
                .as("the table is loaded once, at start; reloads change it").isLessThanOrEqualTo(1);

        long[] sorted = applyMillis.stream().mapToLong(Long::longValue).sorted().toArray();
        figures.record("kernel engine: SIGHUP to 'reload applied', median of " + sorted.length,
                Duration.ofMillis(sorted[sorted.length / 2]));
        figures.record("kernel engine: SIGHUP to 'reload applied', max", Duration.ofMillis(sorted[sorted.length - 1]));
        figures.record("kernel engine reloads under load", shortOk.get() + " short connections and " + streamsOk.get()
                + " streams of " + NatTestbed.BULK + " bytes, none failed; reload times " + Arrays.toString(sorted) + " ms");
    }

    private static int applied(VigilNodeProcess lb) throws IOException {
        return Files.readString(lb.log()).split("reload applied", -1).length - 1;
    }

    /** One bulk stream from a real server, compared byte for byte with what it sends. */
    private static void stream(NatTestbed net) throws Exception {
        try (Socket s = net.connect(VS)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("bulk\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            int b;
            while ((b = in.read()) != '\n') assertThat(b).as("the stream's first line").isNotNegative();
            Random random = new Random(42);
            byte[] want = new byte[64 << 10], got = new byte[64 << 10];
            for (int at = 0; at < NatTestbed.BULK; at += want.length) {
                random.nextBytes(want);
                int n = in.readNBytes(got, 0, got.length);
                assertThat(n).as("bytes at " + at).isEqualTo(got.length);
                assertThat(got).as("bytes at " + at).isEqualTo(want);
            }
            assertThat(in.read()).as("the end of the stream").isEqualTo(-1);
        }
    }
}
