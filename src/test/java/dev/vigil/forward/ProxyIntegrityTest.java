package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.balance.VirtualServiceSnapshot;
import dev.vigil.config.Scheduler;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;

/** Bytes through the proxy arrive intact, both ways, under concurrency, and a slow reader cannot make Vigil buffer without bound. */
@ComponentTest
class ProxyIntegrityTest extends ProxyFixture {
    static final int CONNECTIONS = 50;
    static final int BYTES_PER_CONNECTION = 2 * 1024 * 1024; // 50 x 2 MiB = 100 MiB each way

    @Test
    void sha256Of100MegabytesEachWayWith50ConcurrentConnections() throws Exception {
        TestBackend a = new TestBackend(TestBackend.echo()), b = new TestBackend(TestBackend.echo());
        closeAfter.add(a);
        closeAfter.add(b);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.WLC)
                .real("127.0.0.1", a.port(), 1).real("127.0.0.1", b.port(), 1).build());
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        List<Future<String[]>> results = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < CONNECTIONS; c++) {
                int seed = c;
                results.add(pool.submit(() -> roundTrip(l.localAddress(), seed)));
            }
            for (Future<String[]> r : results) {
                String[] sentAndReceived = r.get();
                assertThat(sentAndReceived[1]).isEqualTo(sentAndReceived[0]);
            }
        }
        ProxyEngineTest.await(() -> engine.openConnections() == 0, "all connections closed");
        VirtualServiceSnapshot s = vs.snapshot();
        assertThat(s.bytesIn()).isEqualTo((long) CONNECTIONS * BYTES_PER_CONNECTION);
        assertThat(s.bytesOut()).isEqualTo((long) CONNECTIONS * BYTES_PER_CONNECTION);
        assertThat(s.totalConnections()).isEqualTo(CONNECTIONS);
        assertThat(s.activeConnections() + s.inactiveConnections()).isZero();
    }

    /** Sends pseudo-random bytes, half-closes, reads the echo to EOF; returns both digests. */
    private static String[] roundTrip(InetSocketAddress target, long seed) throws Exception {
        try (Socket s = new Socket()) {
            s.connect(target, 5000);
            s.setSoTimeout(60_000);
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            MessageDigest received = MessageDigest.getInstance("SHA-256");
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    SplittableRandom random = new SplittableRandom(seed);
                    byte[] chunk = new byte[16 * 1024 + (int) seed]; // odd sizes cross buffer boundaries
                    for (int left = BYTES_PER_CONNECTION; left > 0; ) {
                        int n = Math.min(left, chunk.length);
                        random.nextBytes(chunk);
                        out.write(chunk, 0, n);
                        sent.update(chunk, 0, n);
                        left -= n;
                    }
                    s.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            InputStream in = s.getInputStream();
            byte[] buf = new byte[32 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) >= 0; ) {
                received.update(buf, 0, n);
                total += n;
            }
            writer.join();
            assertThat(total).isEqualTo(BYTES_PER_CONNECTION);
            return new String[]{HexFormat.of().formatHex(sent.digest()), HexFormat.of().formatHex(received.digest())};
        }
    }

    @Test
    void aClientThatStopsReadingDoesNotMakeVigilBufferWithoutBound() throws Exception {
        long total = 64L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        TestBackend firehose = new TestBackend(s -> {
            OutputStream out = s.getOutputStream();
            byte[] chunk = new byte[64 * 1024];
            for (long left = total; left > 0; left -= chunk.length) {
                out.write(chunk);
                written.addAndGet(chunk.length);
            }
            s.shutdownOutput();
        });
        closeAfter.add(firehose);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", firehose.port(), 1).build());
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try (Socket s = new Socket()) {
            s.setReceiveBufferSize(64 * 1024);
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(30_000);
            long last = -1;
            // Wait until the real server is stuck: nothing more written for a while.
            for (int i = 0; i < 100 && written.get() != last; i++) {
                last = written.get();
                Thread.sleep(200);
            }
            long pending = engine.pendingOutboundBytes();
            // High-water mark (256 KiB) plus at most one read loop; kernel buffers hold the rest.
            assertThat(pending).as("bytes Vigil holds for the stalled client").isLessThan(2L * 1024 * 1024);
            assertThat(written.get()).as("the real server was slowed down").isLessThan(total / 2);
            long got = 0;
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) got += n;
            assertThat(got).isEqualTo(total);
        }
        assertThat(vs.snapshot().bytesOut()).isEqualTo(total);
    }

    @Test
    void aRealServerThatStopsReadingDoesNotMakeVigilBufferWithoutBound() throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        AtomicLong consumed = new AtomicLong();
        TestBackend sleepy = new TestBackend(s -> {
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            byte[] buf = new byte[256 * 1024];
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) consumed.addAndGet(n);
        });
        closeAfter.add(sleepy);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", sleepy.port(), 1).build());
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        long total = 64L * 1024 * 1024;
        AtomicLong written = new AtomicLong();
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    byte[] chunk = new byte[64 * 1024];
                    for (long left = total; left > 0; left -= chunk.length) {
                        s.getOutputStream().write(chunk);
                        written.addAndGet(chunk.length);
                    }
                    s.shutdownOutput();
                } catch (Exception ignored) {
                    // the assertions below tell
                }
            });
            long last = -1;
            for (int i = 0; i < 100 && written.get() != last; i++) {
                last = written.get();
                Thread.sleep(200);
            }
            assertThat(engine.pendingOutboundBytes()).isLessThan(2L * 1024 * 1024);
            assertThat(written.get()).isLessThan(total / 2);
            go.countDown();
            writer.join(30_000);
            ProxyEngineTest.await(() -> consumed.get() == total, "everything delivered");
        }
    }
}
