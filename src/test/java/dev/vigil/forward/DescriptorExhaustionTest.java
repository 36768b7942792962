package dev.vigil.forward;

import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The epoll data path out of file descriptors, in a child JVM ({@link DescriptorLimitedProxy}) under
 * {@code ulimit -n}: lowering the limit here would starve everything else in this JVM. The child's
 * table has room for {@link #HEADROOM} more descriptors, i.e. {@code HEADROOM / 2} proxied connections
 * (a client and a real-server socket each), and far more clients come.
 *
 * <p>First the served connections take every free slot: {@code accept4} fails (EMFILE), the listener
 * pauses 100 ms and tries again, the rest wait in the backlog. Then one spare file is closed: every
 * accept now succeeds and the real-server {@code socket()} fails, so each waiting client is refused.
 * Throughout, the connections already proxied keep working, and once the clients are gone the
 * listener serves as before, with no descriptor leaked.
 */
@ComponentTest
class DescriptorExhaustionTest {
    private static final int LIMIT = 256;
    private static final int HEADROOM = 36;
    private static final int CLIENTS = 60;

    @Test
    void outOfDescriptorsTheEngineKeepsWhatItHoldsRefusesTheRestAndRecovers() throws Exception {
        List<Client> clients = new ArrayList<>();
        Child child = null;
        try (TestBackend backend = new TestBackend(TestBackend.echo())) {
            child = Child.start(backend.port());
            String[] ready = child.reply("ready").split(" ");
            InetSocketAddress proxy = new InetSocketAddress(InetAddress.getLoopbackAddress(), Integer.parseInt(ready[1]));
            assertThat(ready[2]).as("the child's open-file limit").isEqualTo("limit=" + LIMIT);
            long fdsAtReady = Long.parseLong(ready[3].substring("fds=".length()));

            for (int i = 0; i < CLIENTS; i++) clients.add(Client.open(proxy, i));
            Map<String, Long> full = child.awaitCounters(k -> k.get("acceptFailures") > 0
                    && k.get("open") == count(clients, Client::served), "the table full and accept failing");
            int served = count(clients, Client::served);
            // Two descriptors per proxied connection; a third would leave room for only 12.
            assertThat(served).as("connections served with %d free descriptors", HEADROOM)
                    .isBetween(HEADROOM / 2 - 2, HEADROOM / 2);
            int waiting = count(clients, Client::waiting);
            assertThat(waiting).as("clients left in the backlog").isGreaterThanOrEqualTo(CLIENTS - HEADROOM / 2 - 2);
            assertThat(child.fds()).as("the child cannot even list its descriptors").isEqualTo(-1);

            // The listener pauses for 100 ms per failure and then tries again: it neither spins nor gives up.
            Thread.sleep(1000);
            Map<String, Long> later = child.counters();
            assertThat(later.get("acceptFailures") - full.get("acceptFailures"))
                    .as("accept failures in a second, pausing 100 ms after each").isBetween(3L, 30L);
            assertThat(later.get("open")).isEqualTo((long) served);
            assertThat(child.process.isAlive()).isTrue();

            // One slot free: every accept succeeds and every real-server socket() fails, so each waiting
            // client is refused at once instead of waiting.
            child.send("free 1");
            child.reply("freed");
            Map<String, Long> refused = child.awaitCounters(k -> count(clients, Client::waiting) == 0
                    && k.get("open") == served, "the waiting clients refused");
            assertThat(refused.get("connectFailures")).as("real-server sockets that could not be had")
                    .isGreaterThanOrEqualTo(waiting);
            assertThat(refused.get("noRealServer")).as("clients refused").isGreaterThanOrEqualTo(waiting);
            assertThat(refused.get("accepted")).isEqualTo(1L + CLIENTS); // the child's own warm-up connection too
            System.out.printf("out of descriptors: %d clients served, %d waiting, %d accept failures in 1 s;"
                            + " one descriptor freed: %d refused%n", served, waiting,
                    later.get("acceptFailures") - full.get("acceptFailures"), refused.get("noRealServer"));
            for (Client client : clients) {
                assertThat(client.answer.isDone()).isTrue();
                if (!client.served()) assertThat(client.partial()).as("what a refused client got").isEmpty();
            }

            // The connections held throughout still carry bytes both ways.
            for (Client client : clients) if (client.served()) client.echoAgain();

            for (Client client : clients) client.close();
            child.awaitCounters(k -> k.get("open") == 0, "every connection closed");
            long start = System.nanoTime();
            for (int i = 0; i < 10; i++) {
                try (Client fresh = Client.open(proxy, 1000 + i)) {
                    assertThat(fresh.answer.get(5, TimeUnit.SECONDS)).as("echo through the proxy afterwards")
                            .isEqualTo(fresh.line);
                }
            }
            assertThat(System.nanoTime() - start).as("ten echoes afterwards, ns").isLessThan(10_000_000_000L);
            child.awaitCounters(k -> k.get("open") == 0, "the fresh connections closed");
            assertThat(child.fds()).as("descriptors open in the child after it all: no leak")
                    .isEqualTo(fdsAtReady - 1);

            child.stdin.close();
            assertThat(child.process.waitFor(15, TimeUnit.SECONDS)).as("child exits on stdin EOF").isTrue();
            assertThat(child.process.exitValue()).as("child exit status\n" + child.transcript()).isZero();
            List<String> transcript = List.copyOf(child.lines);
            assertThat(transcript).as(child.transcript())
                    .noneMatch(l -> l.contains("Exception") || l.contains("Error:") || l.startsWith("\tat "));
            assertThat(transcript.stream().filter(l -> l.contains("WARN") && l.contains("cannot accept connections")))
                    .as("out-of-descriptors warnings, rate-limited\n" + child.transcript()).hasSizeBetween(1, 3);
        } catch (Throwable t) {
            if (child != null) t.addSuppressed(new AssertionError(child.transcript()));
            throw t;
        } finally {
            for (Client client : clients) client.close();
            if (child != null) child.stop();
        }
    }

    private static int count(List<Client> clients, Predicate<Client> which) {
        return (int) clients.stream().filter(which).count();
    }

    /** A client connection that sends its own line at once and reads, on a virtual thread, until a newline or the end. */
    private static final class Client implements AutoCloseable {
        final Socket socket;
        final byte[] line;
        final CompletableFuture<byte[]> answer = new CompletableFuture<>();
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();

        private Client(Socket socket, byte[] line) {
            this.socket = socket;
            this.line = line;
        }

        /** A refusal can come before connect() returns: that client is answered with the exception. */
        static Client open(InetSocketAddress proxy, int id) {
            Client c = new Client(new Socket(), ("client " + id + " " + "x".repeat(id % 7) + "\n")
                    .getBytes(StandardCharsets.US_ASCII));
            try {
                c.socket.connect(proxy, 5000); // completes in the kernel's backlog whether or not Vigil accepts
                c.socket.getOutputStream().write(c.line);
            } catch (IOException e) {
                c.answer.completeExceptionally(e);
                return c;
            }
            Thread.ofVirtual().start(c::read);
            return c;
        }

        private void read() {
            try {
                InputStream in = socket.getInputStream();
                for (int b; (b = in.read()) >= 0; ) {
                    synchronized (got) {
                        got.write(b);
                    }
                    if (b == '\n') break;
                }
                answer.complete(partial());
            } catch (IOException e) {
                answer.completeExceptionally(e);
            }
        }

        byte[] partial() {
            synchronized (got) {
                return got.toByteArray();
            }
        }

        /** Got a whole line back; it must be its own. */
        boolean served() {
            if (!answer.isDone() || answer.isCompletedExceptionally()) return false;
            byte[] a = answer.join();
            if (a.length == 0 || a[a.length - 1] != '\n') return false;
            assertThat(new String(a, StandardCharsets.US_ASCII)).isEqualTo(new String(line, StandardCharsets.US_ASCII));
            return true;
        }

        /** Neither served nor refused yet: not accepted, or accepted and not yet answered. */
        boolean waiting() {
            return !answer.isDone();
        }

        void echoAgain() throws IOException {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(line);
            byte[] back = socket.getInputStream().readNBytes(line.length);
            assertThat(back).as("second echo on a connection held through the shortage").isEqualTo(line);
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed either way
            }
        }
    }

    /** The child JVM: every output line is kept for the transcript; answers to commands also go to a queue. */
    private static final class Child {
        final Process process;
        final PrintWriter stdin;
        final List<String> lines = new CopyOnWriteArrayList<>();
        private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

        private Child(Process process) {
            this.process = process;
            this.stdin = new PrintWriter(process.getOutputStream(), true, StandardCharsets.US_ASCII);
            Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader out = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII))) {
                    for (String line; (line = out.readLine()) != null; ) {
                        lines.add(line);
                        if (line.startsWith("ready ") || line.startsWith("counters ") || line.startsWith("freed ")
                                || line.startsWith("fds ")) {
                            replies.add(line);
                        }
                    }
                } catch (IOException ignored) {
                    // the child is gone; reply() times out and shows the transcript
                }
            });
        }

        static Child start(int backendPort) throws Exception {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            // ulimit -n sets the hard limit too, so the JVM cannot raise the soft one again.
            List<String> cmd = List.of("bash", "-c", "ulimit -n " + LIMIT + " && exec \"$@\"", "bash",
                    java.toString(), "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    DescriptorLimitedProxy.class.getName(), Integer.toString(backendPort), Integer.toString(HEADROOM));
            return new Child(new ProcessBuilder(cmd).redirectErrorStream(true).start());
        }

        void send(String command) {
            stdin.println(command);
        }

        String reply(String kind) throws InterruptedException {
            String r = replies.poll(20, TimeUnit.SECONDS);
            if (r == null || !r.startsWith(kind + " ")) {
                throw new AssertionError("expected '" + kind + " ...' from the child, got " + r + "\n" + transcript());
            }
            return r;
        }

        Map<String, Long> counters() throws InterruptedException {
            send("counters");
            Map<String, Long> m = new HashMap<>();
            String[] fields = reply("counters").split(" ");
            for (String field : Arrays.copyOfRange(fields, 1, fields.length)) {
                String[] kv = field.split("=");
                m.put(kv[0], Long.parseLong(kv[1]));
            }
            return m;
        }

        long fds() throws InterruptedException {
            send("fds");
            return Long.parseLong(reply("fds").substring("fds ".length()));
        }

        Map<String, Long> awaitCounters(Predicate<Map<String, Long>> condition, String what) throws InterruptedException {
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (true) {
                Map<String, Long> k = counters();
                if (condition.test(k)) return k;
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for " + what + "; last " + k + "\n" + transcript());
                }
                Thread.sleep(50);
            }
        }

        String transcript() {
            return "child output:\n  " + String.join("\n  ", lines);
        }

        void stop() throws InterruptedException {
            stdin.close();
            if (process.waitFor(5, TimeUnit.SECONDS)) return;
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
