package dev.vigil.linux;

import dev.vigil.testing.NetnsBed;
import dev.vigil.testing.RequiresRoot;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/** A gratuitous ARP / unsolicited NA from node 1 moves node 2's neighbour entry for the VIP to node 1's MAC. */
@RequiresRoot(commands = {"ip"})
class NeighbourAnnouncementSystemTest {
    private static final String STALE_MAC = "02:00:00:00:00:99";
    private static NetnsBed bed;

    @BeforeAll
    static void createBed() throws Exception {
        bed = NetnsBed.create("vl", 2, false);
    }

    @AfterAll
    static void deleteBed() {
        if (bed != null) bed.close();
    }

    @Test
    void gratuitousArpUpdatesThePeersNeighbourTable() throws Exception {
        String b = bed.node(2);
        bed.exec(b, "ip", "neigh", "replace", "10.199.0.50", "lladdr", STALE_MAC, "dev", "eth0", "nud", "stale");
        try (GratuitousArp garp = NetworkNamespace.call(bed.node(1), () -> GratuitousArp.open(NetnsBed.INTERFACE))) {
            String mac = HexFormat.ofDelimiter(":").formatHex(garp.mac());
            assertThat(bed.exec(bed.node(1), "ip", "link", "show", "eth0")).contains("link/ether " + mac);
            garp.send((Inet4Address) InetAddress.getByName("10.199.0.50"));
            assertThat(awaitNeighbour(b, "10.199.0.50", mac)).contains("lladdr " + mac);
        }
    }

    @Test
    void unsolicitedNeighbourAdvertUpdatesThePeersNeighbourTable() throws Exception {
        String b = bed.node(2);
        bed.exec(b, "ip", "-6", "neigh", "replace", "fd00:199::50", "lladdr", STALE_MAC, "dev", "eth0", "nud", "stale");
        try (UnsolicitedNeighborAdvert na = NetworkNamespace.call(bed.node(1), () -> UnsolicitedNeighborAdvert.open(NetnsBed.INTERFACE, false))) {
            String mac = HexFormat.ofDelimiter(":").formatHex(
                    NetworkNamespace.call(bed.node(1), () -> NetworkInterfaces.describe(NetnsBed.INTERFACE)).mac());
            na.send((Inet6Address) InetAddress.getByName("fd00:199::50"));
            assertThat(awaitNeighbour(b, "fd00:199::50", mac)).contains("lladdr " + mac);
        }
    }

    /** Polls `ip neigh` for up to 3 s: the kernel processes the frame asynchronously. */
    private static String awaitNeighbour(String ns, String address, String mac) throws Exception {
        String shown = "";
        for (int i = 0; i < 30; i++) {
            shown = bed.exec(ns, "ip", "neigh", "show", address, "dev", "eth0");
            if (shown.contains(mac)) return shown;
            Thread.sleep(100);
        }
        return shown;
    }
}
