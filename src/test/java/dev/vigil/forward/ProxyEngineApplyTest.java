package dev.vigil.forward;

import dev.vigil.balance.VirtualService;
import dev.vigil.config.EngineChoice;
import dev.vigil.config.Scheduler;
import dev.vigil.testing.ComponentTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.vigil.balance.TestVirtualServers.ip;
import static dev.vigil.balance.TestVirtualServers.virtualServer;
import static dev.vigil.forward.ProxyEngineTest.await;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The proxy through the forwarding-engine contract the daemon uses: {@link ForwardingEngine#apply}
 * adds, follows and removes virtual servers without touching established connections, and
 * {@link ForwardingEngine#connections} lists what it holds.
 */
@ComponentTest
class ProxyEngineApplyTest extends ProxyFixture {
    private TestBackend echo() throws IOException {
        TestBackend b = new TestBackend(TestBackend.echo());
        closeAfter.add(b);
        return b;
    }

    private static VirtualService service(TestBackend backend) {
        return new VirtualService(virtualServer("127.0.0.1", 80, Scheduler.RR).real("127.0.0.1", backend.port(), 1).build());
    }

    private static ForwardedService at(VirtualService vs, String... ips) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String a : ips) addresses.add(new InetSocketAddress(ip(a), 0));
        return new ForwardedService(vs, addresses, List.of(), EngineChoice.DEFAULT);
    }

    private InetSocketAddress boundAt(VirtualService vs, String ip) {
        return engine.listeners(vs).stream().map(VirtualServerListener::localAddress)
                .filter(a -> a.getAddress().equals(ip(ip))).findFirst().orElseThrow();
    }

    private Socket connected(InetSocketAddress to) throws IOException {
        Socket s = new Socket();
        closeAfter.add(s);
        s.connect(to, 2000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void echoes(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        assertThat(s.getInputStream().read()).isEqualTo(b);
    }

    private static boolean refuses(InetSocketAddress address) {
        try (Socket t = new Socket()) {
            t.connect(address, 1000);
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    @Test
    void applyAddsFollowsAndRemovesVirtualServersWhileEstablishedConnectionsCarryOn() throws Exception {
        VirtualService one = service(echo()), two = service(echo());
        assertThat(engine.apply(List.of(at(one, "127.0.0.1"), at(two, "127.0.0.2")))).isEmpty();
        InetSocketAddress oneAt = boundAt(one, "127.0.0.1"), twoAt = boundAt(two, "127.0.0.2");
        Socket viaOne = connected(oneAt), viaTwo = connected(twoAt);
        echoes(viaOne, 1);
        echoes(viaTwo, 2);

        // one gains an address and keeps its listener; two goes.
        assertThat(engine.apply(List.of(at(one, "127.0.0.1", "127.0.0.3")))).isEmpty();
        assertThat(boundAt(one, "127.0.0.1")).isEqualTo(oneAt);
        echoes(connected(boundAt(one, "127.0.0.3")), 3);
        // NIO closes a listening socket at its selector's next turn, not at once.
        await(() -> refuses(twoAt), "a removed virtual server accepts nothing new");
        echoes(viaTwo, 4); // but what it had established carries on
        echoes(viaOne, 5);

        // one loses its first address.
        assertThat(engine.apply(List.of(at(one, "127.0.0.3")))).isEmpty();
        await(() -> refuses(oneAt), "the address it lost accepts nothing new");
        echoes(viaOne, 6);

        assertThat(engine.apply(List.of())).isEmpty();
        assertThat(engine.listeners(one)).isEmpty();
        echoes(viaOne, 7);
    }

    @Test
    void whatCannotBeServedIsReportedAndABindThatFailedIsTriedAgainByTheNextApply() throws Exception {
        VirtualService vs = service(echo());
        InetSocketAddress taken;
        List<String> problems;
        try (ServerSocket holder = new ServerSocket(0, 50, ip("127.0.0.4"))) {
            taken = new InetSocketAddress(ip("127.0.0.4"), holder.getLocalPort());
            problems = engine.apply(List.of(new ForwardedService(vs, List.of(taken), List.of(7), EngineChoice.DEFAULT)));
        }
        assertThat(problems).hasSize(2);
        assertThat(problems.get(0)).isEqualTo("virtual server 127.0.0.1:80: firewall mark 7 needs the kernel engine; not served");
        assertThat(problems.get(1)).startsWith("virtual server 127.0.0.1:80: cannot listen on " + taken + ": ")
                .contains("in use");
        assertThat(engine.listeners(vs)).isEmpty();
        assertThat(engine.counters().bindFailures()).isEqualTo(1);

        assertThat(engine.apply(List.of(new ForwardedService(vs, List.of(taken), List.of(), EngineChoice.DEFAULT)))).isEmpty();
        echoes(connected(taken), 9);
    }

    @Test
    void connectionsListsWhatTheEngineHoldsWithItsState() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // Reads to the client's FIN and then holds its own half open, so the connection stays closing.
        TestBackend holding = new TestBackend(s -> {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) s.getOutputStream().write('x');
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        closeAfter.add(holding);
        closeAfter.add(release::countDown);
        VirtualService vs = service(holding);
        assertThat(engine.apply(List.of(at(vs, "127.0.0.1")))).isEmpty();
        InetSocketAddress vip = boundAt(vs, "127.0.0.1");
        assertThat(engine.connections()).isEmpty();

        Socket client = connected(vip);
        client.getOutputStream().write('a');
        assertThat(client.getInputStream().read()).isEqualTo('x');
        List<ForwardedConnection> held = engine.connections();
        assertThat(held).hasSize(1);
        ForwardedConnection c = held.getFirst();
        assertThat(c.client()).isEqualTo(client.getLocalSocketAddress());
        assertThat(c.virtual()).isEqualTo(vip);
        assertThat(c.realServer()).contains(new InetSocketAddress(ip("127.0.0.1"), holding.port()));
        assertThat(c.state()).isEqualTo(ForwardedConnection.State.ESTABLISHED);
        assertThat(c.idle()).isLessThan(java.time.Duration.ofSeconds(5));

        client.shutdownOutput();
        await(() -> engine.connections().stream().allMatch(x -> x.state() == ForwardedConnection.State.CLOSING),
                "the connection is closing");
        release.countDown();
        await(() -> engine.connections().isEmpty(), "the closed connection is gone");
    }
}
