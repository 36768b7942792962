package dev.vigil.report;

import dev.vigil.config.ForwardingMethod;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.arbitrary;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

class ReportProperties {

    static final Gen<InetAddress> ADDRESSES = Generate.oneOf(bytes(4), bytes(16)).map(ReportProperties::address);
    static final Gen<Integer> PORTS = integers().between(1, 65535);
    /** Any text: up to 255 characters from all of Unicode. */
    static final Gen<String> ANY_TEXT = strings().allPossible().ofLengthBetween(0, 255);
    private static final String NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    static final Gen<String> NAMES = lists().of(integers().between(0, NAME_CHARS.length() - 1)).ofSizeBetween(1, 20)
            .map(is -> is.stream().map(i -> String.valueOf(NAME_CHARS.charAt(i))).collect(Collectors.joining()));

    @Test
    void serverAddressesRoundTrip() {
        qt().withExamples(1000).forAll(ADDRESSES, PORTS).checkAssert((address, port) -> {
            ServerAddress a = new ServerAddress(address, port);
            assertThat(ServerAddress.parse(a.toString())).isEqualTo(a);
        });
    }

    @Test
    void garbageAddressesFailWithAMessageNeverAnotherException() {
        qt().withExamples(1000).forAll(ANY_TEXT).checkAssert(text -> {
            try {
                ServerAddress.parse(text);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void statusJsonRoundTrips() {
        qt().withExamples(200).forAll(snapshots()).checkAssert(snapshot -> {
            String json = new String(StatusJson.write(snapshot, Fixtures.T0), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(StatusJson.read(json)).isEqualTo(snapshot);
        });
    }

    @Test
    void statusReaderRejectsNonDocumentsWithAMessage() {
        qt().withExamples(1000).forAll(ANY_TEXT).checkAssert(text -> {
            try {
                StatusJson.read(text);
            } catch (IllegalArgumentException e) {
                assertThat(e.getMessage()).isNotBlank();
            }
        });
    }

    @Test
    void fifoLinesAreOneLine() {
        qt().withExamples(1000).forAll(NAMES, integers().all()).checkAssert((name, priority) -> {
            String line = NotifyFifo.line(new VrrpTransition(VrrpTransition.Scope.INSTANCE, name, VrrpState.BACKUP,
                    VrrpState.MASTER, priority, Fixtures.T0));
            assertThat(line).doesNotContain("\n").startsWith("INSTANCE \"" + name + "\" MASTER ");
        });
    }

    private static Gen<byte[]> bytes(int length) {
        return Generate.byteArrays(Generate.constant(length), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    }

    private static InetAddress address(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each record's fields are drawn in order, so a failing snapshot shrinks field by field. */
    static Gen<StatusSnapshot> snapshots() {
        Gen<String> text = strings().allPossible().ofLengthBetween(0, 12); // any characters: JSON must escape them
        Gen<Long> counts = longs().between(0, Long.MAX_VALUE / 2);
        Gen<List<Long>> fiveCounts = lists().of(counts).ofSize(5);
        Gen<StatusSnapshot.Service> service = in -> new StatusSnapshot.Service(text.generate(in),
                arbitrary().pick("UP", "DOWN").generate(in), text.generate(in));
        Gen<StatusSnapshot.RealServer> rs = in -> {
            String address = ADDRESSES.map(InetAddress::getHostAddress).generate(in);
            int port = PORTS.generate(in);
            ForwardingMethod fwd = arbitrary().enumValues(ForwardingMethod.class).generate(in);
            int weight = integers().between(0, 65535).generate(in);
            RealServerState state = arbitrary().enumValues(RealServerState.class).generate(in);
            Optional<String> reason = text.toOptionals(25).generate(in);
            List<StatusSnapshot.Service> services = lists().of(service).ofSizeBetween(0, 3).generate(in);
            List<Long> c = fiveCounts.generate(in);
            return new StatusSnapshot.RealServer(address, port, fwd, weight, weight / 2, state == RealServerState.UP,
                    state, reason, services, c.get(0), c.get(1), c.get(2), c.get(3), c.get(4));
        };
        Gen<StatusSnapshot.VirtualServer> vs = in -> {
            String address = Generate.oneOf(ADDRESSES.map(InetAddress::getHostAddress), Generate.constant("fwmark 7"))
                    .generate(in);
            int port = PORTS.generate(in);
            String proto = arbitrary().pick("TCP", "UDP").generate(in);
            String sched = arbitrary().pick("wlc", "rr", "sh").generate(in);
            List<Long> c = fiveCounts.generate(in);
            boolean quorum = booleans().all().generate(in);
            List<StatusSnapshot.RealServer> rss = lists().of(rs).ofSizeBetween(0, 4).generate(in);
            return new StatusSnapshot.VirtualServer(address, port, proto, sched, c.get(0), c.get(1), c.get(2), c.get(3),
                    c.get(4), quorum, rss, arbitrary().pick("proxy", "kernel").generate(in),
                    arbitrary().pick("the default", "lvs_sync_daemon", "port 0").generate(in));
        };
        Gen<Optional<Instant>> since = longs().between(0, 4_000_000_000L).map(s -> Instant.ofEpochSecond(s))
                .toOptionals(25);
        Gen<StatusSnapshot.VrrpInstance> vrrp = in -> new StatusSnapshot.VrrpInstance(text.generate(in),
                arbitrary().enumValues(VrrpState.class).generate(in), integers().between(0, 255).generate(in),
                integers().between(0, 255).generate(in), lists().of(text).ofSizeBetween(0, 3).generate(in),
                since.generate(in));
        Gen<Optional<StatusSnapshot.Proxy>> proxy = lists().of(counts).ofSize(13)
                .map(c -> new StatusSnapshot.Proxy(c.get(0), c.get(1), c.get(2), c.get(3), c.get(4), c.get(5),
                        c.get(6), c.get(7), c.get(8), c.get(9), c.get(10), c.get(11), c.get(12))).toOptionals(25);
        return in -> new StatusSnapshot(new StatusSnapshot.Node(text.generate(in), "0.1.0",
                Duration.ofSeconds(longs().between(0, 1_000_000_000L).generate(in))),
                lists().of(vrrp).ofSizeBetween(0, 3).generate(in), lists().of(vs).ofSizeBetween(0, 3).generate(in),
                proxy.generate(in));
    }

    @Test
    void invalidPortsAreRefused() {
        qt().withExamples(50).forAll(ADDRESSES).checkAssert(address -> {
            String host = new ServerAddress(address, 1).toString().replaceFirst(":1$", "");
            assertThatThrownBy(() -> ServerAddress.parse(host + ":0")).hasMessageContaining("out of range");
            assertThatThrownBy(() -> ServerAddress.parse(host + ":65536")).hasMessageContaining("out of range");
            assertThat(List.of(ServerAddress.parse(host + ":65535").port())).containsExactly(65535);
        });
    }
}
