package dev.vigil.forward;

import dev.vigil.balance.RealServerSnapshot;
import dev.vigil.balance.VirtualService;
import dev.vigil.balance.VirtualServiceSnapshot;
import dev.vigil.config.Scheduler;
import dev.vigil.config.SchedulerFlag;
import dev.vigil.config.VirtualServer;
import dev.vigil.testing.ComponentTest;
import dev.vigil.testing.HeldPort;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy on loopback with real TCP servers: schedulers end to end, half-close, reset, listener life. */
@ComponentTest
class ProxyEngineTest extends ProxyFixture {
    TestBackend backend(TestBackend.Behaviour b) throws IOException {
        TestBackend t = new TestBackend(b);
        closeAfter.add(t);
        return t;
    }

    static VirtualServer.ProxySettings settings(Duration connectTimeout, Duration idle) {
        return new VirtualServer.ProxySettings(connectTimeout, idle, Optional.empty(), true, true, 0, 0,
                VirtualServer.ProxySettings.DEFAULTS.halfCloseTimeout());
    }

    VirtualServerListener listen(VirtualService vs) {
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        assertThat(l.listening()).isTrue();
        return l;
    }

    /** Connects from a given loopback source address and reads the backend's id byte. */
    static int idFrom(VirtualServerListener l, String sourceIp) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(ip(sourceIp), 0));
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            return s.getInputStream().read();
        }
    }

    private static boolean refuses(InetSocketAddress address) {
        try (Socket t = new Socket()) {
            t.connect(address, 1000);
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    @Test
    void wrrThreeToOneThroughTheProxyAndQuiescedGetsNothing() throws Exception {
        TestBackend a = backend(TestBackend.identify(1)), b = backend(TestBackend.identify(2)),
                c = backend(TestBackend.identify(3));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.WRR)
                .real("127.0.0.1", a.port(), 3).real("127.0.0.1", b.port(), 1).real("127.0.0.1", c.port(), 0).build());
        VirtualServerListener l = listen(vs);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int i = 0; i < 200; i++) counts.merge(idFrom(l, "127.0.0.1"), 1, Integer::sum);
        // Sequential connections: IPVS's wrr is exact, tolerance 0.
        assertThat(counts).containsEntry(1, 150).containsEntry(2, 50).doesNotContainKey(3);
        assertThat(c.accepted.get()).isZero();
        await(() -> vs.snapshot().inactiveConnections() + vs.snapshot().activeConnections() == 0, "all closed");
        VirtualServiceSnapshot snap = vs.snapshot();
        assertThat(snap.totalConnections()).isEqualTo(200);
        assertThat(snap.bytesOut()).isEqualTo(200);
        assertThat(engine.counters().accepted()).isEqualTo(200);
    }

    @Test
    void closingTheConnectionsToAnAddressEndsBothHalvesAndSparesTheOthers() throws Exception {
        TestBackend be = backend(TestBackend.echo());
        VirtualServerListener l = listen(new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build()));
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(1);
            assertThat(s.getInputStream().read()).isEqualTo(1);

            assertThat(engine.addressesReleased(List.of(ip("127.0.0.9")))).isZero();
            s.getOutputStream().write(2);
            assertThat(s.getInputStream().read()).isEqualTo(2);

            assertThat(engine.addressesReleased(List.of(InetAddress.getLoopbackAddress()))).isEqualTo(1);
            try {
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            } catch (java.net.SocketException reset) {
                assertThat(reset.getMessage()).contains("reset");
            }
        }
        await(() -> engine.openConnections() == 0, "both halves closed");
    }

    @Test
    void foAndShAndMhThroughTheProxy() throws Exception {
        TestBackend a = backend(TestBackend.identify(1)), b = backend(TestBackend.identify(2));
        VirtualServerListener fo = listen(new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.FO)
                .real("127.0.0.1", a.port(), 1).real("127.0.0.1", b.port(), 7).build()));
        for (int i = 0; i < 20; i++) assertThat(idFrom(fo, "127.0.0.1")).isEqualTo(2);
        for (Scheduler sched : List.of(Scheduler.SH, Scheduler.MH)) {
            VirtualServerListener l = listen(new VirtualService(virtualServer("127.0.0.1", 80, sched)
                    .real("127.0.0.1", a.port(), 1).real("127.0.0.1", b.port(), 1).build()));
            Map<Integer, Integer> perServer = new HashMap<>();
            for (int client = 2; client < 42; client++) {
                String src = "127.0.1." + client;
                int first = idFrom(l, src);
                for (int k = 0; k < 4; k++) assertThat(idFrom(l, src)).as(sched + " sticks " + src).isEqualTo(first);
                perServer.merge(first, 1, Integer::sum);
            }
            assertThat(perServer).as(sched + " spreads clients").hasSize(2);
        }
    }

    @Test
    void ipv6VirtualServerInFrontOfIpv6AndIpv4RealServers() throws Exception {
        TestBackend v6 = new TestBackend(TestBackend.identify(6), 64, ip("::1"));
        closeAfter.add(v6);
        TestBackend v4 = backend(TestBackend.identify(4));
        VirtualService vs = new VirtualService(virtualServer("::1", 80, Scheduler.RR)
                .real("::1", v6.port(), 1).real("127.0.0.1", v4.port(), 1).build());
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(ip("::1"), 0));
        assertThat(l.listening()).isTrue();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) ids.add(idFrom(l, "::1"));
        assertThat(ids).containsExactlyInAnyOrder(6, 6, 4, 4);
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            int id = s.getInputStream().read();
            s.getOutputStream().write(77);
            assertThat(s.getInputStream().read()).as("echo through server " + id).isEqualTo(77);
            await(() -> engine.openConnections() == 1, "one open");
            assertThat(engine.addressesReleased(List.of(ip("::1")))).isEqualTo(1);
            assertThat(s.getInputStream().read()).as("closed with the VIP").isEqualTo(-1);
        }
        await(() -> engine.openConnections() == 0, "closed");
    }

    @Test
    void persistenceKeepsAClientOnItsServerWithRoundRobin() throws Exception {
        TestBackend a = backend(TestBackend.identify(1)), b = backend(TestBackend.identify(2));
        VirtualServerListener l = listen(new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .persistence(Duration.ofSeconds(300), null)
                .real("127.0.0.1", a.port(), 1).real("127.0.0.1", b.port(), 1).build()));
        int first = idFrom(l, "127.0.2.1");
        for (int i = 0; i < 10; i++) assertThat(idFrom(l, "127.0.2.1")).isEqualTo(first);
        assertThat(idFrom(l, "127.0.2.2")).isNotEqualTo(first);
    }

    @Test
    void halfCloseBehavesLikeADirectConnection() throws Exception {
        TestBackend.Behaviour replyAfterEof = s -> {
            byte[] got = s.getInputStream().readAllBytes(); // until the client's FIN
            s.getOutputStream().write(("got " + got.length).getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
        };
        TestBackend be = backend(replyAfterEof);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build());
        VirtualServerListener l = listen(vs);
        for (InetSocketAddress target : List.of(be.address(), l.localAddress())) {
            try (Socket s = new Socket()) {
                s.connect(target, 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                s.shutdownOutput();
                assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
                        .as("via " + target).isEqualTo("got 5");
            }
        }
        await(() -> vs.snapshot().activeConnections() + vs.snapshot().inactiveConnections() == 0, "closed");
        assertThat(vs.snapshot().bytesIn()).isEqualTo(5);
        assertThat(vs.snapshot().bytesOut()).isEqualTo(5);
    }

    /**
     * The other direction: the real server's FIN comes first (as with HTTP `Connection: close`).
     * The client must still be able to send after it, and its own FIN must reach the real server.
     */
    @Test
    void realServerHalfCloseFirstStillCarriesTheClientsLastBytes() throws Exception {
        java.util.concurrent.CompletableFuture<String> heard = new java.util.concurrent.CompletableFuture<>();
        TestBackend.Behaviour finFirst = s -> {
            s.getOutputStream().write("bye".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            heard.complete(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)); // until the client's FIN
        };
        TestBackend be = backend(finFirst);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build());
        VirtualServerListener l = listen(vs);
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye");
            s.getOutputStream().write("after your FIN".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertThat(heard.get(5, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo("after your FIN");
        }
        await(() -> vs.snapshot().activeConnections() + vs.snapshot().inactiveConnections() == 0, "closed");
        assertThat(vs.snapshot().bytesIn()).isEqualTo(14);
        assertThat(vs.snapshot().bytesOut()).isEqualTo(3);
    }

    @Test
    void clientResetReachesTheRealServerAsAReset() throws Exception {
        List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
        TestBackend.Behaviour readUntilEnd = s -> {
            try {
                s.getInputStream().readAllBytes();
                outcomes.add("eof");
            } catch (IOException e) {
                outcomes.add("reset: " + e.getMessage());
            }
        };
        TestBackend be = backend(readUntilEnd);
        VirtualServerListener l = listen(new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build()));
        for (InetSocketAddress target : List.of(be.address(), l.localAddress())) {
            Socket s = new Socket();
            s.connect(target, 2000);
            s.getOutputStream().write(1);
            Thread.sleep(200); // established end to end
            s.setSoLinger(true, 0);
            s.close();
        }
        await(() -> outcomes.size() == 2, "both backends saw the end");
        assertThat(outcomes.get(0)).startsWith("reset");
        assertThat(outcomes.get(1)).as("through the proxy, like direct").startsWith("reset");
        await(() -> engine.counters().resetsPassed() == 1, "reset counted");
    }

    @Test
    void realServerResetReachesTheClientAsAReset() throws Exception {
        TestBackend.Behaviour resetAfterHello = s -> {
            s.getOutputStream().write("partial".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            s.getInputStream().read(); // the client's go
            s.setSoLinger(true, 0);
            s.close();
        };
        TestBackend be = backend(resetAfterHello);
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build());
        VirtualServerListener l = listen(vs);
        for (InetSocketAddress target : List.of(be.address(), l.localAddress())) {
            try (Socket s = new Socket()) {
                s.connect(target, 2000);
                s.setSoTimeout(5000);
                InputStream in = s.getInputStream();
                assertThat(new String(in.readNBytes(7), StandardCharsets.US_ASCII)).isEqualTo("partial");
                s.getOutputStream().write(1);
                assertThatThrownBy(() -> in.read()).as("via " + target).isInstanceOf(java.net.SocketException.class)
                        .hasMessageContaining("reset");
            }
        }
        await(() -> vs.snapshot().activeConnections() + vs.snapshot().inactiveConnections() == 0, "closed");
        assertThat(engine.openConnections()).isZero();
    }

    @Test
    void refusingRealServerIsRetriedElsewhereAndCounted() throws Exception {
        TestBackend good = backend(TestBackend.identify(7));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", refusingPort(), 1).real("127.0.0.1", good.port(), 1).build());
        VirtualServerListener l = listen(vs);
        for (int i = 0; i < 10; i++) assertThat(idFrom(l, "127.0.0.1")).isEqualTo(7);
        RealServerSnapshot refused = vs.snapshot().realServers().getFirst();
        // rr resumes after the server that took the retry, so the refusing one is offered first every time.
        assertThat(refused.failedConnections()).isEqualTo(10);
        assertThat(refused.activeConnections() + refused.inactiveConnections()).isZero();
        assertThat(engine.counters().connectFailures()).isEqualTo(10);
        assertThat(engine.counters().retries()).isEqualTo(10);
    }

    /** A real server that refuses every connection until the test ends (a port closed again could be anyone's). */
    private int refusingPort() throws IOException {
        HeldPort refusing = HeldPort.refusing();
        closeAfter.add(refusing);
        return refusing.port();
    }

    /** A port whose listener's accept queue is full: it drops further SYNs, so a handshake never completes. */
    private int silentRealServerPort() throws IOException {
        java.net.ServerSocket full = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        closeAfter.add(full);
        for (int i = 0; i < 8; i++) {
            Socket f = new Socket();
            try {
                f.connect(full.getLocalSocketAddress(), 300);
                closeAfter.add(f);
            } catch (java.net.SocketTimeoutException e) {
                f.close();
                break; // the queue is full: SYNs are dropped from now on
            }
        }
        return full.getLocalPort();
    }

    @Test
    void clientBytesWaitingForAConnectThatTimesOutReachTheNextRealServer() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .proxy(settings(Duration.ofMillis(300), Duration.ofMinutes(5)))
                .real("127.0.0.1", silentRealServerPort(), 1).real("127.0.0.1", echo.port(), 1).build());
        VirtualServerListener l = listen(vs);
        byte[] request = "sent before any real server answered".getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(request);
            s.shutdownOutput(); // the FIN, too, waits for a connected real server
            assertThat(s.getInputStream().readAllBytes()).isEqualTo(request);
        }
        assertThat(vs.snapshot().realServers().getFirst().failedConnections()).isEqualTo(1);
        assertThat(engine.counters().retries()).isEqualTo(1);
    }

    private static long openDescriptors() throws java.io.IOException {
        try (var s = java.nio.file.Files.list(java.nio.file.Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void clientBytesSentAtOnceSurviveARefusingRealServer() throws Exception {
        TestBackend echo = backend(TestBackend.echo());
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", refusingPort(), 1).real("127.0.0.1", echo.port(), 1).build());
        VirtualServerListener l = listen(vs);
        // The request usually arrives before the proxy accepts, so its first write is the one refused.
        long descriptors = openDescriptors();
        for (int i = 0; i < 200; i++) {
            byte[] request = ("request " + i).getBytes(StandardCharsets.US_ASCII);
            try (Socket s = new Socket()) {
                s.connect(l.localAddress(), 2000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(request);
                s.shutdownOutput();
                assertThat(s.getInputStream().readAllBytes()).isEqualTo(request);
            }
        }
        assertThat(vs.snapshot().realServers().getFirst().failedConnections()).isEqualTo(200);
        assertThat(openDescriptors()).as("descriptors of refused attempts are closed").isLessThan(descriptors + 50);
    }

    @Test
    void realServerThatNeverCompletesTheHandshakeTimesOutThenAnotherServes() throws Exception {
        TestBackend good = backend(TestBackend.identify(9));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .proxy(settings(Duration.ofMillis(300), Duration.ofMinutes(5)))
                .real("127.0.0.1", silentRealServerPort(), 1).real("127.0.0.1", good.port(), 1).build());
        VirtualServerListener l = listen(vs);
        long t0 = System.nanoTime();
        assertThat(idFrom(l, "127.0.0.1")).isEqualTo(9);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("waited for the connect timeout").isBetween(250L, 5000L);
        assertThat(vs.snapshot().realServers().getFirst().failedConnections()).isEqualTo(1);
    }

    @Test
    void noUsableRealServerClosesTheClientAndCounts() throws Exception {
        TestBackend be = backend(TestBackend.identify(1));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build());
        vs.setHealth(be.address(), false, 1);
        VirtualServerListener l = listen(vs);
        // Vigil resets the client at once; the reset may even beat connect() back to the caller.
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        } catch (java.net.SocketException reset) {
            assertThat(reset.getMessage()).contains("reset");
        }
        await(() -> engine.counters().noRealServer() == 1, "counted");
        await(() -> engine.openConnections() == 0, "closed");
        assertThat(be.accepted.get()).isZero();
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        TestBackend be = backend(TestBackend.echo());
        VirtualServerListener l = listen(new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .proxy(settings(Duration.ofSeconds(5), Duration.ofMillis(300))).real("127.0.0.1", be.port(), 1).build()));
        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(42);
            assertThat(s.getInputStream().read()).isEqualTo(42);
            long t0 = System.nanoTime();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
            assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(150L, 4000L);
        }
        assertThat(engine.counters().idleTimeouts()).isEqualTo(1);
    }

    @Test
    void bindFailureIsReportedNotThrownAndClosingAListenerKeepsEstablishedConnections() throws Exception {
        TestBackend be = backend(TestBackend.echo());
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .real("127.0.0.1", be.port(), 1).build());
        VirtualServerListener l = listen(vs);
        VirtualServerListener clash = engine.open(vs, l.localAddress());
        assertThat(clash.listening()).isFalse();
        assertThat(clash.failure()).isPresent();
        assertThat(engine.counters().bindFailures()).isEqualTo(1);

        try (Socket s = new Socket()) {
            s.connect(l.localAddress(), 2000);
            s.setSoTimeout(5000);
            s.getOutputStream().write(1);
            assertThat(s.getInputStream().read()).isEqualTo(1);
            l.close();
            // NIO closes a listening socket at its selector's next turn: allow that moment.
            await(() -> refuses(l.localAddress()), "new connections refused");
            s.getOutputStream().write(2);
            assertThat(s.getInputStream().read()).as("established connection continues").isEqualTo(2);
        }
    }

    @Test
    void freeBindListensOnAnAddressThatIsNotLocal() {
        // 192.0.2.0/24 is TEST-NET-1: never local here, and nothing is sent to it.
        VirtualService vs = new VirtualService(virtualServer("192.0.2.77", 0, Scheduler.RR)
                .real("127.0.0.1", 9, 1).build());
        VirtualServerListener l = engine.open(vs, new InetSocketAddress(ip("192.0.2.77"), 0));
        if (engine.transport() == NettyTransport.NIO) {
            // No IP_FREEBIND on NIO: the address must be local, and the failure says so instead of crashing.
            assertThat(l.failure()).hasValueSatisfying(f -> assertThat(f).hasMessageContaining("assign"));
            assertThat(l.listening()).isFalse();
            return;
        }
        assertThat(l.failure()).isEmpty();
        assertThat(l.listening()).isTrue();
        l.close();
        assertThat(l.listening()).isFalse();
    }

    @Test
    void sorryServerServesWhenNoRealServerIsUpAndDrainKeepsEstablishedConnections() throws Exception {
        TestBackend a = backend(TestBackend.identify(1)), b = backend(TestBackend.identify(2)),
                sorry = backend(TestBackend.identify(9));
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .sorryServer("127.0.0.1", sorry.port())
                .real("127.0.0.1", a.port(), 1).real("127.0.0.1", b.port(), 1).build());
        VirtualServerListener l = listen(vs);
        try (Socket held = new Socket()) {
            held.connect(l.localAddress(), 2000);
            held.setSoTimeout(5000);
            int heldOn = held.getInputStream().read();
            TestBackend heldBackend = heldOn == 1 ? a : b;
            vs.setDrained(heldBackend.address(), true);
            for (int i = 0; i < 6; i++) assertThat(idFrom(l, "127.0.0.1")).isEqualTo(3 - heldOn);
            held.getOutputStream().write(5);
            assertThat(held.getInputStream().read()).as("drained server keeps its connection").isEqualTo(5);
            vs.setHealth((heldOn == 1 ? b : a).address(), false, 1);
            assertThat(idFrom(l, "127.0.0.1")).as("nothing usable: sorry server").isEqualTo(9);
        }
        await(() -> vs.snapshot().activeConnections() + vs.snapshot().inactiveConnections() == 0, "closed");
        assertThat(vs.snapshot().sorryServer().orElseThrow().totalConnections()).isEqualTo(1);
        assertThat(vs.snapshot().totalConnections()).isEqualTo(8);
    }

    @Test
    void upstreamConnectionsLeaveFromTheConfiguredSourceAddress() throws Exception {
        List<String> peers = new java.util.concurrent.CopyOnWriteArrayList<>();
        TestBackend be = backend(sock -> {
            peers.add(((InetSocketAddress) sock.getRemoteSocketAddress()).getAddress().getHostAddress());
            sock.getOutputStream().write(1);
            TestBackend.echo(sock);
        });
        VirtualService vs = new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR)
                .proxy(new VirtualServer.ProxySettings(Duration.ofSeconds(5), Duration.ofMinutes(5),
                        Optional.of(ip("127.0.0.77")), true, true, 0, 0, Duration.ofMinutes(1)))
                .real("127.0.0.1", be.port(), 1).build());
        VirtualServerListener l = listen(vs);
        for (int i = 0; i < 3; i++) assertThat(idFrom(l, "127.0.0.1")).isEqualTo(1);
        assertThat(peers).containsOnly("127.0.0.77").hasSize(3);
    }
}
