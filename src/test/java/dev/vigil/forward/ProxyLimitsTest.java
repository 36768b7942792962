package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.Scheduler;
import dev.vigil.config.VirtualServer;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static dev.vigil.forward.ProxyEngineTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy's connection limits on every data path: {@code proxy_maxconn} of the node and of a virtual
 * server, {@code proxy_maxconn_per_source}, {@code proxy_half_close_timeout}; refusals are resets, counted,
 * and every way a connection ends gives its place back exactly once.
 */
@ComponentTest
class ProxyLimitsTest extends ProxyFixture {
    private TestBackend backend(TestBackend.Behaviour b) throws IOException {
        TestBackend t = new TestBackend(b);
        closeAfter.add(t);
        return t;
    }

    static VirtualServer.ProxySettings limits(int maxconn, int perSource, Duration halfClose) {
        return new VirtualServer.ProxySettings(Duration.ofSeconds(5), Duration.ofMinutes(5), Optional.empty(), true,
                true, maxconn, perSource, halfClose);
    }

    private static VirtualServer config(TestBackend backend, VirtualServer.ProxySettings settings) {
        return virtualServer("127.0.0.1", 80, Scheduler.RR).proxy(settings).real("127.0.0.1", backend.port(), 1).build();
    }

    private VirtualServerListener listen(VirtualService vs) {
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        assertThat(l.listening()).isTrue();
        return l;
    }

    /** A client from {@code source} through the proxy to the echo backend, one round trip done. */
    private Socket connected(VirtualServerListener l, String source) throws IOException {
        Socket s = new Socket();
        closeAfter.add(s);
        s.bind(new InetSocketAddress(ip(source), 0));
        s.connect(l.localAddress(), 2000);
        s.setSoTimeout(5000);
        s.getOutputStream().write(7);
        assertThat(s.getInputStream().read()).as("echo through the proxy from " + source).isEqualTo(7);
        return s;
    }

    /** Whether a client from {@code source} is refused: reset (or closed) without reaching a real server. */
    private static boolean refused(VirtualServerListener l, String source) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(ip(source), 0));
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(7);
            return s.getInputStream().read() == -1;
        } catch (SocketException reset) {
            return true; // the reset may even beat the write or connect() back to the caller
        }
    }

    @Test
    void theConnectionOverProxyMaxconnIsRefusedAndCountedAndAClosedOneFreesItsPlace() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualServerListener l = listen(new VirtualService(config(echo, limits(3, 0, Duration.ofMinutes(1)))));
        List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 3; i++) open.add(connected(l, "127.0.0.1"));
        assertThat(refused(l, "127.0.0.1")).as("the 4th of proxy_maxconn 3").isTrue();
        await(() -> engine.counters().refusedMaxconn() == 1, "the refusal counted");
        assertThat(echo.accepted.get()).as("a refused client never reaches a real server").isEqualTo(3);
        assertThat(engine.counters().accepted()).isEqualTo(4);
        await(() -> engine.openConnections() == 3, "the refused one is not open");

        open.getFirst().close();
        await(() -> engine.openConnections() == 2, "the closed one is gone");
        connected(l, "127.0.0.1");
        assertThat(refused(l, "127.0.0.1")).isTrue();
        await(() -> engine.counters().refusedMaxconn() == 2, "counted again");
        assertThat(engine.counters().refusedPerSource()).isZero();
    }

    @Test
    void theNodeLimitCountsTheConnectionsOfEveryVirtualServer() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualServerListener a = listen(new VirtualService(config(echo, limits(0, 0, Duration.ofMinutes(1)))));
        VirtualServerListener b = listen(new VirtualService(config(echo, limits(0, 0, Duration.ofMinutes(1)))));
        engine.limitConnections(2);
        connected(a, "127.0.0.1");
        connected(b, "127.0.0.1");
        assertThat(refused(a, "127.0.0.1")).isTrue();
        assertThat(refused(b, "127.0.0.1")).isTrue();
        await(() -> engine.counters().refusedMaxconn() == 2, "both refusals counted");
        engine.limitConnections(0);
        connected(a, "127.0.0.1");
    }

    @Test
    void theConnectionOverTheLimitOfItsSourceIsRefusedWhileOtherSourcesGoOn() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualServerListener l = listen(new VirtualService(config(echo, limits(0, 2, Duration.ofMinutes(1)))));
        Socket first = connected(l, "127.0.0.2");
        connected(l, "127.0.0.2");
        assertThat(refused(l, "127.0.0.2")).as("the 3rd from 127.0.0.2").isTrue();
        connected(l, "127.0.0.3");
        connected(l, "127.0.0.3");
        assertThat(refused(l, "127.0.0.3")).as("the 3rd from 127.0.0.3").isTrue();
        await(() -> engine.counters().refusedPerSource() == 2, "both refusals counted");
        assertThat(engine.counters().refusedMaxconn()).isZero();

        first.close();
        await(() -> engine.openConnections() == 3, "the closed one is gone");
        connected(l, "127.0.0.2");
        assertThat(refused(l, "127.0.0.2")).isTrue();
    }

    @Test
    void aHalfClosedConnectionWithoutTrafficIsClosedAfterTheHalfCloseTimeout() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // Reads until the client's FIN, then neither answers nor closes: the peer that vanished.
        TestBackend silent = backend(s -> {
            s.getInputStream().readAllBytes();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closeAfter.add(release::countDown);
        VirtualServerListener l = listen(new VirtualService(config(silent, limits(0, 0, Duration.ofMillis(400)))));
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(1);
            s.shutdownOutput();
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).as("closed by the half-close timeout, not the idle one")
                    .isBetween(250L, 5_000L);
        }
        await(() -> engine.counters().halfCloseTimeouts() == 1, "counted");
        assertThat(engine.counters().idleTimeouts()).isZero();
        await(() -> engine.openConnections() == 0, "both halves closed");
    }

    @Test
    void aHalfClosedConnectionThatStillCarriesBytesStaysOpen() throws Exception {
        // After the client's FIN the real server answers in ten pieces, 100 ms apart, 1 s in all.
        TestBackend slowAnswer = backend(s -> {
            s.getInputStream().readAllBytes();
            for (int i = 0; i < 10; i++) {
                s.getOutputStream().write('a' + i);
                s.getOutputStream().flush();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            s.shutdownOutput();
        });
        VirtualServerListener l = listen(new VirtualService(config(slowAnswer, limits(0, 0, Duration.ofMillis(400)))));
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(1);
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes())).isEqualTo("abcdefghij");
        }
        assertThat(engine.counters().halfCloseTimeouts()).isZero();
    }

    @Test
    void limitsChangedByAReloadApplyToNewConnections() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualService vs = new VirtualService(config(echo, limits(0, 0, Duration.ofMinutes(1))));
        VirtualServerListener l = listen(vs);
        connected(l, "127.0.0.2");
        connected(l, "127.0.0.2");
        vs.reconfigure(config(echo, limits(3, 2, Duration.ofMinutes(1))));
        assertThat(refused(l, "127.0.0.2")).as("the connections open before the reload count").isTrue();
        connected(l, "127.0.0.3");
        assertThat(refused(l, "127.0.0.3")).as("proxy_maxconn 3 reached").isTrue();
        vs.reconfigure(config(echo, limits(0, 3, Duration.ofMinutes(1))));
        connected(l, "127.0.0.2");
        connected(l, "127.0.0.3");
        await(() -> engine.counters().refusedPerSource() == 1 && engine.counters().refusedMaxconn() == 1, "counted");
    }

    @Test
    void everyWayAConnectionEndsGivesItsPlaceBackOnce() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        TestBackend resetting = backend(s -> {
            s.getInputStream().read();
            s.setSoLinger(true, 0);
            s.close();
        });
        int closedPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = probe.getLocalPort();
        }
        VirtualServer.ProxySettings one = new VirtualServer.ProxySettings(Duration.ofSeconds(5), Duration.ofMillis(300),
                Optional.empty(), true, true, 1, 1, Duration.ofMinutes(1));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR).proxy(one)
                .real("127.0.0.1", echo.port(), 1).build());
        VirtualServerListener l = listen(vs);
        engine.limitConnections(1);

        connected(l, "127.0.0.1").close(); // a plain close
        await(() -> engine.openConnections() == 0, "closed");
        Socket reset = connected(l, "127.0.0.1"); // a client reset
        reset.setSoLinger(true, 0);
        reset.close();
        await(() -> engine.openConnections() == 0, "reset");
        connected(l, "127.0.0.1"); // the idle timeout (300 ms)
        await(() -> engine.counters().idleTimeouts() == 1 && engine.openConnections() == 0, "idle closed");
        vs.setHealth(echo.address(), false, 1); // no real server: refused after admission
        assertThat(refused(l, "127.0.0.1")).isTrue();
        await(() -> engine.counters().noRealServer() == 1 && engine.openConnections() == 0, "refused, no real server");
        vs.reconfigure(virtualServer("127.0.0.1", 80, Scheduler.RR).proxy(one).real("127.0.0.1", closedPort, 1).build());
        assertThat(refused(l, "127.0.0.1")).as("the only real server refuses the connect").isTrue();
        await(() -> engine.counters().connectFailures() == 1 && engine.openConnections() == 0, "connect failed");
        vs.reconfigure(virtualServer("127.0.0.1", 80, Scheduler.RR).proxy(one).real("127.0.0.1", resetting.port(), 1).build());
        try (Socket s = new Socket()) { // the real server resets
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(1);
            InputStream in = s.getInputStream();
            try {
                assertThat(in.read()).isEqualTo(-1);
            } catch (SocketException passedOn) {
                assertThat(passedOn.getMessage()).contains("reset");
            }
        }
        await(() -> engine.openConnections() == 0, "server reset passed on");
        assertThat(engine.counters().refusedMaxconn() + engine.counters().refusedPerSource())
                .as("nothing above was over a limit: each ending gave its place back").isZero();

        vs.reconfigure(config(echo, one));
        connected(l, "127.0.0.1");
        assertThat(refused(l, "127.0.0.1")).as("a place given back twice would let a second one in").isTrue();
        await(() -> engine.counters().refusedMaxconn() == 1, "counted");
    }
}
