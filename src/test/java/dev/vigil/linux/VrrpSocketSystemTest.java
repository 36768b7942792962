package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import dev.vigil.wire.InternetChecksum;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Two raw VRRP sockets in two namespaces on one bridge exchange protocol-112 packets. */
@RequiresRoot(commands = {"ip"})
class VrrpSocketSystemTest {
    private static final byte[] ADVERT = {0x21, 51, 100, 1, 0, 1, 0, 0, 10, (byte) 199, 0, 50, 0, 0, 0, 0, 0, 0, 0, 0};
    private static NetnsBed bed;

    @BeforeAll
    static void createBed() throws Exception {
        bed = NetnsBed.create("vl", 2, false);
    }

    @AfterAll
    static void deleteBed() {
        if (bed != null) bed.close();
    }

    private static VrrpSocket multicast(int node, VrrpSocket.Family family) throws Exception {
        return NetworkNamespace.call(bed.node(node), () -> VrrpSocket.multicast(NetnsBed.INTERFACE, family));
    }

    @Test
    void ipv4MulticastArrivesWithTtl255AndIsNotLoopedBack() throws Exception {
        try (VrrpSocket a = multicast(1, VrrpSocket.Family.IPV4); VrrpSocket b = multicast(2, VrrpSocket.Family.IPV4)) {
            InetAddress src = bed.ipv4(bed.node(1));
            a.send(ADVERT, src, VrrpSocket.IPV4_GROUP);
            ReceivedPacket p = b.receive(3_000).orElseThrow(() -> new AssertionError("no IPv4 advert within 3 s"));
            assertThat(p.source()).isEqualTo(src);
            assertThat(p.destination()).isEqualTo(VrrpSocket.IPV4_GROUP);
            assertThat(p.ttlOrHopLimit()).isEqualTo(255);
            assertThat(p.vrrpPayload()).isEqualTo(ADVERT);
            assertThat(p.interfaceIndex()).isEqualTo(b.interfaceIndex());
            assertThat(a.receive(300)).as("multicast loop is off").isEmpty();
        }
    }

    @Test
    void ipv6MulticastFromTheLinkLocalArrivesWithHopLimit255() throws Exception {
        InterfaceInfo info = NetworkNamespace.call(bed.node(1), () -> NetworkInterfaces.describe(NetnsBed.INTERFACE));
        InetAddress linkLocal = info.linkLocalIpv6().orElseThrow();
        try (VrrpSocket a = multicast(1, VrrpSocket.Family.IPV6); VrrpSocket b = multicast(2, VrrpSocket.Family.IPV6)) {
            byte[] v3 = {0x31, 7, 100, 0, 0, 100, 0, 0};
            a.send(v3, linkLocal, VrrpSocket.IPV6_GROUP);
            ReceivedPacket p = b.receive(3_000).orElseThrow(() -> new AssertionError("no IPv6 advert within 3 s"));
            assertThat(p.source().getAddress()).isEqualTo(linkLocal.getAddress());
            assertThat(p.destination()).isEqualTo(VrrpSocket.IPV6_GROUP);
            assertThat(p.ttlOrHopLimit()).isEqualTo(255);
            assertThat(p.interfaceIndex()).isEqualTo(b.interfaceIndex());
            // the kernel filled in the checksum at offset 6 (IPV6_CHECKSUM 6); everything else is ours
            assertThat(p.vrrpPayload()).hasSize(8);
            assertThat(p.vrrpPayload()[6] | p.vrrpPayload()[7]).isNotZero();
            byte[] withoutChecksum = p.vrrpPayload().clone();
            withoutChecksum[6] = withoutChecksum[7] = 0;
            assertThat(withoutChecksum).isEqualTo(v3);
            long sum = InternetChecksum.add(0, p.source().getAddress(), 0, 16);
            sum = InternetChecksum.add(sum, p.destination().getAddress(), 0, 16);
            sum += 8 + 112;
            assertThat(InternetChecksum.finish(InternetChecksum.add(sum, p.vrrpPayload(), 0, 8))).as("pseudo-header checksum").isZero();
        }
    }

    @Test
    void unicastReachesOnlyTheUnicastSocketOfThePeer() throws Exception {
        InetAddress a4 = bed.ipv4(bed.node(1)), b4 = bed.ipv4(bed.node(2));
        try (VrrpSocket a = NetworkNamespace.call(bed.node(1), () -> VrrpSocket.unicast(NetnsBed.INTERFACE, a4, -1));
             VrrpSocket b = NetworkNamespace.call(bed.node(2), () -> VrrpSocket.unicast(NetnsBed.INTERFACE, b4, -1));
             VrrpSocket bMulticast = multicast(2, VrrpSocket.Family.IPV4)) {
            a.send(ADVERT, a4, b4);
            ReceivedPacket p = b.receive(3_000).orElseThrow(() -> new AssertionError("no unicast advert within 3 s"));
            assertThat(p.source()).isEqualTo(a4);
            assertThat(p.destination()).isEqualTo(b4);
            assertThat(p.ttlOrHopLimit()).isEqualTo(255);
            assertThat(p.vrrpPayload()).isEqualTo(ADVERT);
            assertThat(bMulticast.receive(300)).as("a multicast socket never sees unicast adverts").isEmpty();
        }
    }

    @Test
    void ipv6UnicastUsesTheGivenHopLimit() throws Exception {
        InetAddress a6 = bed.ipv6(bed.node(1)), b6 = bed.ipv6(bed.node(2));
        try (VrrpSocket a = NetworkNamespace.call(bed.node(1), () -> VrrpSocket.unicast(NetnsBed.INTERFACE, a6, 255));
             VrrpSocket b = NetworkNamespace.call(bed.node(2), () -> VrrpSocket.unicast(NetnsBed.INTERFACE, b6, -1))) {
            a.send(new byte[] {0x31, 7, 100, 0, 0, 100, 0, 0}, a6, b6);
            ReceivedPacket p = b.receive(3_000).orElseThrow(() -> new AssertionError("no IPv6 unicast advert within 3 s"));
            assertThat(p.source()).isEqualTo(a6);
            assertThat(p.destination()).isEqualTo(b6);
            assertThat(p.ttlOrHopLimit()).isEqualTo(255);
        }
    }

    @Test
    void closeWakesABlockedReceiverAndLaterCallsFailPlainly() throws Exception {
        VrrpSocket s = multicast(1, VrrpSocket.Family.IPV4);
        CompletableFuture<Optional<ReceivedPacket>> receiving = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                receiving.complete(s.receive(60_000));
            } catch (Throwable t) {
                receiving.completeExceptionally(t);
            }
        });
        Thread.sleep(200);
        long start = System.nanoTime();
        s.close();
        assertThat(receiving.get(5, TimeUnit.SECONDS)).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).as("close returns soon").isLessThan(3_000);
        assertThat(s.isClosed()).isTrue();
        assertThatThrownBy(() -> s.send(ADVERT, bed.ipv4(bed.node(1)), VrrpSocket.IPV4_GROUP)).hasMessageContaining("closed");
        s.close(); // twice is fine
    }
}
