package dev.vigil.forward;

import dev.vigil.balance.RealServerSnapshot;
import dev.vigil.balance.VirtualService;
import dev.vigil.config.ConfigParser;
import dev.vigil.config.ParseOptions;
import dev.vigil.config.ParseResult;
import dev.vigil.config.Protocol;
import dev.vigil.linux.ConntrackEntry;
import dev.vigil.linux.ConntrackEvents.Kind;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.vigil.linux.ConntrackEntry.NO_STATE;
import static dev.vigil.linux.ConntrackEntry.TCP;
import static dev.vigil.linux.ConntrackEntry.UDP;
import static org.assertj.core.api.Assertions.assertThat;

/** The kernel engine's books, from conntrack's entries as the events thread hands them over. */
class ConntrackAccountingTest {
    private static final InetSocketAddress VIP = new InetSocketAddress("10.0.0.1", 80);
    private static final InetSocketAddress RS1 = new InetSocketAddress("10.0.1.1", 8080);
    private static final InetSocketAddress RS2 = new InetSocketAddress("10.0.1.2", 8080);
    private static final InetSocketAddress SORRY = new InetSocketAddress("10.0.1.9", 8080);

    private final VirtualService service = service("");
    private final ConntrackAccounting books = new ConntrackAccounting();
    private int nextPort = 40000;

    ConntrackAccountingTest() {
        books.serve(Map.of(ConntrackAccounting.Key.of(Protocol.TCP, VIP), service));
    }

    private static VirtualService service(String extra) {
        ParseResult r = ConfigParser.parse("virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  vigil_engine kernel\n" + extra
                + "  sorry_server 10.0.1.9 8080\n"
                + "  real_server 10.0.1.1 8080 {\n  }\n  real_server 10.0.1.2 8080 {\n  }\n}\n", "t.conf",
                new ParseOptions("t", true, false));
        assertThat(r.errors()).isEmpty();
        return new VirtualService(r.config().orElseThrow().virtualServers().getFirst());
    }

    /** A client's connection to the VIP that the DNAT sent to {@code real}. */
    private record Conn(long id, int protocol, InetSocketAddress client, InetSocketAddress vip, InetSocketAddress real) {
        ConntrackEntry at(int state) {
            return new ConntrackEntry(id, protocol, client, vip, real, client, state, 0, Optional.empty(), Optional.empty());
        }

        ConntrackEntry at(int state, long in, long out) {
            return new ConntrackEntry(id, protocol, client, vip, real, client, state, 0,
                    Optional.of(new ConntrackEntry.Counters(in / 100, in)), Optional.of(new ConntrackEntry.Counters(out / 100, out)));
        }
    }

    private Conn conn(InetSocketAddress real) {
        int port = nextPort++;
        return new Conn(port, TCP, new InetSocketAddress("192.0.2.7", port), VIP, real);
    }

    private RealServerSnapshot server(InetSocketAddress a) {
        var s = service.snapshot();
        return a.equals(SORRY) ? s.sorryServer().orElseThrow()
                : s.realServers().stream().filter(r -> r.port() == a.getPort() && r.address().equals(a.getAddress()))
                        .findFirst().orElseThrow();
    }

    @Test
    void activeIsEstablishedTcpOnlyAsIpvsCountsIt() {
        for (int state = ConntrackEntry.TCP_NONE; state <= ConntrackEntry.TCP_SYN_SENT2; state++) {
            assertThat(ConntrackAccounting.active(TCP, state)).as("TCP state %d", state)
                    .isEqualTo(state == ConntrackEntry.TCP_ESTABLISHED);
        }
        assertThat(ConntrackAccounting.active(UDP, NO_STATE)).as("IPVS never counts UDP active").isFalse();
        assertThat(ConntrackAccounting.active(TCP, NO_STATE)).isFalse();
        List<Integer> closing = new ArrayList<>();
        for (int state = ConntrackEntry.TCP_NONE; state <= ConntrackEntry.TCP_SYN_SENT2; state++) {
            if (!ConntrackAccounting.open(TCP, state)) closing.add(state);
        }
        assertThat(closing).containsExactly(ConntrackEntry.TCP_FIN_WAIT, ConntrackEntry.TCP_CLOSE_WAIT,
                ConntrackEntry.TCP_LAST_ACK, ConntrackEntry.TCP_TIME_WAIT, ConntrackEntry.TCP_CLOSE);
        assertThat(ConntrackAccounting.open(UDP, NO_STATE)).isTrue();
    }

    @Test
    void aTcpConnectionsLifeInTheRealServersCounters() {
        Conn c = conn(RS1);
        books.entry(Kind.NEW, c.at(ConntrackEntry.TCP_SYN_SENT));
        assertThat(server(RS1).inactiveConnections()).isEqualTo(1);
        assertThat(server(RS1).totalConnections()).isEqualTo(1);
        assertThat(books.openConnections()).isEqualTo(1);
        books.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_SYN_RECV));
        books.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_ESTABLISHED));
        assertThat(server(RS1).activeConnections()).isEqualTo(1);
        assertThat(server(RS1).inactiveConnections()).isZero();
        // An update without protocol information (a status change) keeps the state.
        books.entry(Kind.UPDATE, c.at(NO_STATE));
        assertThat(server(RS1).activeConnections()).isEqualTo(1);
        books.entry(Kind.DUMPED, c.at(ConntrackEntry.TCP_ESTABLISHED, 1_000, 50_000));
        assertThat(server(RS1).bytesIn()).isEqualTo(1_000);
        assertThat(server(RS1).bytesOut()).isEqualTo(50_000);
        books.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_FIN_WAIT));
        assertThat(server(RS1).activeConnections()).isZero();
        assertThat(server(RS1).inactiveConnections()).isEqualTo(1);
        assertThat(books.openConnections()).isZero();
        books.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_TIME_WAIT));
        assertThat(server(RS1).inactiveConnections()).as("TIME_WAIT is inactive, as in ipvsadm").isEqualTo(1);
        books.entry(Kind.DESTROY, c.at(ConntrackEntry.TCP_TIME_WAIT, 1_300, 50_300));
        RealServerSnapshot after = server(RS1);
        assertThat(after.activeConnections() + after.inactiveConnections()).isZero();
        assertThat(after.recentlyClosed()).as("conntrack's TIME_WAIT was the window").isZero();
        assertThat(after.bytesIn()).isEqualTo(1_300);
        assertThat(after.bytesOut()).isEqualTo(50_300);
        assertThat(after.totalConnections()).isEqualTo(1);
        assertThat(server(RS2).totalConnections()).isZero();
        // A connection whose other events were lost (an overrun) still counts once, with its bytes.
        books.entry(Kind.DESTROY, conn(RS1).at(ConntrackEntry.TCP_CLOSE, 100, 200));
        assertThat(server(RS1).totalConnections()).isEqualTo(2);
        assertThat(server(RS1).bytesOut()).isEqualTo(50_500);
        assertThat(server(RS1).inactiveConnections()).isZero();
    }

    @Test
    void udpFlowsAreInactiveAndTheSorryServerIsCountedToo() {
        VirtualService udp = service("  protocol UDP\n");
        books.serve(Map.of(ConntrackAccounting.Key.of(Protocol.UDP, VIP), udp, ConntrackAccounting.Key.of(Protocol.TCP, VIP), service));
        Conn flow = new Conn(1, UDP, new InetSocketAddress("192.0.2.7", 5353), VIP, RS2);
        books.entry(Kind.NEW, flow.at(NO_STATE));
        books.entry(Kind.UPDATE, flow.at(NO_STATE));
        var rs2 = udp.snapshot().realServers().get(1);
        assertThat(rs2.activeConnections()).isZero();
        assertThat(rs2.inactiveConnections()).isEqualTo(1);
        assertThat(server(RS2).totalConnections()).as("the TCP service's server is another's").isZero();
        Conn sorry = conn(SORRY);
        books.entry(Kind.NEW, sorry.at(ConntrackEntry.TCP_SYN_SENT));
        books.entry(Kind.UPDATE, sorry.at(ConntrackEntry.TCP_ESTABLISHED));
        assertThat(server(SORRY).activeConnections()).isEqualTo(1);
        assertThat(books.counts().of(udp)).containsExactly(Map.entry(RS2, new KernelConnectionCounts.Counts(0, 1)));
        assertThat(books.counts().of(service)).containsExactly(Map.entry(SORRY, new KernelConnectionCounts.Counts(1, 0)));
    }

    @Test
    void whatIsNotAServedConnectionToARealServerIsNotCounted() {
        books.entry(Kind.NEW, new Conn(1, TCP, new InetSocketAddress("192.0.2.7", 1), new InetSocketAddress("10.0.0.2", 80), RS1)
                .at(ConntrackEntry.TCP_SYN_SENT));
        // Not NATed: no real server could take it, so the reply would come from the VIP itself.
        books.entry(Kind.NEW, new Conn(2, TCP, new InetSocketAddress("192.0.2.7", 2), VIP, VIP).at(ConntrackEntry.TCP_SYN_SENT));
        books.entry(Kind.NEW, new Conn(3, UDP, new InetSocketAddress("192.0.2.7", 3), VIP, RS1).at(NO_STATE));
        assertThat(server(RS1).totalConnections()).isZero();
        assertThat(books.counts().services()).isEmpty();
        assertThat(books.openConnections()).isZero();
    }

    @Test
    void aResyncCountsWhatEventsMissedAndForgetsWhatDiedUnheard() {
        Conn lost = conn(RS1), kept = conn(RS1), unheard = conn(RS2);
        books.entry(Kind.NEW, lost.at(ConntrackEntry.TCP_SYN_SENT));
        books.entry(Kind.UPDATE, lost.at(ConntrackEntry.TCP_ESTABLISHED));
        books.entry(Kind.NEW, kept.at(ConntrackEntry.TCP_SYN_SENT));
        List<KernelConnectionCounts> heard = new ArrayList<>();
        books.addListener(heard::add);

        books.resyncStarted();
        books.entry(Kind.DUMPED, kept.at(ConntrackEntry.TCP_ESTABLISHED, 500, 700));
        books.entry(Kind.DUMPED, unheard.at(ConntrackEntry.TCP_ESTABLISHED, 10, 20));
        books.resyncDone();

        assertThat(server(RS1).activeConnections()).as("lost's DESTROY was dropped; the dump did not show it").isEqualTo(1);
        assertThat(server(RS1).totalConnections()).isEqualTo(2);
        assertThat(server(RS1).bytesIn()).isEqualTo(500);
        assertThat(server(RS2).activeConnections()).as("opened while events were lost").isEqualTo(1);
        assertThat(server(RS2).totalConnections()).isEqualTo(1);
        assertThat(heard).hasSize(1);
        assertThat(heard.getFirst().of(service)).containsOnly(Map.entry(RS1, new KernelConnectionCounts.Counts(1, 0)),
                Map.entry(RS2, new KernelConnectionCounts.Counts(1, 0)));
        assertThat(books.openConnections()).isEqualTo(2);
    }

    @Test
    void anEventDuringTheDumpKeepsItsEntry() {
        books.resyncStarted();
        Conn fresh = conn(RS2);
        books.entry(Kind.NEW, fresh.at(ConntrackEntry.TCP_SYN_SENT)); // after the dump passed its bucket
        books.resyncDone();
        assertThat(server(RS2).inactiveConnections()).isEqualTo(1);
    }

    @Test
    void anIdGivenToAnotherConnectionEndsTheFirst() {
        Conn first = conn(RS1);
        books.entry(Kind.NEW, first.at(ConntrackEntry.TCP_SYN_SENT));
        Conn second = new Conn(first.id(), TCP, new InetSocketAddress("192.0.2.8", 1234), VIP, RS2);
        books.entry(Kind.NEW, second.at(ConntrackEntry.TCP_SYN_SENT));
        assertThat(server(RS1).inactiveConnections()).isZero();
        assertThat(server(RS2).inactiveConnections()).isEqualTo(1);
        assertThat(books.openConnections()).isEqualTo(1);
    }

    @Test
    void aVipPortGivenToAnotherVirtualServiceMovesItsConnectionsThere() {
        Conn c = conn(RS1);
        books.entry(Kind.NEW, c.at(ConntrackEntry.TCP_SYN_SENT));
        books.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_ESTABLISHED));
        VirtualService successor = service("");
        books.serve(Map.of(ConntrackAccounting.Key.of(Protocol.TCP, VIP), successor));
        books.entry(Kind.DUMPED, c.at(ConntrackEntry.TCP_ESTABLISHED, 10, 10));
        assertThat(server(RS1).activeConnections()).isZero();
        assertThat(successor.snapshot().realServers().getFirst().activeConnections()).isEqualTo(1);
        assertThat(books.openConnections()).isEqualTo(1);
    }

    @Test
    void aServiceServedLaterIsLookedForAndOneNoLongerServedCountsNothingNew() {
        ConntrackAccounting later = new ConntrackAccounting();
        Conn c = conn(RS1);
        later.entry(Kind.NEW, c.at(ConntrackEntry.TCP_SYN_SENT));
        assertThat(server(RS1).totalConnections()).isZero();
        later.serve(Map.of(ConntrackAccounting.Key.of(Protocol.TCP, VIP), service));
        later.entry(Kind.DUMPED, c.at(ConntrackEntry.TCP_ESTABLISHED));
        assertThat(server(RS1).activeConnections()).isEqualTo(1);
        later.serve(Map.of());
        later.entry(Kind.NEW, conn(RS2).at(ConntrackEntry.TCP_SYN_SENT));
        assertThat(server(RS2).totalConnections()).isZero();
        later.entry(Kind.UPDATE, c.at(ConntrackEntry.TCP_FIN_WAIT));
        assertThat(server(RS1).activeConnections() + server(RS1).inactiveConnections())
                .as("the books of a service no longer served end at its next event").isZero();
        assertThat(later.openConnections()).isZero();
    }

    @Test
    void aServerCrossingItsUthresholdOrComingBackIsToldOnce() {
        ParseResult r = ConfigParser.parse("virtual_server 10.0.0.1 80 {\n  lb_algo rr\n  vigil_engine kernel\n"
                + "  real_server 10.0.1.1 8080 {\n    uthreshold 2\n  }\n  real_server 10.0.1.2 8080 {\n  }\n}\n", "t.conf",
                new ParseOptions("t", true, false));
        VirtualService limited = new VirtualService(r.config().orElseThrow().virtualServers().getFirst());
        ConntrackAccounting own = new ConntrackAccounting();
        own.serve(Map.of(ConntrackAccounting.Key.of(Protocol.TCP, VIP), limited));
        List<VirtualService> heard = new ArrayList<>();
        own.onOverload(heard::add);
        Conn a = conn(RS1), b = conn(RS1), other = conn(RS2);
        own.entry(Kind.NEW, a.at(ConntrackEntry.TCP_SYN_SENT));
        own.entry(Kind.NEW, other.at(ConntrackEntry.TCP_SYN_SENT));
        assertThat(heard).isEmpty();
        own.entry(Kind.NEW, b.at(ConntrackEntry.TCP_SYN_SENT)); // 2 >= uthreshold 2: IPVS sets the flag at bind
        own.entry(Kind.UPDATE, b.at(ConntrackEntry.TCP_ESTABLISHED));
        assertThat(heard).containsExactly(limited);
        assertThat(limited.table().realServers().getFirst().acceptsNew()).isFalse();
        own.entry(Kind.DESTROY, a.at(ConntrackEntry.TCP_CLOSE)); // 1 * 4 < 2 * 3: back
        assertThat(heard).containsExactly(limited, limited);
        assertThat(limited.table().realServers().getFirst().acceptsNew()).isTrue();
        own.entry(Kind.DESTROY, other.at(ConntrackEntry.TCP_CLOSE));
        assertThat(heard).hasSize(2);
    }
}
