package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportProperties {

    @Property
    void serverAddressesRoundTrip(@ForAll("addresses") InetAddress address, @ForAll("ports") int port) {
        ServerAddress a = new ServerAddress(address, port);
        assertThat(ServerAddress.parse(a.toString())).isEqualTo(a);
    }

    @Property
    void garbageAddressesFailWithAMessageNeverAnotherException(@ForAll String text) {
        try {
            ServerAddress.parse(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property(tries = 200)
    void statusJsonRoundTrips(@ForAll("snapshots") StatusSnapshot snapshot) {
        String json = new String(StatusJson.write(snapshot, Fixtures.T0), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(StatusJson.read(json)).isEqualTo(snapshot);
    }

    @Property
    void statusReaderRejectsNonDocumentsWithAMessage(@ForAll String text) {
        try {
            StatusJson.read(text);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    @Property
    void fifoLinesAreOneLine(@ForAll("names") String name, @ForAll int priority) {
        String line = NotifyFifo.line(new VrrpTransition(VrrpTransition.Scope.INSTANCE, name, VrrpState.BACKUP,
                VrrpState.MASTER, priority, Fixtures.T0));
        assertThat(line).doesNotContain("\n").startsWith("INSTANCE \"" + name + "\" MASTER ");
    }

    @Provide
    Arbitrary<InetAddress> addresses() {
        Arbitrary<InetAddress> v4 = Arbitraries.bytes().array(byte[].class).ofSize(4).map(ReportProperties::address);
        Arbitrary<InetAddress> v6 = Arbitraries.bytes().array(byte[].class).ofSize(16).map(ReportProperties::address);
        return Arbitraries.oneOf(v4, v6);
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Provide
    Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(1, 65535);
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.strings().alpha().numeric().withChars('_', '-').ofMinLength(1).ofMaxLength(20);
    }

    @Provide
    Arbitrary<StatusSnapshot> snapshots() {
        Arbitrary<String> text = Arbitraries.strings().ofMaxLength(12); // any characters: JSON must escape them
        Arbitrary<Long> counts = Arbitraries.longs().between(0, Long.MAX_VALUE / 2);
        Arbitrary<StatusSnapshot.Service> service = Combinators.combine(text, Arbitraries.of("UP", "DOWN"), text)
                .as(StatusSnapshot.Service::new);
        Arbitrary<StatusSnapshot.RealServer> rs = Combinators.combine(
                addresses().map(InetAddress::getHostAddress), ports(), Arbitraries.of(ForwardingMethod.class),
                Arbitraries.integers().between(0, 65535), Arbitraries.of(RealServerState.class),
                text.optional(), service.list().ofMaxSize(3), counts.list().ofSize(5))
                .as((address, port, fwd, weight, state, reason, services, c) -> new StatusSnapshot.RealServer(address,
                        port, fwd, weight, weight / 2, state == RealServerState.UP, state, reason, services,
                        c.get(0), c.get(1), c.get(2), c.get(3), c.get(4)));
        Arbitrary<StatusSnapshot.VirtualServer> vs = Combinators.combine(
                Arbitraries.oneOf(addresses().map(InetAddress::getHostAddress), Arbitraries.just("fwmark 7")), ports(),
                Arbitraries.of("TCP", "UDP"), Arbitraries.of("wlc", "rr", "sh"), counts.list().ofSize(5),
                Arbitraries.of(true, false), rs.list().ofMaxSize(4))
                .as((address, port, proto, sched, c, quorum, rss) -> new StatusSnapshot.VirtualServer(address, port,
                        proto, sched, c.get(0), c.get(1), c.get(2), c.get(3), c.get(4), quorum, rss));
        Arbitrary<Optional<Instant>> since = Arbitraries.longs().between(0, 4_000_000_000L)
                .map(Instant::ofEpochSecond).optional();
        Arbitrary<StatusSnapshot.VrrpInstance> vrrp = Combinators.combine(text, Arbitraries.of(VrrpState.class),
                Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 255),
                text.list().ofMaxSize(3), since).as(StatusSnapshot.VrrpInstance::new);
        Arbitrary<Optional<StatusSnapshot.Proxy>> proxy = counts.list().ofSize(9)
                .map(c -> new StatusSnapshot.Proxy(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4), c.get(5),
                        c.get(6), c.get(7), c.get(8))).optional();
        return Combinators.combine(text, Arbitraries.longs().between(0, 1_000_000_000L), vrrp.list().ofMaxSize(3),
                vs.list().ofMaxSize(3), proxy).as((router, up, vr, vss, px) -> new StatusSnapshot(
                new StatusSnapshot.Node(router, "0.1.0", Duration.ofSeconds(up)), vr, vss, px));
    }

    @Property(tries = 50)
    void invalidPortsAreRefused(@ForAll("addresses") InetAddress address) {
        String host = new ServerAddress(address, 1).toString().replaceFirst(":1$", "");
        assertThatThrownBy(() -> ServerAddress.parse(host + ":0")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> ServerAddress.parse(host + ":65536")).hasMessageContaining("out of range");
        assertThat(List.of(ServerAddress.parse(host + ":65535").port())).containsExactly(65535);
    }
}
