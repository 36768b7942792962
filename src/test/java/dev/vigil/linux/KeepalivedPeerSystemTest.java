package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import dev.vigil.wire.InternetChecksum;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The socket layer against the real peer: keepalived's v2 adverts arrive on a {@link VrrpSocket}
 * with TTL 255, and adverts sent through one make keepalived step down and drop its VIP.
 * (The protocol itself is the vrrp package's; here the bytes are written by hand.)
 */
@RequiresRoot(commands = {"ip", "keepalived"})
class KeepalivedPeerSystemTest {
    @TempDir
    Path dir;

    @Test
    void keepalivedHearsUsAndWeHearKeepalived() throws Exception {
        try (NetnsBed bed = NetnsBed.create("vl", 2, false)) {
            String peer = bed.node(2);
            Path conf = dir.resolve("keepalived.conf");
            Files.writeString(conf, """
                    global_defs {
                        router_id vl-peer
                    }
                    vrrp_instance VI {
                        state BACKUP
                        interface eth0
                        virtual_router_id 51
                        priority 100
                        advert_int 1
                        authentication {
                            auth_type PASS
                            auth_pass secret
                        }
                        virtual_ipaddress {
                            10.199.0.50/24
                        }
                    }
                    """);
            bed.start(peer, List.of("keepalived", "-n", "-l", "-D", "-P", "-f", conf.toString(),
                    "-p", dir.resolve("k.pid").toString(), "-r", dir.resolve("kv.pid").toString()), dir.resolve("keepalived.log"));

            try (VrrpSocket socket = NetworkNamespace.call(bed.node(1), () -> VrrpSocket.multicast(NetnsBed.INTERFACE, VrrpSocket.Family.IPV4))) {
                // keepalived becomes master after 3 s + skew and advertises every second
                Optional<ReceivedPacket> heard = receiveFrom(socket, bed.ipv4(peer), 10_000);
                assertThat(heard).as("an advert from keepalived within 10 s; its log: %s", Files.readString(dir.resolve("keepalived.log"))).isPresent();
                ReceivedPacket advert = heard.get();
                byte[] p = advert.vrrpPayload();
                assertThat(advert.ttlOrHopLimit()).isEqualTo(255);
                assertThat(advert.destination()).isEqualTo(VrrpSocket.IPV4_GROUP);
                assertThat(p).hasSize(20);
                assertThat(p[0]).isEqualTo((byte) 0x21);      // v2 advertisement
                assertThat(p[1] & 0xff).isEqualTo(51);
                assertThat(p[2] & 0xff).isEqualTo(100);
                assertThat(p[4]).isEqualTo((byte) 1);         // auth PASS
                assertThat(new String(p, 12, 6)).isEqualTo("secret");
                assertThat(InternetChecksum.of(p, 0, p.length)).isZero();
                assertThat(awaitAddress(bed, peer, true)).isTrue();

                // a higher-priority master appears: keepalived must go BACKUP and remove the VIP
                byte[] ours = p.clone();
                ours[2] = (byte) 200;
                ours[6] = ours[7] = 0;
                int checksum = InternetChecksum.of(ours, 0, ours.length);
                ours[6] = (byte) (checksum >>> 8);
                ours[7] = (byte) checksum;
                InetAddress source = bed.ipv4(bed.node(1));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
                boolean gone = false;
                while (!gone && System.nanoTime() < deadline) {
                    socket.send(ours, source, VrrpSocket.IPV4_GROUP);
                    Thread.sleep(500);
                    gone = !bed.exec(peer, "ip", "-4", "addr", "show", "dev", "eth0").contains("10.199.0.50");
                }
                assertThat(gone).as("keepalived removed its VIP after our priority-200 adverts").isTrue();
                assertThat(Files.readString(dir.resolve("keepalived.log"))).contains("Entering BACKUP STATE");
            }
        }
    }

    private static Optional<ReceivedPacket> receiveFrom(VrrpSocket socket, InetAddress from, int millis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline) {
            Optional<ReceivedPacket> p = socket.receive(500);
            if (p.isPresent() && p.get().source().equals(from)) return p;
        }
        return Optional.empty();
    }

    private static boolean awaitAddress(NetnsBed bed, String ns, boolean present) throws Exception {
        for (int i = 0; i < 30; i++) {
            if (bed.exec(ns, "ip", "-4", "addr", "show", "dev", "eth0").contains("10.199.0.50") == present) return true;
            Thread.sleep(100);
        }
        return false;
    }
}
